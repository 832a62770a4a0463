/// Grouped and depthwise convolutions (``Conv2D/groups`` > 1; CHW only), and a convolution applied to
/// the leading channels of a tensor (a partial large-kernel convolution).
extension Conv2D {
    /// Depthwise: one input channel per group (each feeding `outChannels / groups` outputs).
    static func isDepthwise(_ groups: Int, _ inChannels: Int) -> Bool { groups == inChannels }

    /// The direct layout (``DirectConv/packWeights(_:outChannels:inChannels:kernelSize:rows:)``) of
    /// each group's `[O/G, I/G, k, k]` weights, concatenated.
    static func packGroups(_ weight: [Float], outChannels: Int, inChannels: Int, kernelSize k: Int, groups: Int,
                           rows: Int) -> [Float] {
        let co = outChannels / groups, per = co * inChannels / groups * k * k
        return (0..<groups).flatMap { g in
            DirectConv.packWeights(Array(weight[(g * per)..<((g + 1) * per)]), outChannels: co,
                                   inChannels: inChannels / groups, kernelSize: k, rows: rows)
        }
    }

    /// The grouped convolution, one ``DirectConv`` pass per group (or ``DepthwiseConv``) writing its
    /// slice of the output channels with the matching slice of the epilogue.
    func runGrouped(_ inputs: [Tensor], activation: Activation, outputScale: Float, residual: Tensor?,
                    pool: ThreadPool, isa: KernelISA, height h: Int, width w: Int) -> Tensor {
        let n = outChannels * h * w, ci = inChannels / groups, co = outChannels / groups, k = kernelSize
        let kernels = isa == .compiled ? packed.value(pool)
            : Self.pack(weight, outChannels: outChannels, inChannels: inChannels, kernelSize: k, groups: groups,
                        rows: isa.rows, pool: pool)
        let data = [Float](unsafeUninitializedCapacity: n) { buf, count in
            count = n
            guard n > 0 else { return }
            withPlanes(inputs) { planes in
                withEpilogue(activation: activation, outputScale: outputScale, residual: residual) { epi in
                    kernels.withUnsafeBufferPointer { pk in
                        if Self.isDepthwise(groups, inChannels) {
                            DepthwiseConv.run(weight: pk.baseAddress!, multiplier: co, kernelSize: k, planes: planes,
                                              height: h, width: w, out: buf.baseAddress!, epilogue: epi, pool: pool)
                            return
                        }
                        let groupKernels = pk.count / groups
                        for g in 0..<groups {
                            let slice = Epilogue(bias: epi.bias + g * co, slope: epi.slope + g * co, mode: epi.mode,
                                                 smooth: epi.smooth, scale: epi.scale,
                                                 residual: epi.residual.map { $0 + g * co * h * w })
                            DirectConv.run(isa, packed: pk.baseAddress! + g * groupKernels, outChannels: co,
                                           kernelSize: k, planes: Array(planes[(g * ci)..<((g + 1) * ci)]),
                                           height: h, width: w, out: buf.baseAddress! + g * co * h * w,
                                           epilogue: slice, pool: pool)
                        }
                    }
                }
            }
        }
        return Tensor(channels: outChannels, height: h, width: w, data: data)
    }

    /// This convolution (``inChannels`` = ``outChannels`` = `c`) on channels `0..<c` of `x`, the
    /// other channels passed through unchanged: a partial large-kernel convolution,
    /// `cat(conv(x[:, :c]), x[:, c:])`. CHW, or ``TensorLayout/packed16`` for a CHW convolution whose
    /// `c` is a multiple of 16 (its leading groups are unpacked, convolved and packed back).
    public func callAsFunction(leadingChannelsOf x: Tensor, activation: Activation = .identity,
                               pool: ThreadPool) -> Tensor {
        precondition(inChannels == outChannels && x.channels >= inChannels, "Conv2D: partial conv needs c → c ≤ C")
        if x.layout == .packed16 {
            // The leading channels are whole 16-channel groups: unpacked, convolved in CHW, packed back.
            precondition(layout == .chw && inChannels % 16 == 0, "Conv2D: packed partial conv needs 16·n CHW channels")
            let head = Packed16.pack(self(Packed16.unpack(x.channels(0..<inChannels), pool: pool),
                                          activation: activation, pool: pool), pool: pool)
            return x.channels == inChannels ? head : concatChannels([head, x.channels(inChannels..<x.channels)])
        }
        let head = self(x.channels(0..<inChannels), activation: activation, pool: pool)
        if x.channels == inChannels { return head }
        return concatChannels([head, x.channels(inChannels..<x.channels)])
    }
}

/// Depthwise convolution: output channel `o` is input channel `o / multiplier` convolved with its
/// own `k × k` filter. Work items are (channel, band of rows); each band is copied zero-padded into
/// the worker's arena and every 16 outputs of a row accumulate all `k²` taps in one vector.
enum DepthwiseConv {
    static func run(weight: UnsafePointer<Float>, multiplier m: Int, kernelSize k: Int, planes: [Plane],
                    height h: Int, width w: Int, out: UnsafeMutablePointer<Float>, epilogue: Epilogue,
                    pool: ThreadPool) {
        typealias V = SIMD16<Float>
        let p = k / 2, xBlocks = (w + 15) / 16, pw = xBlocks * 16 + 2 * p, band = max(1, min(h, 4096 / max(w, 1)))
        let bands = (h + band - 1) / band, outChannels = planes.count * m
        planes.withUnsafeBufferPointer { planes in
            pool.parallelFor(outChannels * bands) { item, worker in
                let o = item / bands, y0 = (item % bands) * band, rows = min(band, h - y0)
                let src = planes[o / m].base, ph = rows + 2 * p
                let pad = pool.arenas[worker].floats(ph * pw)
                pad.update(repeating: 0, count: ph * pw)
                for r in 0..<ph {
                    let sy = y0 + r - p
                    if sy >= 0 && sy < h { (pad + r * pw + p).update(from: src + sy * w, count: w) }
                }
                let f = weight + o * k * k
                for r in 0..<rows {
                    for xb in 0..<xBlocks {
                        var acc = V()
                        for ky in 0..<k {
                            let row = UnsafeRawPointer(pad + (r + ky) * pw + xb * 16)
                            for kx in 0..<k {
                                acc.addProduct(V(repeating: f[ky * k + kx]),
                                               row.loadUnaligned(fromByteOffset: 4 * kx, as: V.self))
                            }
                        }
                        let x = xb * 16
                        epilogue.store(epilogue.apply(acc, o), out, (o * h + y0 + r) * w + x, valid: min(16, w - x))
                    }
                }
            }
        }
    }
}
