extension Conv2D {
    /// Whether a convolution of this shape can run on ``TensorLayout/packed16`` tensors: 3×3, input
    /// channels a multiple of 16 and output channels of 32 (``TileWinograd``).
    public static func accepts(packed16 inChannels: Int, _ outChannels: Int, _ kernelSize: Int) -> Bool {
        kernelSize == 3 && TileWinograd.accepts(inChannels: inChannels, outChannels: outChannels)
    }

    /// The convolution on channel-packed tensors (``Packed16``) by Winograd F(6×6, 3×3): inputs,
    /// residual and result are packed. `isa` other than ``KernelISA/compiled`` (tests) runs that
    /// variant's tile shape. The F(6×6) kernels are made on first use.
    func packed16(_ inputs: [Tensor], activation: Activation, outputScale: Float, residual: Tensor?,
                  pool: ThreadPool, isa: KernelISA) -> Tensor {
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
