extension Conv2D {
    /// The naive loop-nest convolution (oracle for tests; slow). Same semantics as
    /// `callAsFunction(_:activation:outputScale:residual:pool:)`.
    public func reference(_ inputs: [Tensor], activation: Activation = .identity,
                          outputScale: Float = 1, residual: Tensor? = nil,
                          pool: ThreadPool) -> Tensor {
        let x = inputs.count == 1 ? inputs[0] : concatChannels(inputs)
        x.require(.chw, "Conv2D.reference")
        precondition(x.channels == inChannels, "Conv2D: expected \(inChannels) channels, got \(x.channels)")
        let h = x.height, w = x.width, k = kernelSize, p = k / 2
        var y = Tensor(channels: outChannels, height: h, width: w)
        let ci = inChannels / groups, co = outChannels / groups
        y.data.withUnsafeMutableBufferPointer { out in
            let outBase = out.baseAddress!
            x.data.withUnsafeBufferPointer { xin in
                weight.withUnsafeBufferPointer { wt in
                    pool.parallelFor(outChannels) { o in
                        let dst = outBase + o * h * w
                        for i in 0..<(h * w) { dst[i] = 0 }
                        for c in 0..<ci { for ky in 0..<k { for kx in 0..<k {
                            let wv = wt[((o * ci + c) * k + ky) * k + kx], ic = o / co * ci + c
                            for yy in 0..<h {
                                let sy = yy + ky - p
                                if sy < 0 || sy >= h { continue }
                                for xx in 0..<w {
                                    let sx = xx + kx - p
                                    if sx < 0 || sx >= w { continue }
                                    dst[yy * w + xx] += wv * xin[(ic * h + sy) * w + sx]
                                }
                            }
                        } } }
                        for i in 0..<(h * w) {
                            var v = activation.apply(dst[i] + bias[o], channel: o) * outputScale
                            if let r = residual { v += r.data[o * h * w + i] }
                            dst[i] = v
                        }
                    }
                }
            }
        }
        return y
    }
}
