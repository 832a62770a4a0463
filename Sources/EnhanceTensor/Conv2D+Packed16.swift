extension Conv2D {
    /// Whether all of `convs` can run channel-packed (``acceptsPacked16``); if so they are marked
    /// ``runsPacked16``. For a network body that will run them on packed tensors.
    public static func adoptPacked16(_ convs: [Conv2D]) -> Bool {
        guard !convs.isEmpty, convs.allSatisfy(\.acceptsPacked16) else { return false }
        for c in convs { c.runsPacked16 = true }
        return true
    }

    /// Whether ``packed16(_:activation:outputScale:residual:pool:)`` runs this convolution: 3×3,
    /// input channels a multiple of 16 and output channels of 32.
    public var acceptsPacked16: Bool {
        kernelSize == 3 && TileWinograd.accepts(inChannels: inChannels, outChannels: outChannels)
    }

    /// The convolution on channel-packed tensors (``Packed16``) by Winograd F(6×6, 3×3): inputs,
    /// residual and result are packed; otherwise as ``callAsFunction(_:activation:outputScale:residual:pool:)``.
    /// The F(6×6) kernels are made on first use.
    public func packed16(_ inputs: [Tensor], activation: Activation = .identity, outputScale: Float = 1,
                         residual: Tensor? = nil, pool: ThreadPool) -> Tensor {
        packed16(inputs, activation: activation, outputScale: outputScale, residual: residual, pool: pool,
                 isa: .compiled)
    }

    /// `isa` other than ``KernelISA/compiled`` (tests) runs that variant's tile shape.
    func packed16(_ inputs: [Tensor], activation: Activation, outputScale: Float, residual: Tensor?,
                  pool: ThreadPool, isa: KernelISA) -> Tensor {
        precondition(acceptsPacked16, "Conv2D: \(inChannels)→\(outChannels) \(kernelSize)² is not packable")
        precondition(inputs.allSatisfy { Packed16.fits($0.channels) }, "Conv2D: packed inputs need 16-channel groups")
        return pool.exclusive { pool in
            let (h, w) = checkShapes(inputs, residual: residual)
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
            return Tensor(channels: outChannels, height: h, width: w, data: data)
        }
    }
}
