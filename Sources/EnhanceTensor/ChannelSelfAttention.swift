// Channel self-attention (XCiT's cross-covariance attention, adaptive channel self-attention) on
// token-major data (``Matrix`` `[N, C]`): the attention is between features, over all tokens.

/// The cosine similarities between the query and key features of each head: `[heads][d][d]`
/// (`d = C / heads`), entry `(i, j)` of head `h` = `Σₜ q[t, h·d + i] · k[t, h·d + j] / (‖q_i‖ ‖k_j‖)`
/// with the norms over the tokens clamped at 1e-12 (PyTorch `F.normalize(q, dim = −1) @
/// F.normalize(k, dim = −1)ᵀ` on `[heads, d, N]`). `q` and `k` are the `columns` ranges of `qkv`
/// (`[N, ≥ C]`).
public func channelCosineScores(_ qkv: Matrix, queries: Range<Int>, keys: Range<Int>, heads: Int,
                                pool: ThreadPool) -> [Float] {
    let c = queries.count, n = qkv.rows, d = c / max(heads, 1)
    precondition(keys.count == c && c == d * heads, "channelCosineScores: shapes")
    // Features as rows: [C, N] each.
    func transposed(_ r: Range<Int>) -> (Matrix, [Double]) {
        var out = [Float](repeating: 0, count: c * n), norms = [Double](repeating: 0, count: c)
        qkv.data.withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { dst in
            norms.withUnsafeMutableBufferPointer { norm in
                let (s, d, q) = (src.baseAddress! + r.lowerBound, dst.baseAddress!, norm.baseAddress!)
                let block = 256
                pool.parallelFor((n + block - 1) / block) { b in  // runs of tokens: features as rows
                    let t0 = b * block, t1 = min(n, t0 + block)
                    transpose(s + t0 * qkv.columns, stride: qkv.columns, into: d + t0, stride: n, rows: t1 - t0,
                              columns: c)
                }
                pool.parallelFor(c) { f in
                    var sum = 0.0
                    for t in 0..<n { sum += Double(d[f * n + t]) * Double(d[f * n + t]) }
                    q[f] = max(sum.squareRoot(), 1e-12)
                }
            }
        } }
        return (Matrix(rows: c, columns: n, data: out), norms)
    }
    let (q, qn) = transposed(queries), (k, kn) = transposed(keys)
    var scores = matmul(q, k, batch: heads, transposeB: true, pool: pool).data
    for h in 0..<heads { for i in 0..<d { for j in 0..<d {
        scores[(h * d + i) * d + j] = Float(Double(scores[(h * d + i) * d + j]) / (qn[h * d + i] * kn[h * d + j]))
    } } }
    return scores
}

/// `attention · v` per head and token: `[N, C]` with entry `(t, h·d + i)` = `Σⱼ A[h][i][j] ·
/// v[t, h·d + j]`, for `attention` `[heads][d][d]` and `v` the `columns` range of `x` (`[N, ≥ C]`).
public func attendChannels(_ x: Matrix, columns: Range<Int>, attention a: [Float], heads: Int,
                           pool: ThreadPool) -> Matrix {
    let c = columns.count, d = c / max(heads, 1)
    precondition(c == d * heads && a.count == heads * d * d, "attendChannels: attention is not [heads][d][d]")
    // One block-diagonal Linear: weight [C, C] with head h's A at (h·d + i, h·d + j).
    var w = [Float](repeating: 0, count: c * c)
    for h in 0..<heads { for i in 0..<d { for j in 0..<d { w[(h * d + i) * c + h * d + j] = a[(h * d + i) * d + j] } } }
    let v = columns == 0..<x.columns ? x : tokenColumns(x, height: x.rows, width: 1, columns: [columns])
    return Linear(weight: w, bias: nil, inFeatures: c, outFeatures: c)(v, pool: pool)
}
