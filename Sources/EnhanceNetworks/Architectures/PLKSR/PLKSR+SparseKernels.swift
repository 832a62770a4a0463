import EnhanceCheckpoints

extension PLKSR {
    /// The large-kernel layer of a block (`lk_type`). The sparse ablations are sums of centred convs,
    /// re-parameterised after blending into the one square kernel they equal (``Scope/derivedConv``).
    enum LargeKernel: Int, Sendable {
        /// `lk.conv`: one k×k conv.
        case plk = 0
        /// `lk.convs.0…3`: 5×5 convs with dilations 1, 2, 3, 4 (spandrel's assumption: neither the
        /// dilations nor `use_max_kernel` can be read from a checkpoint) = one 17×17 kernel.
        case sparse = 1
        /// `lk.mn_conv` (m×n), `lk.nm_conv` (n×m), `lk.nn_conv` (n×n), n = m / 3 = one m×m kernel.
        case rectSparse = 2
    }

    /// The large-kernel type of block 1 and its kernel size and channels (`pdim`).
    static func largeKernel(_ r: ShapeReader) throws -> (LargeKernel, k: Int, channels: Int) {
        if r.has("feats.1.lk.conv.weight") {
            let s = try r.convShape("feats.1.lk.conv")
            return (.plk, s.k, s.out)
        }
        if r.has("feats.1.lk.convs.0.weight") {
            let p = try r.convShape("feats.1.lk.convs.0").out
            for j in 0..<4 where try r.shape("feats.1.lk.convs.\(j).weight") != [p, p, 5, 5] {
                throw NetworkError(r.source, "PLKSR SparsePLK conv lk.convs.\(j) is not 5×5 [\(p), \(p), 5, 5]")
            }
            guard !r.has("feats.1.lk.convs.4.weight") else {
                throw NetworkError(r.source, "PLKSR SparsePLK with more than 4 convs (use_max_kernel or other "
                                   + "sparse kernels) cannot be read: its dilations are not in the checkpoint")
            }
            return (.sparse, 17, p)
        }
        let s = try r.shape("feats.1.lk.mn_conv.weight")
        guard s.count == 4, s[2] % 2 == 1, s[3] == s[2] / 3, s[3] % 2 == 1 else {
            throw NetworkError(r.source, "PLKSR RectSparsePLK lk.mn_conv has shape \(s); expected [p, p, m, m/3], "
                               + "both odd")
        }
        return (.rectSparse, s[2], s[0])
    }

    /// Block `s`'s large-kernel conv for `c` (a derived square conv for the sparse types).
    static func largeKernelConv(_ s: Scope, _ c: Config) throws -> Conv {
        let p = c.partialChannels, m = c.kernelSize
        let info = LayerInfo(name: s.key("lk"), inChannels: p, outChannels: p, kernelSize: m, resolution: 1)
        switch c.largeKernel {
        case .plk:
            return try s["lk"].conv("conv", in: p, out: p, k: m)
        case .sparse:
            let tensors = (0..<4).flatMap { j in [("lk.convs.\(j).weight", [p, p, 5, 5]), ("lk.convs.\(j).bias", [p])] }
            return try s.derivedConv(info, tensors: tensors) { v in
                var w = [Float](repeating: 0, count: p * p * m * m), b = [Float](repeating: 0, count: p)
                for j in 0..<4 {
                    place(v[2 * j], into: &w, pairs: p * p, size: m, rows: 5, columns: 5, dilation: j + 1)
                    for o in 0..<p { b[o] += v[2 * j + 1][o] }
                }
                return (w, b)
            }
        case .rectSparse:
            let n = m / 3
            let shapes = [("mn_conv", m, n), ("nm_conv", n, m), ("nn_conv", n, n)]
            let tensors = shapes.flatMap { [("lk.\($0.0).weight", [p, p, $0.1, $0.2]), ("lk.\($0.0).bias", [p])] }
            return try s.derivedConv(info, tensors: tensors) { v in
                var w = [Float](repeating: 0, count: p * p * m * m), b = [Float](repeating: 0, count: p)
                for (j, (_, rows, columns)) in shapes.enumerated() {
                    place(v[2 * j], into: &w, pairs: p * p, size: m, rows: rows, columns: columns, dilation: 1)
                    for o in 0..<p { b[o] += v[2 * j + 1][o] }
                }
                return (w, b)
            }
        }
    }

    /// Adds `pairs` kernels of `rows × columns` taps spaced `dilation` apart, centred, into the
    /// `size × size` kernels of `w` (both OIHW, one kernel per (out, in) pair).
    private static func place(_ k: [Float], into w: inout [Float], pairs: Int, size: Int, rows: Int, columns: Int,
                              dilation d: Int) {
        let c = size / 2
        for pair in 0..<pairs { for y in 0..<rows { for x in 0..<columns {
            let ty = c + (y - rows / 2) * d, tx = c + (x - columns / 2) * d
            w[(pair * size + ty) * size + tx] += k[(pair * rows + y) * columns + x]
        } } }
    }
}
