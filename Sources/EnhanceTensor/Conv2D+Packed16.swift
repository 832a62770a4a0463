extension Conv2D {
    /// Whether a convolution of this shape can run on ``TensorLayout/packed16`` tensors: 3×3
    /// (``TileWinograd``) or 1×1 (``PackedPointwise``), input and output channels multiples of 16.
    public static func accepts(packed16 inChannels: Int, _ outChannels: Int, _ kernelSize: Int) -> Bool {
        (kernelSize == 3 || kernelSize == 1) && TileWinograd.accepts(inChannels: inChannels, outChannels: outChannels)
    }

    /// The kernels of the packed16 path for OIHW `weight`: F(6×6) `U` for 3×3, the weight blocks of
    /// ``PackedPointwise`` for 1×1.
    static func packed16Kernels(_ weight: [Float], outChannels: Int, inChannels: Int, kernelSize: Int,
                                pool: ThreadPool) -> [Float] {
        kernelSize == 1 ? PackedPointwise.packWeights(weight, outChannels: outChannels, inChannels: inChannels)
            : TileWinograd.transformWeights(weight, outChannels: outChannels, inChannels: inChannels, pool: pool)
    }

    /// The convolution on channel-packed tensors (``Packed16``): 3×3 by Winograd F(6×6, 3×3), 1×1 as
    /// a GEMM over pixels; inputs, residual and result are packed. `padding` 0 (3×3 only, no
    /// residual) is the unpadded convolution, `[O, H − 2, W − 2]`. `isa` other than
    /// ``KernelISA/compiled`` (tests) runs that variant's tile shape. The kernels are made on first use.
    func packed16(_ inputs: [Tensor], activation: Activation, outputScale: Float, residual: Tensor?,
                  padding: Int = 1, pool: ThreadPool, isa: KernelISA) -> Tensor {
        precondition(Self.accepts(packed16: inChannels, outChannels, kernelSize),
                     "Conv2D: \(inChannels)→\(outChannels) \(kernelSize)² is not packable")
        precondition(padding == 1 || (padding == 0 && kernelSize == 3 && residual == nil),
                     "Conv2D: the unpadded packed16 convolution is 3×3, without residual")
        return pool.exclusive { pool in
            let (h, w) = checkShapes(inputs, residual: residual, layout: .packed16)
            let shrink = kernelSize == 3 ? 2 - 2 * padding : 0
            precondition(h >= shrink && w >= shrink, "Conv2D: \(h)×\(w) is too small for an unpadded 3×3")
            let (oh, ow) = (h - shrink, w - shrink), n = outChannels * oh * ow
            let u = tileKernels.value(pool)
            let data = [Float](unsafeUninitializedCapacity: n) { out, count in
                count = n
                guard n > 0 else { return }
                withPlanes(inputs) { planes in
                    let groups = stride(from: 0, to: planes.count, by: 16).map { planes[$0].base }
                    withEpilogue(activation: activation, outputScale: outputScale, residual: residual) { epilogue in
                        u.withUnsafeBufferPointer { u in
                            if kernelSize == 1 {
                                PackedPointwise.run(isa, weights: u.baseAddress!, outChannels: outChannels,
                                                    groups: groups, height: h, width: w, out: out.baseAddress!,
                                                    epilogue: epilogue, pool: pool)
                            } else {
                                TileWinograd.run(isa, u: u.baseAddress!, outChannels: outChannels, groups: groups,
                                                 height: h, width: w, padding: padding, out: out.baseAddress!,
                                                 epilogue: epilogue, pool: pool)
                            }
                        }
                    }
                }
            }
            return Tensor(channels: outChannels, height: oh, width: ow, data: data, layout: .packed16)
        }
    }

    /// The unpadded ("valid") 3×3 convolution of packed16 `inputs` `[C, H, W]` (``layout``
    /// ``TensorLayout/packed16``): packed `[O, H − 2, W − 2]`, PyTorch's `Conv2d(C, O, 3, padding=0)`,
    /// computed without the padded result's border (no crop copy).
    public func valid(_ inputs: [Tensor], activation: Activation = .identity, pool: ThreadPool) -> Tensor {
        precondition(layout == .packed16 && kernelSize == 3, "Conv2D.valid: a packed16 3×3 convolution only")
        guard pool.preparesKernels else {
            let y = self(inputs, activation: activation, pool: pool)
            return y.cropped(y: 1, x: 1, height: y.height - 2, width: y.width - 2, pool: pool)
        }
        return packed16(inputs, activation: activation, outputScale: 1, residual: nil, padding: 0, pool: pool,
                        isa: .compiled)
    }
}

extension Conv2D {
    /// Whether a CHW convolution of this shape reads a ``TensorLayout/packed16`` input directly
    /// (``PackedToFew``): 3×3, one group, input channels a multiple of 16, at most
    /// ``PackedToFew/maxOutputs`` outputs.
    public static func accepts(packedInput inChannels: Int, _ outChannels: Int, _ kernelSize: Int,
                               groups: Int = 1) -> Bool {
        kernelSize == 3 && groups == 1 && Packed16.fits(inChannels) && outChannels <= PackedToFew.maxOutputs
    }

    /// The convolution of packed `x` to a CHW result (residual CHW) by ``PackedToFew``.
    func packedToFew(_ x: Tensor, activation: Activation, outputScale: Float, residual: Tensor?,
                     pool: ThreadPool) -> Tensor {
        precondition(Self.accepts(packedInput: inChannels, outChannels, kernelSize, groups: groups),
                     "Conv2D: \(inChannels)→\(outChannels) \(kernelSize)² cannot read a packed16 input")
        precondition(x.channels == inChannels, "Conv2D: expected \(inChannels) channels, got \(x.channels)")
        residual?.require(.chw, "Conv2D residual")
        if let r = residual {
            precondition(r.channels == outChannels && r.height == x.height && r.width == x.width,
                         "Conv2D: residual shape")
        }
        return pool.exclusive { pool in
            let (h, w) = (x.height, x.width), n = outChannels * h * w
            let k = fewKernels.value(pool)
            let data = [Float](unsafeUninitializedCapacity: n) { out, count in
                count = n
                guard n > 0 else { return }
                withEpilogue(activation: activation, outputScale: outputScale, residual: residual) { epilogue in
                    x.data.withUnsafeBufferPointer { src in k.withUnsafeBufferPointer { k in
                        PackedToFew.run(src.baseAddress!, groups: inChannels / Packed16.lanes, height: h, width: w,
                                        weights: k.baseAddress!, outChannels: outChannels, out: out.baseAddress!,
                                        epilogue: epilogue, pool: pool)
                    } }
                }
            }
            return Tensor(channels: outChannels, height: h, width: w, data: data)
        }
    }
}
