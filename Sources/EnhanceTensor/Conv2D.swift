/// A 2-D convolution layer: stride 1, zero padding `kernelSize / 2` ("same" output size), bias.
///
/// Weights are **OIHW** (`[outChannels, inChannels, k, k]`, row-major), bias `[outChannels]`.
/// Inputs/outputs are CHW ``Tensor``s. The computation is
/// `out = act(conv(concat(inputs)) + bias) * outputScale + residual`.
public final class Conv2D: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: Int
    /// OIHW weights as given.
    public let weight: [Float]
    /// Per-output-channel bias.
    public let bias: [Float]

    public init(weight: [Float], bias: [Float]?, inChannels: Int, outChannels: Int, kernelSize: Int) {
        precondition(weight.count == outChannels * inChannels * kernelSize * kernelSize,
                     "Conv2D: weight count does not match shape")
        precondition(kernelSize % 2 == 1, "Conv2D: odd kernel sizes only")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.weight = weight
        self.bias = bias ?? [Float](repeating: 0, count: outChannels)
    }

    /// Multiply-accumulates per output pixel.
    public var macsPerPixel: Int { outChannels * inChannels * kernelSize * kernelSize }

    /// Runs the convolution over the channel concatenation of `inputs`.
    /// - Parameters:
    ///   - inputs: CHW tensors of equal H×W whose channels sum to ``inChannels``.
    ///   - activation: applied to `conv + bias`.
    ///   - outputScale: multiplies the activated result.
    ///   - residual: added last (shape `[outChannels, H, W]`).
    public func callAsFunction(_ inputs: [Tensor], activation: Activation = .identity,
                               outputScale: Float = 1, residual: Tensor? = nil,
                               pool: ThreadPool) -> Tensor {
        let x = inputs.count == 1 ? inputs[0] : concatChannels(inputs)
        precondition(x.channels == inChannels, "Conv2D: expected \(inChannels) channels, got \(x.channels)")
        let h = x.height, w = x.width, k = kernelSize, p = k / 2
        var y = Tensor(channels: outChannels, height: h, width: w)
        let ci = inChannels
        y.data.withUnsafeMutableBufferPointer { out in
            let outBase = out.baseAddress!
            x.data.withUnsafeBufferPointer { xin in
                weight.withUnsafeBufferPointer { wt in
                    pool.parallelFor(outChannels) { o in
                        let dst = outBase + o * h * w
                        for i in 0..<(h * w) { dst[i] = bias[o] }
                        for c in 0..<ci { for ky in 0..<k { for kx in 0..<k {
                            let wv = wt[((o * ci + c) * k + ky) * k + kx]
                            for yy in 0..<h {
                                let sy = yy + ky - p
                                if sy < 0 || sy >= h { continue }
                                for xx in 0..<w {
                                    let sx = xx + kx - p
                                    if sx < 0 || sx >= w { continue }
                                    dst[yy * w + xx] += wv * xin[(c * h + sy) * w + sx]
                                }
                            }
                        } } }
                        for i in 0..<(h * w) {
                            var v = activation.apply(dst[i], channel: o) * outputScale
                            if let r = residual { v += r.data[o * h * w + i] }
                            dst[i] = v
                        }
                    }
                }
            }
        }
        return y
    }

    /// Single-input convenience.
    public func callAsFunction(_ x: Tensor, activation: Activation = .identity,
                               outputScale: Float = 1, residual: Tensor? = nil,
                               pool: ThreadPool) -> Tensor {
        self([x], activation: activation, outputScale: outputScale, residual: residual, pool: pool)
    }
}
