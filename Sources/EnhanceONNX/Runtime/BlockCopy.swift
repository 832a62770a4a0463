import EnhanceTensor

/// Float data movement in blocks over the worker pool: gathers and transposes.
extension ShapeOps {
    /// Copies `count` blocks of `length` floats, block `b` from `source(b)` to `destination(b)`, in
    /// chunks of about 16K floats over `pool` (one chunk for a small copy: no hand-off).
    static func copyBlocks(_ count: Int, _ length: Int, _ pool: ThreadPool,
                           source: (Int) -> UnsafePointer<Float>,
                           into destination: (Int) -> UnsafeMutablePointer<Float>) {
        let per = max(1, (1 << 14) / max(length, 1)), chunks = (count + per - 1) / per
        func work(_ c: Int) {
            for b in (c * per)..<min(count, (c + 1) * per) { destination(b).update(from: source(b), count: length) }
        }
        if chunks <= 1 { work(0) } else { pool.parallelFor(chunks, work) }
    }

    /// `Transpose` of float `src` (row-major `shape`) by `perm` into `out` (row-major
    /// `perm.map { shape[$0] }`). Size-1 axes are dropped and axes that stay neighbours merged; a
    /// permutation that keeps the innermost axis is then a copy of rows, any other one a 2-D
    /// transpose (EnhanceTensor's `transpose`, 8 × 8 blocks) per index of the remaining axes.
    static func transposeFloats(_ src: UnsafePointer<Float>, shape: [Int], perm: [Int],
                                _ out: UnsafeMutablePointer<Float>, _ pool: ThreadPool) {
        let n = shape.reduce(1, *)
        guard n > 0 else { return }
        let strides = ONNXTensor.strides(shape)
        var dims: [Int] = [], st: [Int] = []
        for a in perm where shape[a] != 1 {
            if let s = st.last, s == strides[a] * shape[a] {
                dims[dims.count - 1] *= shape[a]
                st[st.count - 1] = strides[a]
            } else {
                dims.append(shape[a])
                st.append(strides[a])
            }
        }
        guard let inner = dims.last, let step = st.last, step != 1 else {
            // The innermost axis is contiguous in both: rows of `inner` floats.
            let inner = dims.last ?? 1, outer = Array(dims.dropLast()), os = Array(st.dropLast())
            copyBlocks(n / inner, inner, pool, source: { src + offset($0, outer, os) }, into: { out + $0 * inner })
            return
        }
        // The output axis `p` reads the source contiguously; the innermost reads it by `step`.
        let p = st.firstIndex(of: 1)!, rows = dims[p], rowStride = dims[(p + 1)...].reduce(1, *)
        let rest = dims.indices.filter { $0 != p && $0 != dims.count - 1 }
        let restDims = rest.map { dims[$0] }, restSrc = rest.map { st[$0] }
        let restOut = rest.map { dims[($0 + 1)...].reduce(1, *) }
        let count = n / (rows * inner)
        let per = max(1, (1 << 14) / (rows * inner)), chunks = (count + per - 1) / per
        func work(_ c: Int) {
            for b in (c * per)..<min(count, (c + 1) * per) {
                // out[i · rowStride + j] = src[j · step + i]
                let s = src + offset(b, restDims, restSrc), o = out + offset(b, restDims, restOut)
                EnhanceTensor.transpose(s, stride: step, into: o, stride: rowStride, rows: inner, columns: rows)
            }
        }
        if chunks <= 1 { work(0) } else { pool.parallelFor(chunks, work) }
    }

    /// The offset of row-major index `i` over `dims` with element strides `strides`.
    @inline(__always)
    static func offset(_ i: Int, _ dims: [Int], _ strides: [Int]) -> Int {
        var rem = i, s = 0
        for d in stride(from: dims.count - 1, through: 0, by: -1) {
            let (q, r) = rem.quotientAndRemainder(dividingBy: dims[d])
            s += r * strides[d]
            rem = q
        }
        return s
    }
}
