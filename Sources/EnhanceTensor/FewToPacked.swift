/// An unpadded ("valid") 3×3 convolution from a CHW input with few channels (an RGB image) to a
/// channel-packed output (``TensorLayout/packed16``): the first conv of a U-Net level. Winograd on
/// CHW planes would transform every output plane for a 27-term sum, and its result would still be
/// cropped and packed; this direct form multiplies each input value, broadcast, by one 16-channel
/// weight vector per tap, for six pixels of a row at a time (12 AVX2 accumulators), and writes
/// whole packed pixels through the epilogue.
enum FewToPacked {
    typealias V = SIMD16<Float>

    /// The most input channels this path takes (a sum of `9·C` terms per output).
    static let maxInputs = 4

    /// OIHW `[K, C, 3, 3]` weights as `[K/16][C·9][16]` (one vector of 16 outputs per tap).
    static func packWeights(_ weight: [Float], outChannels k: Int, inChannels c: Int) -> [Float] {
        var p = [Float](repeating: 0, count: k * c * 9)
        for o in 0..<k { for t in 0..<(c * 9) { p[((o / 16) * c * 9 + t) * 16 + o % 16] = weight[o * c * 9 + t] } }
        return p
    }

    /// `out` (packed `[K, h − 2, w − 2]`) = the epilogue of the unpadded convolution of CHW `input`
    /// (`c` planes of `h × w`) with `weights` from ``packWeights(_:outChannels:inChannels:)``; rows
    /// of each 16-channel output group spread over `pool`.
    static func run(_ input: UnsafePointer<Float>, channels c: Int, height h: Int, width w: Int,
                    weights: UnsafePointer<Float>, outChannels k: Int, out: UnsafeMutablePointer<Float>,
                    epilogue: Epilogue, pool: ThreadPool) {
        let oh = h - 2, ow = w - 2
        guard oh > 0, ow > 0 else { return }
        pool.parallelFor(k / 16 * oh) { item in
            let (q, y) = (item / oh, item % oh)
            let wq = UnsafeRawPointer(weights + q * c * 9 * 16)
            let bias = epilogue.vector(epilogue.bias, q), slope = epilogue.vector(epilogue.slope, q)
            let row = out + (q * oh + y) * ow * 16
            // Six pixels at a time; the last six overlap the previous ones (recomputed, equal).
            var x = 0
            while x < ow {
                let x0 = ow >= 6 ? min(x, ow - 6) : x, n = min(6, ow - x0)
                var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V()
                for ci in 0..<c { for ky in 0..<3 {
                    let src = input + (ci * h + y + ky) * w + x0
                    for kx in 0..<3 {
                        let v = wq.loadUnaligned(fromByteOffset: ((ci * 3 + ky) * 3 + kx) * 64, as: V.self)
                        a0.addProduct(V(repeating: src[kx]), v)
                        if n > 1 { a1.addProduct(V(repeating: src[kx + 1]), v) }
                        if n > 2 { a2.addProduct(V(repeating: src[kx + 2]), v) }
                        if n > 3 { a3.addProduct(V(repeating: src[kx + 3]), v) }
                        if n > 4 { a4.addProduct(V(repeating: src[kx + 4]), v) }
                        if n > 5 { a5.addProduct(V(repeating: src[kx + 5]), v) }
                    }
                } }
                @inline(__always) func put(_ a: V, _ j: Int) {
                    if j < n { epilogue.storePacked(a, bias: bias, slope: slope, row, (x0 + j) * 16) }
                }
                put(a0, 0); put(a1, 1); put(a2, 2); put(a3, 3); put(a4, 4); put(a5, 5)
                x = x0 + n
            }
        }
    }
}

extension Conv2D {
    /// Whether this CHW convolution's ``validToPacked16(_:activation:pool:)`` applies: 3×3, one
    /// group, at most ``FewToPacked/maxInputs`` inputs, outputs a multiple of 16.
    public static func accepts(fewToPacked16 inChannels: Int, _ outChannels: Int, _ kernelSize: Int,
                               groups: Int = 1) -> Bool {
        kernelSize == 3 && groups == 1 && inChannels <= FewToPacked.maxInputs && Packed16.fits(outChannels)
    }

    /// The unpadded ("valid") 3×3 convolution of CHW `x` `[C, H, W]` (few channels, e.g. RGB) into a
    /// ``TensorLayout/packed16`` result `[O, H − 2, W − 2]`: PyTorch's `Conv2d(C, O, 3, padding=0)`
    /// followed by ``Packed16/pack(_:pool:)``, in one direct pass (``FewToPacked``; the weights are
    /// reordered per call, `9·C·O` floats).
    public func validToPacked16(_ x: Tensor, activation: Activation = .identity, pool: ThreadPool) -> Tensor {
        precondition(Self.accepts(fewToPacked16: inChannels, outChannels, kernelSize, groups: groups),
                     "Conv2D: \(inChannels)→\(outChannels) \(kernelSize)² cannot write packed16 from CHW")
        precondition(x.channels == inChannels && x.height >= 2 && x.width >= 2, "Conv2D.validToPacked16: input shape")
        x.require(.chw, "Conv2D.validToPacked16")
        guard pool.preparesKernels else {
            let y = self(x, activation: activation, pool: pool)
            return Packed16.pack(y.cropped(y: 1, x: 1, height: y.height - 2, width: y.width - 2), pool: pool)
        }
        let (oh, ow) = (x.height - 2, x.width - 2), n = outChannels * oh * ow
        let packedWeights = FewToPacked.packWeights(weight, outChannels: outChannels, inChannels: inChannels)
        return pool.exclusive { pool in
            let data = [Float](unsafeUninitializedCapacity: n) { out, count in
                count = n
                guard n > 0 else { return }
                withEpilogue(activation: activation, outputScale: 1, residual: nil) { epilogue in
                    x.data.withUnsafeBufferPointer { src in packedWeights.withUnsafeBufferPointer { wp in
                        FewToPacked.run(src.baseAddress!, channels: inChannels, height: x.height, width: x.width,
                                        weights: wp.baseAddress!, outChannels: outChannels, out: out.baseAddress!,
                                        epilogue: epilogue, pool: pool)
                    } }
                }
            }
            return Tensor(channels: outChannels, height: oh, width: ow, data: data, layout: .packed16)
        }
    }
}
