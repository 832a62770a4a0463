import EnhanceCheckpoints
import EnhanceTensor

/// Ops that move elements without arithmetic: reshapes, transposes, slices, gathers, concatenation,
/// padding's index logic and the shape queries of shape subgraphs.
enum ShapeOps {
    static func reshape(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let x = try ctx.input(inputs, 0)
        guard let spec = ctx.intsInput(inputs, 1) else { throw ctx.fail("no shape") }
        let allowZero = try ctx.int("allowzero", 0) != 0
        var shape = spec.enumerated().map { i, d in d == 0 && !allowZero && i < x.shape.count ? x.shape[i] : d }
        let known = LoadBudget.saturatingProduct(shape.filter { $0 != -1 })
        if let i = shape.firstIndex(of: -1) {
            guard known > 0, x.count % known == 0, shape.count(where: { $0 == -1 }) == 1 else {
                throw ctx.fail("cannot reshape \(x.shape) to \(spec)")
            }
            shape[i] = x.count / known
        }
        guard shape.allSatisfy({ $0 >= 0 }), LoadBudget.saturatingProduct(shape) == x.count else {
            throw ctx.fail("cannot reshape \(x.shape) to \(spec)")
        }
        return x.reshaped(shape)
    }

    static func transpose(_ x: ONNXTensor, perm given: [Int]?, _ ctx: OpContext) throws -> ONNXTensor {
        let r = x.shape.count
        let perm = given ?? Array((0..<r).reversed())
        guard perm.sorted() == Array(0..<r) else { throw ctx.fail("perm \(perm) for rank \(r)") }
        let shape = perm.map { x.shape[$0] }
        // PyTorch's pixel shuffle as Reshape [1, C, r, r, H, W] → this → Reshape: EnhanceTensor's
        // pixelShuffle writes [C, H·r, W·r], the same memory as [1, C, H, r, W, r].
        if perm == [0, 1, 4, 2, 5, 3], x.shape[0] == 1, x.shape[2] == x.shape[3], case .float(let v) = x.values {
            let (c, r, h, w) = (x.shape[1], x.shape[2], x.shape[4], x.shape[5])
            let y = pixelShuffle(Tensor(channels: c * r * r, height: h, width: w, data: v), r)
            return ONNXTensor(shape: shape, floats: y.data)
        }
        if case .float(let v) = x.values {
            return v.withUnsafeBufferPointer { p in
                ONNXTensor.makeFloat(shape) { transposeFloats(p.baseAddress!, shape: x.shape, perm: perm,
                                                              $0.baseAddress!, ctx.pool) }
            }
        }
        let src = ONNXTensor.strides(x.shape)
        let permuted = perm.map { src[$0] }
        // Innermost loop over the last output axis.
        let inner = shape.last ?? 1, step = permuted.last ?? 1
        let outerShape = Array(shape.dropLast()), outerStrides = Array(permuted.dropLast())
        return x.mapElements(shape: shape, { i in
            offset(i / max(inner, 1), outerShape, outerStrides) + (i % max(inner, 1)) * step
        }, count: x.count)
    }

    static func concat(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let xs = inputs.compactMap { $0 }.filter { !($0.shape.count == 1 && $0.shape[0] == 0) || inputs.count == 1 }
        guard let first = xs.first else { throw ctx.fail("no inputs") }
        let axis = try ctx.axis(try ctx.int("axis", 0), rank: first.shape.count)
        for x in xs where x.shape.count != first.shape.count
            || zip(x.shape, first.shape).enumerated().contains(where: { $0.offset != axis && $0.1.0 != $0.1.1 }) {
            throw ctx.fail("cannot concatenate \(first.shape) and \(x.shape) on axis \(axis)")
        }
        var shape = first.shape
        shape[axis] = xs.reduce(0) { $0 + $1.shape[axis] }
        let outer = first.shape[..<axis].reduce(1, *)
        let blocks = xs.map { $0.shape[axis...].reduce(1, *) }
        if xs.allSatisfy({ !$0.isFloat }) {
            let parts = xs.map(\.ints)
            var out: [Int64] = []
            for o in 0..<outer { for (p, b) in zip(parts, blocks) { out += p[o * b ..< (o + 1) * b] } }
            return ONNXTensor(shape: shape, ints: out)
        }
        // Each part: `outer` blocks copied over the pool to their place in each output block.
        let parts = xs.map(\.floats), total = blocks.reduce(0, +)
        return ONNXTensor.makeFloat(shape) { out in
            var start = 0
            for (p, b) in zip(parts, blocks) where b > 0 {
                p.withUnsafeBufferPointer { src in
                    copyBlocks(outer, b, ctx.pool, source: { src.baseAddress! + $0 * b },
                               into: { [start] in out.baseAddress! + $0 * total + start })
                }
                start += b
            }
        }
    }

    /// `Split`: sizes from the input (opset 13+), the attribute, `num_outputs`, or equal parts.
    static func split(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> [ONNXTensor] {
        let x = try ctx.input(inputs, 0)
        let axis = try ctx.axis(try ctx.int("axis", 0), rank: x.shape.count)
        let k = ctx.node.outputs.count, d = x.shape[axis]
        guard k >= 1 else { throw ctx.fail("no outputs") }
        var sizes = try ctx.intsInput(inputs, 1) ?? ctx.ints("split")
            ?? (0..<k).map { min((d + k - 1) / k, max(0, d - $0 * ((d + k - 1) / k))) }
        if sizes.count == 1 && k > 1 { sizes = [Int](repeating: sizes[0], count: k) }
        guard sizes.count == k, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == d else {
            throw ctx.fail("split \(sizes) of axis \(axis) (\(d))")
        }
        var start = 0
        return try sizes.map { s in
            defer { start += s }
            return try slice(x, starts: [start], ends: [start + s], axes: [axis], steps: [1], ctx)
        }
    }

    /// `Slice` with ONNX's clamping of starts and ends (negative steps included).
    static func slice(_ x: ONNXTensor, starts: [Int], ends: [Int], axes given: [Int]?, steps: [Int]?,
                      _ ctx: OpContext) throws -> ONNXTensor {
        let axes = try (given ?? Array(0..<starts.count)).map { try ctx.axis($0, rank: x.shape.count) }
        return try sliceResolved(x, starts: starts, ends: ends, axes: axes,
                                 steps: steps ?? [Int](repeating: 1, count: starts.count), ctx)
    }

    static func sliceResolved(_ x: ONNXTensor, starts: [Int], ends: [Int], axes: [Int], steps: [Int],
                              _ ctx: OpContext) throws -> ONNXTensor {
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count,
              !steps.contains(0) else { throw ctx.fail("inconsistent starts/ends/axes/steps") }
        var begin = [Int](repeating: 0, count: x.shape.count), step = [Int](repeating: 1, count: x.shape.count)
        var shape = x.shape
        for (j, a) in axes.enumerated() {
            let d = x.shape[a], s = steps[j]
            var b = starts[j] < 0 ? starts[j] + d : starts[j]
            var e = ends[j] < 0 ? ends[j] + d : ends[j]
            if s > 0 {
                (b, e) = (min(max(b, 0), d), min(max(e, 0), d))
                shape[a] = max(0, (e - b + s - 1) / s)
            } else {
                (b, e) = (min(max(b, -1), d - 1), min(max(e, -1), d - 1))
                shape[a] = max(0, (b - e + (-s) - 1) / (-s))
            }
            (begin[a], step[a]) = (b, s)
        }
        let src = ONNXTensor.strides(x.shape), dst = ONNXTensor.strides(shape)
        let offset = zip(begin, src).reduce(0) { $0 + $1.0 * $1.1 }
        let scaled = zip(step, src).map { $0 * $1 }
        if case .float(let v) = x.values, let inner = shape.last, inner > 0, shape.count > 1 {
            // Row by row: one index decomposition per output row, a strided copy along it.
            let rows = shape.reduce(1, *) / inner, last = scaled.last!
            if last == 1 {
                let outer = Array(shape.dropLast()), from = Array(scaled.dropLast())
                return v.withUnsafeBufferPointer { p in
                    ONNXTensor.makeFloat(shape) { out in
                        let base = p.baseAddress! + offset
                        copyBlocks(rows, inner, ctx.pool, source: { base + Self.offset($0, outer, from) },
                                   into: { out.baseAddress! + $0 * inner })
                    }
                }
            }
            return v.withUnsafeBufferPointer { p in
                ONNXTensor.makeFloat(shape) { out in
                    for r in 0..<rows {
                        var rem = r * inner, s = offset
                        for d in 0..<(dst.count - 1) {
                            let q = rem / dst[d]
                            rem -= q * dst[d]
                            s += q * scaled[d]
                        }
                        for i in 0..<inner { out[r * inner + i] = p[s + i * last] }
                    }
                }
            }
        }
        return x.mapElements(shape: shape, { i in
            var rem = i, s = offset
            for d in 0..<dst.count {
                let q = rem / dst[d]
                rem -= q * dst[d]
                s += q * scaled[d]
            }
            return s
        }, count: shape.reduce(1, *))
    }

    static func gather(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let x = try ctx.input(inputs, 0), idx = try ctx.input(inputs, 1)
        let axis = try ctx.axis(try ctx.int("axis", 0), rank: x.shape.count)
        let d = x.shape[axis]
        let indices = try idx.ints.map { i -> Int in
            let j = Int(i) < 0 ? Int(i) + d : Int(i)
            guard j >= 0, j < d else { throw ctx.fail("index \(i) out of range for axis of \(d)") }
            return j
        }
        let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *)
        let shape = Array(x.shape[..<axis]) + idx.shape + Array(x.shape[(axis + 1)...])
        let k = indices.count
        try ctx.check(shape)
        if case .float(let v) = x.values, inner > 0 {
            // One contiguous block of `inner` floats per (outer, index) pair.
            return v.withUnsafeBufferPointer { p in
                ONNXTensor.makeFloat(shape) { out in
                    ShapeOps.copyBlocks(outer * k, inner, ctx.pool) { b in
                        let (o, j) = b.quotientAndRemainder(dividingBy: k)
                        return p.baseAddress! + (o * d + indices[j]) * inner
                    } into: { out.baseAddress! + $0 * inner }
                }
            }
        }
        return x.mapElements(shape: shape, { i in
            let o = i / (k * inner), r = i % (k * inner)
            return (o * d + indices[r / inner]) * inner + r % inner
        }, count: outer * k * inner)
    }

    static func unsqueeze(_ x: ONNXTensor, axes: [Int], _ ctx: OpContext) throws -> ONNXTensor {
        let r = x.shape.count + axes.count
        let resolved = try axes.map { try ctx.axis($0, rank: r) }.sorted()
        var shape = x.shape
        for a in resolved { shape.insert(1, at: a) }
        return x.reshaped(shape)
    }

    static func squeeze(_ x: ONNXTensor, axes: [Int]?, _ ctx: OpContext) throws -> ONNXTensor {
        let resolved = try axes.map { try $0.map { try ctx.axis($0, rank: x.shape.count) } }
        let shape = x.shape.enumerated().filter { i, d in resolved.map { !$0.contains(i) } ?? (d != 1) }.map(\.element)
        guard shape.reduce(1, *) == x.count else { throw ctx.fail("cannot squeeze \(x.shape) on \(axes ?? [])") }
        return x.reshaped(shape)
    }

    /// `Expand` (and `Tile` with `repeat`): broadcast `x` to `shape`.
    static func expand(_ x: ONNXTensor, to spec: [Int], _ ctx: OpContext) throws -> ONNXTensor {
        guard let shape = ElementwiseOps.broadcastShape(x.shape, spec) else {
            throw ctx.fail("cannot expand \(x.shape) to \(spec)")
        }
        try ctx.check(shape)
        // Only size-1 axes added or kept: the same elements in the same order.
        if shape.reduce(1, *) == x.count { return x.reshaped(shape) }
        let map = ElementwiseOps.broadcastIndex(from: x.shape, to: shape)
        return x.mapElements(shape: shape, map, count: shape.reduce(1, *))
    }

    static func tile(_ x: ONNXTensor, repeats: [Int], _ ctx: OpContext) throws -> ONNXTensor {
        guard repeats.count == x.shape.count, repeats.allSatisfy({ $0 >= 0 }) else {
            throw ctx.fail("repeats \(repeats) for shape \(x.shape)")
        }
        try ctx.check(x.shape + repeats)
        let shape = zip(x.shape, repeats).map { $0 * $1 }
        let dst = ONNXTensor.strides(shape), src = ONNXTensor.strides(x.shape)
        return x.mapElements(shape: shape, { i in
            var rem = i, s = 0
            for d in 0..<shape.count {
                let q = rem / dst[d]
                rem -= q * dst[d]
                s += (q % x.shape[d]) * src[d]
            }
            return s
        }, count: shape.reduce(1, *))
    }
}
