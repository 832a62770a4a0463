import CVectorISA

/// Row blocks of a GEMM `C = A · B` on the channel-packed micro-kernel (``tilePanel``): the block of
/// `rows` (≤ the shape's rows) rows of row-major `A` (`lda`) times `B` `[k][ldb]` (columns up to
/// `nPad` readable) into `tile` `[shape rows][nPad]`. A short block is copied zero-padded to `scratch`
/// (`shape rows · k` floats).
@inline(__always)
func gemmBlock(_ isa: KernelISA, _ a: UnsafePointer<Float>, lda: Int, rows: Int, k: Int, _ b: UnsafePointer<Float>,
               ldb: Int, nPad: Int, _ tile: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
    let full = isa.tileShape.rows
    var ap = a, la = lda
    if rows < full {
        scratch.update(repeating: 0, count: full * k)
        for r in 0..<rows { (scratch + r * k).update(from: a + r * lda, count: k) }
        ap = UnsafePointer(scratch)
        la = k
    }
    tilePanel(isa, ap, lda: la, b, ldb: ldb, count: k, tile, ldc: nPad, rows: full, columns: nPad)
}

/// Columns `n` rounded up to whole 16-float vectors and micro-kernel blocks.
func paddedColumns(_ n: Int, _ isa: KernelISA) -> Int {
    let unit = max(16, isa.tileShape.width)
    return (n + unit - 1) / unit * unit
}

/// A fully connected layer on token-major data (``Matrix``): `y = x · Wᵀ + b`, PyTorch `nn.Linear`
/// (weight `[outFeatures, inFeatures]`, row-major). Runs on the micro-kernel in blocks of tokens;
/// an ``Activation`` (per output feature for PReLU) is fused.
public final class Linear: @unchecked Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    /// `[outFeatures, inFeatures]`, as given.
    public let weight: [Float]
    /// `[outFeatures]`.
    public let bias: [Float]
    private let isa = KernelISA.compiled
    /// `Wᵀ` as `[inFeatures][nPad]`, zero beyond `outFeatures`; bias padded alike.
    private let packed: [Float], paddedBias: [Float], nPad: Int

    public init(weight: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int) {
        precondition(weight.count == inFeatures * outFeatures, "Linear: weight count does not match shape")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weight = weight
        self.bias = bias ?? [Float](repeating: 0, count: outFeatures)
        let nPad = paddedColumns(outFeatures, KernelISA.compiled)
        var p = [Float](repeating: 0, count: inFeatures * nPad)
        for o in 0..<outFeatures { for i in 0..<inFeatures { p[i * nPad + o] = weight[o * inFeatures + i] } }
        packed = p
        paddedBias = self.bias + [Float](repeating: 0, count: nPad - outFeatures)
        self.nPad = nPad
    }

    /// `act(LN(x) · Wᵀ + b) (+ residual)` for `x` `[tokens, inFeatures]` → `[tokens, outFeatures]`, in
    /// one pass over blocks of tokens: with `layerNorm` (weight and bias `[inFeatures]`), each row
    /// is normalised (``layerNormRows(_:weight:bias:eps:pool:)``) as it is packed for the
    /// micro-kernel; `residual` (`[tokens, outFeatures]`, e.g. a transformer block's skip) is added
    /// in the epilogue.
    public func callAsFunction(_ x: Matrix, layerNorm: (weight: [Float], bias: [Float])? = nil, eps: Float = 1e-5,
                               activation: Activation = .identity, residual: Matrix? = nil,
                               pool: ThreadPool) -> Matrix {
        let (n, k, t) = (outFeatures, inFeatures, x.rows)
        precondition(x.columns == k, "Linear: expected \(k) features, got \(x.columns)")
        precondition(layerNorm.map { $0.weight.count == k && $0.bias.count == k } ?? true, "Linear: LayerNorm size")
        if let r = residual { precondition(r.rows == t && r.columns == n, "Linear: residual shape") }
        let block = blockRows, blocks = (t + block - 1) / block
        let data = [Float](unsafeUninitializedCapacity: t * n) { out, count in
            count = t * n
            x.data.withUnsafeBufferPointer { xs in withStorage(residual?.data) { res in
            withStorage(layerNorm?.weight) { lw in withStorage(layerNorm?.bias) { lb in
            withEpilogue(activation) { epilogue in
                pool.exclusive { pool in
                    pool.parallelFor(blocks) { b, worker in
                        let r0 = b * block, x0 = xs.baseAddress!
                        runBlock(rows: min(block, t - r0), direct: true, input: { x0 + (r0 + $0) * k },
                                 layerNorm: lw.map { ($0, lb!, eps) }, epilogue: epilogue,
                                 output: { r in (out.baseAddress! + (r0 + r) * n, res.map { $0 + (r0 + r) * n }) },
                                 memory: pool.arenas[worker].floats(blockMemory))
                    }
                }
            } } }
            } }
        }
        return Matrix(rows: t, columns: n, data: data)
    }
}

/// The bias and activation of one ``Linear`` call, padded to its columns.
struct LinearEpilogue {
    let bias: UnsafePointer<Float>, slopes: UnsafePointer<Float>
    let mode: Epilogue.Mode, smooth: SmoothActivation
}

extension Linear {
    /// Rows of one ``runBlock`` (the micro-kernel's block).
    var blockRows: Int { isa.tileShape.rows }
    /// Scratch floats one ``runBlock`` needs.
    var blockMemory: Int { isa.tileShape.rows * (nPad + inFeatures) }

    /// `body` with the padded bias and `activation`'s form for ``runBlock``.
    func withEpilogue<R>(_ activation: Activation, _ body: (LinearEpilogue) -> R) -> R {
        let form = activation.epilogueForm(outFeatures)
        let slopes = form.slopes + [Float](repeating: 1, count: nPad - outFeatures)
        return paddedBias.withUnsafeBufferPointer { b in slopes.withUnsafeBufferPointer { s in
            body(LinearEpilogue(bias: b.baseAddress!, slopes: s.baseAddress!, mode: form.mode, smooth: form.smooth))
        } }
    }

    /// One block of `rows` (≤ ``blockRows``) rows of `act(LN(x) · Wᵀ + b) (+ residual)`: input row `r`
    /// at `input(r)` (`inFeatures` floats; with `direct`, rows `inFeatures` apart, read in place when
    /// the block is full and not normalised), packed through the LayerNorm (weight, bias, eps) when
    /// given; output row `r` stored at `output(r).0` with the row at `output(r).1` added (nil: none).
    /// `memory`: ``blockMemory`` floats.
    @inline(__always)
    func runBlock(rows: Int, direct: Bool, input: (Int) -> UnsafePointer<Float>,
                  layerNorm: (UnsafePointer<Float>, UnsafePointer<Float>, Float)?, epilogue e: LinearEpilogue,
                  output: (Int) -> (UnsafeMutablePointer<Float>, UnsafePointer<Float>?),
                  memory: UnsafeMutablePointer<Float>) {
        let (n, k, nPad, block) = (outFeatures, inFeatures, nPad, blockRows)
        let tile = memory, panel = memory + block * nPad
        var a = input(0)
        if !direct || layerNorm != nil || rows < block {
            for r in 0..<rows {
                if let (w, b, eps) = layerNorm {
                    enhance_layer_norm_row(input(r), panel + r * k, Int32(k), w, b, eps)
                } else {
                    enhance_copy(input(r), panel + r * k, Int32(k))
                }
            }
            (panel + rows * k).update(repeating: 0, count: (block - rows) * k)
            a = UnsafePointer(panel)
        }
        packed.withUnsafeBufferPointer { w in
            tilePanel(isa, a, lda: k, w.baseAddress!, ldb: nPad, count: k, tile, ldc: nPad, rows: block, columns: nPad)
        }
        for r in 0..<rows {
            let (dst, res) = output(r)
            forVectors(tile + r * nPad, n) { j, v, valid in
                var y = v + load16(e.bias + j)
                if e.mode == .slope {
                    let s = load16(e.slopes + j)
                    y = y.replacing(with: y * s, where: y .< 0)
                } else if e.mode == .smooth {
                    y = e.smooth.apply(y)
                }
                if let res { y += loadVector(res + j, valid) }
                storeVector(y, dst + j, valid)
            }
        }
    }
}

/// Batched matrix product: `a` holds `batch` matrices `[m][k]` stacked by rows (`a.rows = batch · m`),
/// `b` holds `batch` matrices `[k][n]` (or `[n][k]` with `transposeB`, i.e. `a · bᵀ`); the result
/// stacks the `batch` products `[m][n]`. ONNX `MatMul` / `torch.matmul` on `[batch, m, k]`.
public func matmul(_ a: Matrix, _ b: Matrix, batch: Int = 1, transposeB: Bool = false,
                   pool: ThreadPool) -> Matrix {
    precondition(batch >= 1 && a.rows % batch == 0 && b.rows % batch == 0, "matmul: rows not divisible by batch")
    let m = a.rows / batch, k = a.columns
    let n = transposeB ? b.rows / batch : b.columns
    precondition((transposeB ? b.columns : b.rows / batch) == k, "matmul: inner dimensions differ")
    let isa = KernelISA.compiled, nPad = paddedColumns(n, isa)
    // B of each batch as [k][nPad], zero-padded.
    var packed = [Float](repeating: 0, count: batch * k * nPad)
    b.data.withUnsafeBufferPointer { src in
        for q in 0..<batch { for i in 0..<k { for j in 0..<n {
            packed[(q * k + i) * nPad + j] = transposeB ? src[(q * n + j) * k + i] : src[(q * k + i) * n + j]
        } } }
    }
    let block = isa.tileShape.rows, blocks = (m + block - 1) / block
    let data = [Float](unsafeUninitializedCapacity: batch * m * n) { out, count in
        count = batch * m * n
        a.data.withUnsafeBufferPointer { xs in packed.withUnsafeBufferPointer { w in
            pool.exclusive { pool in
                pool.parallelFor(batch * blocks) { item, worker in
                    let q = item / blocks, r0 = (item % blocks) * block, rows = min(block, m - r0)
                    let tile = pool.arenas[worker].floats(block * (nPad + k))
                    gemmBlock(isa, xs.baseAddress! + (q * m + r0) * k, lda: k, rows: rows, k: k,
                              w.baseAddress! + q * k * nPad, ldb: nPad, nPad: nPad, tile, scratch: tile + block * nPad)
                    for r in 0..<rows {
                        (out.baseAddress! + (q * m + r0 + r) * n).update(from: tile + r * nPad, count: n)
                    }
                }
            }
        } }
    }
    return Matrix(rows: batch * m, columns: n, data: data)
}
