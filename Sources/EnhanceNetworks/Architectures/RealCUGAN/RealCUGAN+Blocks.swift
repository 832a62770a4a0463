import EnhanceCheckpoints
import EnhanceTensor

extension RealCUGAN {
    /// The reference's slope for every LeakyReLU.
    static let leaky = Activation.leakyReLU(0.1)

    /// A valid (unpadded) 3×3 conv: the zero-padded conv, its one-pixel border cropped. CHW
    /// `[in, H, W]` → `[out, H − 2, W − 2]`.
    static func valid(_ conv: Conv, _ x: Tensor, activation: Activation = .identity, pool: ThreadPool) -> Tensor {
        shrink(conv(x, activation: activation, pool: pool), by: 1, pool: pool)
    }

    /// `x` without `n` pixels on every side (the reference's `F.pad(x, (−n, −n, −n, −n))`), its
    /// channels copied over `pool` when given.
    static func shrink(_ x: Tensor, by n: Int, pool: ThreadPool? = nil) -> Tensor {
        x.cropped(y: n, x: n, height: x.height - 2 * n, width: x.width - 2 * n, pool: pool)
    }

    /// `nn.Conv2d(c, o, 2, 2, 0)`: a 2×2 stride-2 conv, run as `pixel_unshuffle(x, 2)` and a 1×1
    /// conv over its `4·c` channels, whose weight `[o, 4·c]` is the OIHW `[o, c, 2, 2]` weight as
    /// stored (unshuffled channel `4·ci + 2·dy + dx` holds tap (dy, dx) of channel `ci`).
    struct StridedConv {
        let conv: Conv

        init(_ s: Scope, _ leaf: String, in c: Int, out o: Int, resolution: Double) throws {
            let info = LayerInfo(name: s.key(leaf), inChannels: 4 * c, outChannels: o, kernelSize: 1,
                                 resolution: resolution / 2)
            conv = try s.derivedConv(info, tensors: [("\(leaf).weight", [o, c, 2, 2]), ("\(leaf).bias", [o])]) {
                ($0[0], $0[1])
            }
        }

        /// CHW `[c, H, W]` (even sides) → `[o, H/2, W/2]`, activated.
        func callAsFunction(_ x: Tensor, activation: Activation, pool: ThreadPool) -> Tensor {
            conv(pixelUnshuffle(x, 2, pool: pool), activation: activation, pool: pool)
        }
    }

    /// `nn.ConvTranspose2d(c, o, K, S, P)` as a conv at the input's resolution to `S²·o` channels
    /// (1×1 when K = S and P = 0, else 3×3, zero-padded), a pixel shuffle by S and a crop.
    ///
    /// Output row `Y = S·y − P + ky` of the transposed conv, written `Y = S·u + p − offset`, takes
    /// tap `ky = p − offset + P − S·(a − kc/2)` from input row `y = u − kc/2 + a` (`a` the conv's tap,
    /// `kc` its size): so phase `p`'s output channel `S²·oc + S·py + px` holds those taps of the
    /// `[c, o, K, K]` weight, zero elsewhere. The shuffled result starts `offset` rows before the
    /// reference's and is cropped to its `(n − 1)·S − 2P + K` rows and columns.
    struct TransposedConv {
        let conv: Conv
        let stride, kernel, padding, offset: Int

        init(_ s: Scope, _ leaf: String, in c: Int, out o: Int, kernel k: Int, stride st: Int, padding p: Int,
             resolution: Double) throws {
            (stride, kernel, padding) = (st, k, p)
            let kc = (k == st && p == 0) ? 1 : 3
            let off = Self.offset(kernel: k, stride: st, padding: p, convSize: kc)
            offset = off
            let info = LayerInfo(name: s.key(leaf), inChannels: c, outChannels: st * st * o, kernelSize: kc,
                                 resolution: resolution)
            let tensors = [("\(leaf).weight", [c, o, k, k]), ("\(leaf).bias", [o])]
            conv = try s.derivedConv(info, tensors: tensors) { v in
                let w = v[0], bias = v[1], n = st * st * o
                var out = [Float](repeating: 0, count: n * c * kc * kc)
                var b = [Float](repeating: 0, count: n)
                for oc in 0..<o { for py in 0..<st { for px in 0..<st {
                    let ch = oc * st * st + py * st + px
                    b[ch] = bias[oc]
                    for a in 0..<kc { for bb in 0..<kc {
                        let ky = py - off + p - st * (a - kc / 2), kx = px - off + p - st * (bb - kc / 2)
                        guard (0..<k).contains(ky), (0..<k).contains(kx) else { continue }
                        for ci in 0..<c {
                            out[((ch * c + ci) * kc + a) * kc + bb] = w[((ci * o + oc) * k + ky) * k + kx]
                        }
                    } }
                } } }
                return (out, b)
            }
        }

        /// The smallest offset for which every tap of every phase falls inside the `kc`×`kc` conv:
        /// `p − offset + P − ky` must be `S·(a − kc/2)` with `a` in `0..<kc` whenever S divides it.
        static func offset(kernel k: Int, stride s: Int, padding p: Int, convSize kc: Int) -> Int {
            let taps = (-(kc / 2))...(kc - 1 - kc / 2)
            for off in 0...(p + kc * s) {
                let fits = (0..<s).allSatisfy { ph in
                    (0..<k).allSatisfy { ky in
                        let d = ph - off + p - ky
                        return d % s != 0 || taps.contains(d / s)
                    }
                }
                if fits { return off }
            }
            preconditionFailure("RealCUGAN: no \(kc)×\(kc) form of a \(k)×\(k) stride-\(s) transposed conv")
        }

        /// CHW `[c, n, m]` → `[o, (n − 1)·S − 2P + K, (m − 1)·S − 2P + K]`, activated.
        func callAsFunction(_ x: Tensor, activation: Activation = .identity, pool: ThreadPool) -> Tensor {
            let y = pixelShuffle(conv(x, activation: activation, pool: pool), stride, pool: pool)
            let h = (x.height - 1) * stride - 2 * padding + kernel, w = (x.width - 1) * stride - 2 * padding + kernel
            precondition(offset + h <= y.height && offset + w <= y.width, "RealCUGAN: transposed conv crop")
            return y.cropped(y: offset, x: offset, height: h, width: w, pool: pool)
        }
    }
}
