// Column and region operations on token-major images (``Matrix`` `[H·W, C]`, token `y · W + x`).

/// The `columns` ranges of each token of the `height × width` image `x`, concatenated in order,
/// in an image zero-padded on the bottom and right to `padded` (`F.pad` of the channels, as
/// split-window attention pads its `qkv` to whole windows): `[padded.height · padded.width,
/// Σ columns]`.
public func tokenColumns(_ x: Matrix, height h: Int, width w: Int, columns: [Range<Int>],
                         padded: (height: Int, width: Int)? = nil) -> Matrix {
    let (ph, pw) = padded ?? (h, w), c = columns.reduce(0) { $0 + $1.count }
    precondition(x.rows == h * w && ph >= h && pw >= w,
                 "tokenColumns: \(x.rows) tokens for \(h)×\(w) → \(ph)×\(pw)")
    precondition(columns.allSatisfy { $0.lowerBound >= 0 && $0.upperBound <= x.columns }, "tokenColumns: columns")
    var out = [Float](repeating: 0, count: ph * pw * c)
    x.data.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { dst in
        for y in 0..<h { for xx in 0..<w {
            var to = dst.baseAddress! + (y * pw + xx) * c
            let from = src.baseAddress! + (y * w + xx) * x.columns
            for r in columns {
                to.update(from: from + r.lowerBound, count: r.count)
                to += r.count
            }
        } }
    } }
    return Matrix(rows: ph * pw, columns: c, data: out)
}

/// The top-left `height × width` tokens of the `padded.height × padded.width` image `x` (the crop
/// after attention on a padded image).
public func cropTokens(_ x: Matrix, padded: (height: Int, width: Int), height h: Int, width w: Int) -> Matrix {
    precondition(x.rows == padded.height * padded.width && h <= padded.height && w <= padded.width,
                 "cropTokens: \(x.rows) tokens for \(padded.height)×\(padded.width) → \(h)×\(w)")
    if (h, w) == padded { return x }
    let c = x.columns
    var out = [Float](repeating: 0, count: h * w * c)
    x.data.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { dst in
        for y in 0..<h {
            (dst.baseAddress! + y * w * c).update(from: src.baseAddress! + y * padded.width * c, count: w * c)
        }
    } }
    return Matrix(rows: h * w, columns: c, data: out)
}

/// The matrices' columns side by side (`torch.cat(dim = −1)`); all have the same rows.
public func concatColumns(_ xs: [Matrix]) -> Matrix {
    let rows = xs.first?.rows ?? 0, c = xs.reduce(0) { $0 + $1.columns }
    precondition(xs.allSatisfy { $0.rows == rows }, "concatColumns: row counts differ")
    var out = [Float](repeating: 0, count: rows * c)
    out.withUnsafeMutableBufferPointer { dst in
        var offset = 0
        for m in xs {
            m.data.withUnsafeBufferPointer { src in
                for r in 0..<rows {
                    (dst.baseAddress! + r * c + offset).update(from: src.baseAddress! + r * m.columns, count: m.columns)
                }
            }
            offset += m.columns
        }
    }
    return Matrix(rows: rows, columns: c, data: out)
}

/// `a ⊙ b` element-wise (same shape), e.g. a spatial gate; spread over `pool` when given.
public func mul(_ a: Matrix, _ b: Matrix, pool: ThreadPool? = nil) -> Matrix {
    precondition(a.rows == b.rows && a.columns == b.columns, "mul: matrix shapes differ")
    return Matrix(rows: a.rows, columns: a.columns, data: zipFloats(a.data, b.data, pool: pool) { $0 * $1 })
}

/// `a · rowScale[t]` (one factor per token, may be nil) `· columnScale[f]` (one per feature, may be
/// nil), plus the same of `b` with its own factors: an adaptive interaction module's
/// `attended ⊙ σ(map₁) + conv ⊙ σ(map₂)` with the maps broadcast over tokens or features.
public func scaledSum(_ a: Matrix, rowScale ra: [Float]?, columnScale ca: [Float]?, _ b: Matrix, rowScale rb: [Float]?,
                      columnScale cb: [Float]?) -> Matrix {
    let n = a.rows, c = a.columns
    precondition(b.rows == n && b.columns == c, "scaledSum: matrix shapes differ")
    precondition([ra, rb].allSatisfy { $0 == nil || $0!.count == n }, "scaledSum: row factors")
    precondition([ca, cb].allSatisfy { $0 == nil || $0!.count == c }, "scaledSum: column factors")
    let ones = [Float](repeating: 1, count: c), fa = ca ?? ones, fb = cb ?? ones
    var out = [Float](repeating: 0, count: n * c)
    for t in 0..<n {
        let sa = ra?[t] ?? 1, sb = rb?[t] ?? 1
        for f in 0..<c { out[t * c + f] = a.data[t * c + f] * sa * fa[f] + b.data[t * c + f] * sb * fb[f] }
    }
    return Matrix(rows: n, columns: c, data: out)
}

/// The mean of each column over the tokens (a global average pool of the image the tokens are),
/// accumulated in double.
public func columnMeans(_ x: Matrix) -> [Double] {
    var sums = [Double](repeating: 0, count: x.columns)
    for t in 0..<x.rows { for f in 0..<x.columns { sums[f] += Double(x.data[t * x.columns + f]) } }
    return sums.map { $0 / Double(max(x.rows, 1)) }
}
