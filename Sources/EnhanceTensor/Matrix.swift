import CVectorISA

/// A row-major float32 matrix for token-major (transformer) data: `rows` tokens × `columns` features,
/// element `(t, f)` at `data[t · columns + f]` — PyTorch's `[B·N, C]` with batch 1.
///
/// Swin transformer blocks stay in this layout from patch embedding to patch unembedding: ``Linear``,
/// ``layerNormRows(_:weight:bias:eps:pool:)``, ``windowPartition(_:height:width:window:shift:)`` and
/// ``windowAttention(qkv:windowTokens:heads:scale:bias:mask:pool:)`` all read and write it, with no
/// transpose per layer. Images enter and leave through ``init(tokensOf:)`` and
/// ``Tensor/init(tokens:height:width:)`` (token `y · W + x`, PyTorch `x.flatten(2).transpose(1, 2)`).
public struct Matrix: Sendable, Equatable {
    /// Tokens.
    public var rows: Int
    /// Features per token.
    public var columns: Int
    /// `rows · columns` values, row-major.
    public var data: [Float]

    public init(rows: Int, columns: Int, data: [Float]) {
        precondition(data.count == rows * columns, "Matrix: data does not match \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.data = data
    }

    /// The tokens of CHW `x`: `[H·W, C]`, token `y · W + x` (a transpose in 8 × 8 blocks; runs of
    /// 256 tokens spread over `pool` when given).
    public init(tokensOf x: Tensor, pool: ThreadPool? = nil) {
        x.require(.chw, "Matrix(tokensOf:)")
        let c = x.channels, n = x.planeSize, block = 256
        let data = [Float](unsafeUninitializedCapacity: c * n) { buf, count in
            x.data.withUnsafeBufferPointer { src in
                guard c * n > 0 else { return }
                let (s, d) = (src.baseAddress!, buf.baseAddress!)
                spread((n + block - 1) / block, over: pool) { b in
                    let t0 = b * block, t1 = min(n, t0 + block)
                    transpose(s + t0, stride: n, into: d + t0 * c, stride: c, rows: c, columns: t1 - t0)
                }
            }
            count = c * n
        }
        self.init(rows: n, columns: c, data: data)
    }
}

extension Tensor {
    /// The CHW image `[columns, height, width]` of token matrix `m` (`m.rows` = height · width; a
    /// transpose in 8 × 8 blocks, runs of 256 tokens spread over `pool` when given).
    public init(tokens m: Matrix, height: Int, width: Int, pool: ThreadPool? = nil) {
        precondition(m.rows == height * width, "Tensor(tokens:): \(m.rows) tokens for \(height)×\(width)")
        let c = m.columns, n = m.rows
        let t = m.data.withUnsafeBufferPointer { src in
            makeTensor(channels: c, height: height, width: width) { dst in
                let s = src.baseAddress!, block = 256
                spread((n + block - 1) / block, over: pool) { b in
                    let t0 = b * block, t1 = min(n, t0 + block)
                    transpose(s + t0 * c, stride: c, into: dst + t0, stride: n, rows: t1 - t0, columns: c)
                }
            }
        }
        self = t
    }
}

/// Runs `body(row, src, dst)` for every row of `m` (over `pool` when large), building a result of
/// the same shape from each row's `columns` values.
func mapRows(_ m: Matrix, pool: ThreadPool?,
             _ body: (Int, UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Matrix {
    let c = m.columns
    let data = [Float](unsafeUninitializedCapacity: m.data.count) { buf, count in
        m.data.withUnsafeBufferPointer { src in
            func row(_ r: Int) { body(r, src.baseAddress! + r * c, buf.baseAddress! + r * c) }
            if let pool, m.data.count >= 1 << 15 { pool.parallelFor(m.rows, row) } else {
                for r in 0..<m.rows { row(r) }
            }
        }
        count = m.data.count
    }
    return Matrix(rows: m.rows, columns: c, data: data)
}

/// `n` floats from `p` as 16-float vectors: `body(i, v, valid)` with the tail zero-padded.
@inline(__always)
func forVectors(_ p: UnsafePointer<Float>, _ n: Int, _ body: (Int, SIMD16<Float>, Int) -> Void) {
    var i = 0
    while i + 16 <= n {
        body(i, UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self), 16)
        i += 16
    }
    if i < n { body(i, enhance_load_partial16(p + i, Int32(n - i)), n - i) }
}

/// 16 floats from `p`.
@inline(__always)
func load16(_ p: UnsafePointer<Float>) -> SIMD16<Float> { UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }

/// The first `valid` (≤ 16) floats from `p`, zero beyond.
@inline(__always)
func loadVector(_ p: UnsafePointer<Float>, _ valid: Int) -> SIMD16<Float> {
    valid == 16 ? load16(p) : enhance_load_partial16(p, Int32(valid))
}

/// Stores the first `valid` lanes of `v` at `p`.
@inline(__always)
func storeVector(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, _ valid: Int) {
    if valid == 16 {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    } else {
        enhance_store_partial16(p, v, Int32(valid))
    }
}

/// Layer normalisation of each row (token) over its features: PyTorch `LayerNorm(C, eps)` on
/// `[N, C]`, ONNX `LayerNormalization` (axis −1). Two passes per row for the mean and the biased
/// variance (in C, `enhance_layer_norm_row`).
public func layerNormRows(_ m: Matrix, weight: [Float], bias: [Float], eps: Float = 1e-5,
                          pool: ThreadPool? = nil) -> Matrix {
    let c = m.columns
    precondition(weight.count == c && bias.count == c, "layerNormRows: weight/bias need \(c) values")
    return weight.withUnsafeBufferPointer { wt in bias.withUnsafeBufferPointer { bs in
        mapRows(m, pool: pool) { _, src, dst in
            enhance_layer_norm_row(src, dst, Int32(c), wt.baseAddress!, bs.baseAddress!, eps)
        }
    } }
}

/// Softmax of each row: `exp(x − max) / Σ exp(x − max)` (ONNX `Softmax`, axis −1).
public func softmaxRows(_ m: Matrix, pool: ThreadPool? = nil) -> Matrix {
    mapRows(m, pool: pool) { _, src, dst in softmax(src, dst, m.columns) }
}

/// Softmax of `n` floats from `src` into `dst` (may be the same memory), in C with the fused exp
/// (`enhance_softmax_row`, which also adds the attention's bias and mask).
@inline(__always)
func softmax(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    enhance_softmax_row(src, dst, Int32(n), 1, nil, nil)
}

/// `a + b` element-wise (same shape), e.g. a transformer block's residual; spread over `pool` when
/// given.
public func add(_ a: Matrix, _ b: Matrix, pool: ThreadPool? = nil) -> Matrix {
    precondition(a.rows == b.rows && a.columns == b.columns, "add: matrix shapes differ")
    return Matrix(rows: a.rows, columns: a.columns, data: zipFloats(a.data, b.data, pool: pool) { $0 + $1 })
}

/// `op(a[i], b[i])` for equal-length arrays, in 16-float vectors, chunks of 16 Ki floats spread over
/// `pool` when given.
@inline(__always)
func zipFloats(_ a: [Float], _ b: [Float], pool: ThreadPool?,
               _ op: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>) -> [Float] {
    precondition(a.count == b.count, "zipFloats: lengths differ")
    let n = a.count, chunk = 1 << 14
    return [Float](unsafeUninitializedCapacity: n) { out, count in
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
            let (x, y, o) = (pa.baseAddress, pb.baseAddress, out.baseAddress)
            spread((n + chunk - 1) / chunk, over: pool) { c in
                guard let x, let y, let o else { return }
                let end = min(n, (c + 1) * chunk)
                var i = c * chunk
                while i + 16 <= end {
                    let v = op(UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self),
                               UnsafeRawPointer(y + i).loadUnaligned(as: SIMD16<Float>.self))
                    UnsafeMutableRawPointer(o + i).storeBytes(of: v, as: SIMD16<Float>.self)
                    i += 16
                }
                while i < end {
                    o[i] = op(SIMD16(repeating: x[i]), SIMD16(repeating: y[i]))[0]
                    i += 1
                }
            }
        } }
        count = n
    }
}
