/// A 3×3 convolution (stride 1, zero padding 1, one group) from a channel-packed input
/// (``TensorLayout/packed16``) to a CHW output with few channels: the image-reconstruction conv that
/// ends a super-resolution tail (e.g. 32 → 3 at the output resolution). There Winograd transforms
/// every input channel for three outputs' multiplies (21 GMAC/s measured on AVX2, 32 → 3 at
/// 1264×208); this direct form reads each packed pixel once per tap as whole vectors.
///
/// Outputs run in blocks of 3 channels (a fourth would not fit the 16 AVX2 registers with two
/// pixels in flight), three pixels of a row at a time inside the row; a last partial block
/// multiplies zero weights.
enum PackedToFew {
    typealias V = SIMD16<Float>
    typealias W = SIMD8<Float>

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
            // The row's sums, 16 pixels × 3 outputs at a time, before the epilogue's whole vectors.
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 48) { sums in
                let sums = sums.baseAddress!
                for xb in stride(from: 0, to: w, by: 16) {
                    let n = min(16, w - xb)
                    for b in 0..<blocks {
                        let wb = weights + b * groups * 9 * 48
                        var i = 0
                        while i < n {
                            let x = xb + i
                            if x >= 1 && x + 3 < w && i + 3 <= n {
                                let q = triple(input, groups: groups, h: h, w: w, y: y, x: x, weights: wb)
                                for j in 0..<3 {
                                    sums[i + j] = q.0[j]; sums[16 + i + j] = q.1[j]; sums[32 + i + j] = q.2[j]
                                }
                                i += 3
                            } else {
                                let q = pixel(input, groups: groups, h: h, w: w, y: y, x: x, weights: wb)
                                sums[i] = q.x; sums[16 + i] = q.y; sums[32 + i] = q.z
                                i += 1
                            }
                        }
                        for k in 0..<3 where 3 * b + k < outChannels {
                            let o = 3 * b + k
                            let v = UnsafeRawPointer(sums + 16 * k).loadUnaligned(as: V.self)
                            epilogue.store(epilogue.apply(v, o), out, (o * h + y) * w + xb, valid: n)
                        }
                    }
                }
            }
        }
    }

    /// The three outputs of one weight block at pixels `x ..< x + 3` of row `y` (`[output][pixel]`),
    /// every tap inside the row (`x ≥ 1`, `x + 3 < w`): ``pixel(_:groups:h:w:y:x:weights:)`` with 9
    /// accumulators, so that their FMA chains overlap (one pixel's three leave the FMA units idle
    /// most of each four-cycle latency), each weight vector loaded once for the three pixels (four
    /// pixels' 12 accumulators spilled). 64 → 3 at 258² on AVX2: 34 % faster than pixel by pixel.
    @inline(__always)
    private static func triple(_ input: UnsafePointer<Float>, groups: Int, h: Int, w: Int, y: Int, x: Int,
                               weights: UnsafePointer<Float>) -> (SIMD3<Float>, SIMD3<Float>, SIMD3<Float>) {
        var a0 = W(), a1 = W(), a2 = W(), b0 = W(), b1 = W(), b2 = W()
        var c0 = W(), c1 = W(), c2 = W()
        let raw = UnsafeRawPointer(input), wraw = UnsafeRawPointer(weights)
        for g in 0..<groups {
            for ky in 0..<3 {
                let yy = y + ky - 1
                guard yy >= 0 && yy < h else { continue }
                let row = (g * h + yy) * w + x - 1, t = g * 9 + ky * 3
                for kx in 0..<3 {
                    for half in 0..<2 {
                        let o = ((t + kx) * 3) * 64 + half * 32, p = (row + kx) * 64 + half * 32
                        let w0 = wraw.loadUnaligned(fromByteOffset: o, as: W.self)
                        let w1 = wraw.loadUnaligned(fromByteOffset: o + 64, as: W.self)
                        let w2 = wraw.loadUnaligned(fromByteOffset: o + 128, as: W.self)
                        let va = raw.loadUnaligned(fromByteOffset: p, as: W.self)
                        a0.addProduct(va, w0); a1.addProduct(va, w1); a2.addProduct(va, w2)
                        let vb = raw.loadUnaligned(fromByteOffset: p + 64, as: W.self)
                        b0.addProduct(vb, w0); b1.addProduct(vb, w1); b2.addProduct(vb, w2)
                        let vc = raw.loadUnaligned(fromByteOffset: p + 128, as: W.self)
                        c0.addProduct(vc, w0); c1.addProduct(vc, w1); c2.addProduct(vc, w2)
                    }
                }
            }
        }
        return (SIMD3(a0.sum(), b0.sum(), c0.sum()), SIMD3(a1.sum(), b1.sum(), c1.sum()),
                SIMD3(a2.sum(), b2.sum(), c2.sum()))
    }

    /// The three outputs of one weight block at pixel `x` of row `y` (taps outside the image read
    /// as zero). Accumulators are 8 lanes (a pixel's two 8-channel halves add into one), weights are
    /// memory operands: 3 accumulators, no spills; the loop is load-bound at 4 loads per 3 FMAs.
    @inline(__always)
    private static func pixel(_ input: UnsafePointer<Float>, groups: Int, h: Int, w: Int, y: Int, x: Int,
                              weights: UnsafePointer<Float>) -> SIMD3<Float> {
        var a0 = W(), a1 = W(), a2 = W()
        let raw = UnsafeRawPointer(input), wraw = UnsafeRawPointer(weights)
        let kx0 = x > 0 ? 0 : 1, kx1 = x + 1 < w ? 3 : 2
        for g in 0..<groups {
            for ky in 0..<3 {
                let yy = y + ky - 1
                guard yy >= 0 && yy < h else { continue }
                let row = (g * h + yy) * w + x - 1, t = g * 9 + ky * 3
                for kx in kx0..<kx1 {
                    for half in 0..<2 {
                        let v = raw.loadUnaligned(fromByteOffset: (row + kx) * 64 + half * 32, as: W.self)
                        let o = ((t + kx) * 3) * 64 + half * 32
                        a0.addProduct(v, wraw.loadUnaligned(fromByteOffset: o, as: W.self))
                        a1.addProduct(v, wraw.loadUnaligned(fromByteOffset: o + 64, as: W.self))
                        a2.addProduct(v, wraw.loadUnaligned(fromByteOffset: o + 128, as: W.self))
                    }
                }
            }
        }
        return SIMD3(a0.sum(), a1.sum(), a2.sum())
    }
}
