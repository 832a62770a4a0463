/// A 1×1 convolution on channel-packed tensors (``Packed16``, inputs and output): per pixel the
/// product of its `cIn` channels with the `[K, cIn]` weight, i.e. one GEMM `[pixels][cIn] · [cIn][K]`
/// (the 1×1 `conv_cat` that concatenates a packed trunk's features, e.g. SPAN's 192 → 48).
///
/// Work unit: a chunk of ``pixels(_:)`` pixels. Its packed pixels (16 contiguous channel floats per
/// group) are gathered into rows `A` (`[pixels][cIn]`, group after group), multiplied on the tile
/// shape of the F(6×6) GEMM (``tilePanel(_:_:lda:_:ldb:count:_:ldc:rows:columns:)``: rows are
/// pixels, columns output channels) into `M` (`[pixels][K]`), and `M` goes through the fused
/// epilogue into the packed output, one 16-channel vector per pixel and output group.
enum PackedPointwise {
    typealias V = SIMD16<Float>

    /// Pixels per chunk: eight of the tile shape's rows (48 on AVX2, 64 on AVX-512 and NEON).
    static func pixels(_ isa: KernelISA) -> Int { 8 * isa.tileShape.rows }

    /// OIHW `[K, cIn, 1, 1]` `weight` as `tilePanel`'s `B`: for each block of 32 output channels
    /// (16 for the last of an odd multiple of 16) at channel `jb`, `[cIn][width]` at `jb·cIn`.
    static func packWeights(_ weight: [Float], outChannels k: Int, inChannels c: Int) -> [Float] {
        precondition(Packed16.fits(k) && Packed16.fits(c), "PackedPointwise: channels in blocks of 16")
        precondition(weight.count == k * c, "PackedPointwise: weight count does not match shape")
        var b = [Float](repeating: 0, count: k * c)
        for jb in stride(from: 0, to: k, by: 32) {
            let bw = TileWinograd.blockWidth(jb, outChannels: k)
            for ci in 0..<c { for j in 0..<bw { b[jb * c + ci * bw + j] = weight[(jb + j) * c + ci] } }
        }
        return b
    }

    /// Packed `out` (`[K, n pixels]`) = the epilogue of the 1×1 convolution of the packed inputs
    /// (`groups`: the base of every 16-channel group of the channel concatenation, in order, each
    /// `n` pixels) with `b` from ``packWeights(_:outChannels:inChannels:)``; chunks spread over `pool`.
    static func run(_ isa: KernelISA, b: UnsafePointer<Float>, outChannels k: Int, groups: [UnsafePointer<Float>],
                    pixels n: Int, out: UnsafeMutablePointer<Float>, epilogue: Epilogue, pool: ThreadPool) {
        let cIn = groups.count * 16, rows = pixels(isa), chunks = (n + rows - 1) / rows
        groups.withUnsafeBufferPointer { groups in
            pool.parallelFor(chunks) { chunk, worker in
                let a = pool.arenas[worker].floats(rows * (cIn + k)), m = a + rows * cIn
                let first = chunk * rows, valid = min(rows, n - first)
                let dst = UnsafeMutableRawPointer(a)
                for (p, base) in groups.enumerated() {
                    let src = UnsafeRawPointer(base + first * 16)
                    for r in 0..<valid {
                        dst.storeBytes(of: src.loadUnaligned(fromByteOffset: r * 64, as: V.self),
                                       toByteOffset: (r * cIn + 16 * p) * 4, as: V.self)
                    }
                }
                // Rows past the image multiply zeros (their sums are never stored).
                if valid < rows { (a + valid * cIn).update(repeating: 0, count: (rows - valid) * cIn) }
                for jb in stride(from: 0, to: k, by: 32) {
                    let bw = TileWinograd.blockWidth(jb, outChannels: k)
                    tilePanel(isa, a, lda: cIn, b + jb * cIn, ldb: bw, count: cIn, m + jb, ldc: k, rows: rows,
                              columns: bw)
                }
                let sums = UnsafeRawPointer(m)
                for q in 0..<k / 16 {
                    let bias = epilogue.vector(epilogue.bias, q), slope = epilogue.vector(epilogue.slope, q)
                    let plane = (q * n + first) * 16
                    for r in 0..<valid {
                        let v = sums.loadUnaligned(fromByteOffset: (r * k + 16 * q) * 4, as: V.self)
                        epilogue.storePacked(v, bias: bias, slope: slope, out, plane + 16 * r)
                    }
                }
            }
        }
    }
}

extension Conv2D {
    /// The kernels of the ``TensorLayout/packed16`` layout: F(6×6) `U` for 3×3
    /// (``TileWinograd/transformWeights(_:outChannels:inChannels:pool:)``), the `B` blocks of
    /// ``PackedPointwise`` for 1×1.
    static func packed16Kernels(_ weight: [Float], outChannels: Int, inChannels: Int, kernelSize: Int,
                                pool: ThreadPool) -> [Float] {
        kernelSize == 1
            ? PackedPointwise.packWeights(weight, outChannels: outChannels, inChannels: inChannels)
            : TileWinograd.transformWeights(weight, outChannels: outChannels, inChannels: inChannels, pool: pool)
    }

    /// The 1×1 convolution on packed inputs, residual and result (``PackedPointwise``); `isa` other
    /// than ``KernelISA/compiled`` (tests) runs that variant's tile shape.
    func pointwisePacked16(_ inputs: [Tensor], activation: Activation, outputScale: Float, residual: Tensor?,
                           pool: ThreadPool, isa: KernelISA) -> Tensor {
        precondition(kernelSize == 1 && groups == 1 && Packed16.fits(inChannels) && Packed16.fits(outChannels),
                     "Conv2D: \(inChannels)→\(outChannels) \(kernelSize)² is not a packed 1×1")
        return pool.exclusive { pool in
            let (h, w) = checkShapes(inputs, residual: residual, layout: .packed16)
            let n = outChannels * h * w
            let b = tileKernels.value(pool)
            let data = [Float](unsafeUninitializedCapacity: n) { out, count in
                count = n
                guard n > 0 else { return }
                withPlanes(inputs) { planes in
                    let groups = stride(from: 0, to: planes.count, by: 16).map { planes[$0].base }
                    withEpilogue(activation: activation, outputScale: outputScale, residual: residual) { epilogue in
                        b.withUnsafeBufferPointer { b in
                            PackedPointwise.run(isa, b: b.baseAddress!, outChannels: outChannels, groups: groups,
                                                pixels: h * w, out: out.baseAddress!, epilogue: epilogue, pool: pool)
                        }
                    }
                }
            }
            return Tensor(channels: outChannels, height: h, width: w, data: data, layout: .packed16)
        }
    }
}
