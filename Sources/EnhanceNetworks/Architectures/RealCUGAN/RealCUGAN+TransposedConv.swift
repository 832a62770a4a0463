import EnhanceCheckpoints
import EnhanceTensor

extension RealCUGAN {
    /// `nn.ConvTranspose2d(c, o, K, S, P)` as a conv at the input's resolution to `S²·o` channels
    /// (1×1 when K = S and P = 0, else 3×3, zero-padded), a pixel shuffle by S and a crop.
    ///
    /// Output row `Y = S·y − P + ky` of the transposed conv, written `Y = S·u + p − offset`, takes
    /// tap `ky = p − offset + P − S·(a − kc/2)` from input row `y = u − kc/2 + a` (`a` the conv's tap,
    /// `kc` its size): so phase `p`'s output channel `S²·oc + S·py + px` holds those taps of the
    /// `[c, o, K, K]` weight, zero elsewhere. The shuffled result starts `offset` rows before the
    /// reference's and is cropped to its `(n − 1)·S − 2P + K` rows and columns.
    ///
    /// In a packed16 network the conv runs packed: with `o` a multiple of 16 its outputs are
    /// sub-position-major (``Packed16/pixelShuffle(_:_:pool:)``; a 1×1 conv writes them shuffled,
    /// ``Conv2D/shuffledPointwise(_:factor:activation:pool:)``), else (3-channel ends) they are
    /// padded with zero channels to a multiple of 16 and the result unpacked and shuffled CHW.
    struct TransposedConv {
        let conv: Conv
        let stride, kernel, padding, offset: Int
        /// `S²·o`: the conv's channels before any zero padding.
        let channels: Int
        /// The conv writes sub-position-major packed channels, shuffled packed.
        let shufflesPacked: Bool

        init(_ s: Scope, _ leaf: String, in c: Int, out o: Int, kernel k: Int, stride st: Int, padding p: Int,
             resolution: Double, layout network: TensorLayout) throws {
            (stride, kernel, padding) = (st, k, p)
            let kc = (k == st && p == 0) ? 1 : 3
            let off = Self.offset(kernel: k, stride: st, padding: p, convSize: kc)
            offset = off
            let real = st * st * o, padded = (real + 15) / 16 * 16
            let layout = RealCUGAN.layout(network, c, padded, kc)
            let n = layout == .packed16 ? padded : real
            let subPositionMajor = layout == .packed16 && Packed16.fits(o)
            (channels, shufflesPacked) = (real, subPositionMajor)
            let info = LayerInfo(name: s.key(leaf), inChannels: c, outChannels: n, kernelSize: kc,
                                 resolution: resolution, layout: layout)
            let tensors = [("\(leaf).weight", [c, o, k, k]), ("\(leaf).bias", [o])]
            conv = try s.derivedConv(info, tensors: tensors) { v in
                let w = v[0], bias = v[1]
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
                guard subPositionMajor else { return (out, b) }
                return (Packed16.subPositionMajor(out, channels: o, factor: st),
                        Packed16.subPositionMajor(b, channels: o, factor: st))
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

        /// `[c, n, m]` → `[o, (n − 1)·S − 2P + K, (m − 1)·S − 2P + K]`, activated: packed16 when the
        /// conv shuffles packed, else CHW; `x` in either layout. With `skip` (`o` channels, a larger map
        /// in the result's layout) its centre is added: the reference's `F.pad(skip, (−d,)·4) + y`, in
        /// the conv's own pass where a 1×1 conv shuffles packed.
        func callAsFunction(_ x: Tensor, activation: Activation = .identity, adding skip: Tensor? = nil,
                            pool: ThreadPool) -> Tensor {
            let input = RealCUGAN.input(for: conv, x, pool: pool)
            let y: Tensor
            if shufflesPacked && conv.info.kernelSize == 1 {
                // K = S, P = 0: the shuffled map is the result, uncropped.
                return conv.op!.shuffledPointwise(input, factor: stride, activation: activation, adding: skip,
                                                  pool: pool)
            } else if shufflesPacked {
                y = Packed16.pixelShuffle(conv(input, activation: activation, pool: pool), stride, pool: pool)
            } else {
                let c = conv(input, activation: activation, pool: pool)
                let chw = c.layout == .packed16 ? Packed16.unpack(c, pool: pool) : c
                y = pixelShuffle(chw.channels(0..<channels), stride, pool: pool)
            }
            let h = (x.height - 1) * stride - 2 * padding + kernel, w = (x.width - 1) * stride - 2 * padding + kernel
            precondition(offset + h <= y.height && offset + w <= y.width, "RealCUGAN: transposed conv crop")
            let z = y.cropped(y: offset, x: offset, height: h, width: w, pool: pool)
            return skip.map { add(shrink($0, by: ($0.height - h) / 2, pool: pool), z, pool: pool) } ?? z
        }
    }
}
