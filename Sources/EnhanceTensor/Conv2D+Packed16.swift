extension Conv2D {
    /// Whether a convolution of this shape can run on ``TensorLayout/packed16`` tensors: 3×3
    /// (``TileWinograd``) or 1×1 (``PackedPointwise``), input and output channels multiples of 16.
    public static func accepts(packed16 inChannels: Int, _ outChannels: Int, _ kernelSize: Int) -> Bool {
        (kernelSize == 3 || kernelSize == 1)
            && TileWinograd.accepts(inChannels: inChannels, outChannels: outChannels)
    }

    /// The convolution on channel-packed tensors (``Packed16``) by Winograd F(6×6, 3×3), or for 1×1
    /// by ``PackedPointwise``: inputs, residual and result are packed. `isa` other than ``KernelISA/compiled`` (tests) runs that
    /// variant's tile shape. The F(6×6) kernels are made on first use.
    func packed16(_ inputs: [Tensor], activation: Activation, outputScale: Float, residual: Tensor?,
                  pool: ThreadPool, isa: KernelISA) -> Tensor {
        if kernelSize == 1 {
            return pointwisePacked16(inputs, activation: activation, outputScale: outputScale, residual: residual,
                                     pool: pool, isa: isa)
        }
        precondition(Self.accepts(packed16: inChannels, outChannels, kernelSize),
                     "Conv2D: \(inChannels)→\(outChannels) \(kernelSize)² is not packable")
        return pool.exclusive { pool in
            let (h, w) = checkShapes(inputs, residual: residual, layout: .packed16)
            let n = outChannels * h * w
            let u = tileKernels.value(pool)
            let data = [Float](unsafeUninitializedCapacity: n) { out, count in
                count = n
                guard n > 0 else { return }
                withPlanes(inputs) { planes in
                    let groups = stride(from: 0, to: planes.count, by: 16).map { planes[$0].base }
                    withEpilogue(activation: activation, outputScale: outputScale, residual: residual) { epilogue in
                        u.withUnsafeBufferPointer { u in
                            TileWinograd.run(isa, u: u.baseAddress!, outChannels: outChannels, groups: groups,
                                             height: h, width: w, out: out.baseAddress!, epilogue: epilogue, pool: pool)
                        }
                    }
                }
            }
            return Tensor(channels: outChannels, height: h, width: w, data: data, layout: .packed16)
        }
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
