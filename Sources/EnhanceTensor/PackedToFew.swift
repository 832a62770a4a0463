/// A 3×3 convolution (stride 1, zero padding 1, one group) from a channel-packed input
/// (``TensorLayout/packed16``) to a CHW output with few channels: the image-reconstruction conv that
/// ends a super-resolution tail (e.g. 32 → 3 at the output resolution). There Winograd transforms
/// every input channel for three outputs' multiplies (21 GMAC/s measured on AVX2, 32 → 3 at
/// 1264×208); this direct form reads each packed pixel once per tap as whole vectors.
///
/// Outputs run in blocks of 3 channels (a fourth would not fit the 16 AVX2 registers with two
/// pixels in flight); a last partial block multiplies zero weights.
enum PackedToFew {
    typealias V = SIMD16<Float>

    /// The most output channels this path is chosen for (beyond it the GEMM of Winograd wins).
    static let maxOutputs = 4

    /// OIHW `[outChannels, groups·16, 3, 3]` weights as `[block][group][tap][3][16]` (zeros past the
    /// last channel).
    static func packWeights(_ weight: [Float], outChannels: Int, inChannels: Int) -> [Float] {
        let groups = inChannels / Packed16.lanes, blocks = (outChannels + 2) / 3
        var p = [Float](repeating: 0, count: blocks * groups * 9 * 3 * 16)
        for o in 0..<outChannels { for c in 0..<inChannels { for t in 0..<9 {
            let (g, l) = (c / 16, c % 16)
            p[((((o / 3) * groups + g) * 9 + t) * 3 + o % 3) * 16 + l] = weight[(o * inChannels + c) * 9 + t]
        } } }
        return p
    }

    /// `out` (CHW `[outChannels, h, w]`) = the epilogue of the convolution of `input` (packed16,
    /// `groups` groups of 16 channels, `h × w`) with `weights` from ``packWeights(_:outChannels:inChannels:)``.
    static func run(_ input: UnsafePointer<Float>, groups: Int, height h: Int, width w: Int,
                    weights: UnsafePointer<Float>, outChannels: Int, out: UnsafeMutablePointer<Float>,
                    epilogue: Epilogue, pool: ThreadPool) {
        let blocks = (outChannels + 2) / 3
        pool.parallelFor(h) { y in
            for xb in stride(from: 0, to: w, by: 16) {
                let n = min(16, w - xb)
                for b in 0..<blocks {
                    var sums = (V(), V(), V())
                    var i = 0
                    while i < n {
                        let s = pair(input, groups: groups, h: h, w: w, y: y, x: xb + i, second: i + 1 < n,
                                     weights: weights + b * groups * 9 * 48)
                        sums.0[i] = s.0; sums.1[i] = s.1; sums.2[i] = s.2
                        if i + 1 < n { sums.0[i + 1] = s.3; sums.1[i + 1] = s.4; sums.2[i + 1] = s.5 }
                        i += 2
                    }
                    for (k, v) in [sums.0, sums.1, sums.2].enumerated() where 3 * b + k < outChannels {
                        let o = 3 * b + k
                        epilogue.store(epilogue.apply(v, o), out, (o * h + y) * w + xb, valid: n)
                    }
                }
            }
        }
    }

    /// The three outputs of one weight block at pixels `x` and `x + 1` of row `y` (the second only
    /// when `second`; its columns past the image read as zero).
    @inline(__always)
    private static func pair(_ input: UnsafePointer<Float>, groups: Int, h: Int, w: Int, y: Int, x: Int,
                             second: Bool, weights: UnsafePointer<Float>)
        -> (Float, Float, Float, Float, Float, Float) {
        var a0 = V(), a1 = V(), a2 = V(), b0 = V(), b1 = V(), b2 = V()
        let raw = UnsafeRawPointer(input), wraw = UnsafeRawPointer(weights)
        for g in 0..<groups {
            for ky in 0..<3 {
                let yy = y + ky - 1
                guard yy >= 0 && yy < h else { continue }
                let row = (g * h + yy) * w
                // Columns x − 1 … x + 2: pixel 0 reads the first three, pixel 1 the last three.
                var cols = (V(), V(), V(), V())
                for c in 0..<4 {
                    let xx = x + c - 1
                    let v = xx >= 0 && xx < w && (c < 3 || second)
                        ? raw.loadUnaligned(fromByteOffset: (row + xx) * 64, as: V.self) : V()
                    switch c {
                    case 0: cols.0 = v
                    case 1: cols.1 = v
                    case 2: cols.2 = v
                    default: cols.3 = v
                    }
                }
                for kx in 0..<3 {
                    let t = ((g * 9 + ky * 3 + kx) * 3) * 64
                    let w0 = wraw.loadUnaligned(fromByteOffset: t, as: V.self)
                    let w1 = wraw.loadUnaligned(fromByteOffset: t + 64, as: V.self)
                    let w2 = wraw.loadUnaligned(fromByteOffset: t + 128, as: V.self)
                    let p = kx == 0 ? cols.0 : kx == 1 ? cols.1 : cols.2
                    let q = kx == 0 ? cols.1 : kx == 1 ? cols.2 : cols.3
                    a0.addProduct(p, w0); a1.addProduct(p, w1); a2.addProduct(p, w2)
                    b0.addProduct(q, w0); b1.addProduct(q, w1); b2.addProduct(q, w2)
                }
            }
        }
        return (a0.sum(), a1.sum(), a2.sum(), b0.sum(), b1.sum(), b2.sum())
    }
}
