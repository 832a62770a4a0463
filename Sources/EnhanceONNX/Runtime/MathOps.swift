import EnhanceTensor
import Foundation

/// Reductions, normalisations, softmax and matrix products.
enum MathOps {
    /// The axes a reduction runs over (attribute up to opset 17 for most, input from 13/18).
    static func reduceAxes(_ inputs: [ONNXTensor?], _ ctx: OpContext, rank: Int) throws -> [Int] {
        let given = try ctx.intsInput(inputs, 1) ?? ctx.ints("axes")
        if let given, !given.isEmpty { return try given.map { try ctx.axis($0, rank: rank) } }
        return try ctx.int("noop_with_empty_axes", 0) != 0 ? [] : Array(0..<rank)
    }

    /// `ReduceMean`, `ReduceSum`, `ReduceMax`, `ReduceMin`, `ReduceProd`, `ReduceSumSquare` and
    /// `ReduceL2` (the square root of the sum of squares: `F.normalize`'s norm) (`keepdims` honoured).
    static func reduce(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let x = try ctx.input(inputs, 0), r = x.shape.count
        let axes = Set(try reduceAxes(inputs, ctx, rank: r))
        let keep = try ctx.int("keepdims", 1) != 0
        let kept = x.shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        let outShape = keep ? kept : x.shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        let op = ctx.node.opType, squares = op == "ReduceL2" || op == "ReduceSumSquare"
        if case .float(let v) = x.values, !axes.isEmpty, axes.sorted() == Array((r - axes.count)..<r), x.count > 0 {
            // Trailing axes (a token's features, an image's planes): one contiguous block per output.
            let block = x.shape[(r - axes.count)...].reduce(1, *), outer = x.count / block
            let out = v.withUnsafeBufferPointer { p in
                (0..<outer).map { o -> Float in
                    let s = UnsafeBufferPointer(rebasing: p[o * block ..< (o + 1) * block])
                    switch op {
                    case "ReduceMax": return s.max()!
                    case "ReduceMin": return s.min()!
                    case "ReduceProd": return s.reduce(1, *)
                    case _ where squares:
                        let sum = s.reduce(0.0) { $0 + Double($1) * Double($1) }
                        return Float(op == "ReduceL2" ? sum.squareRoot() : sum)
                    default:
                        let sum = s.reduce(0.0) { $0 + Double($1) }
                        return Float(op == "ReduceMean" ? sum / Double(block) : sum)
                    }
                }
            }
            return ONNXTensor(shape: outShape, floats: out)
        }
        let dst = ONNXTensor.strides(kept), src = ONNXTensor.strides(x.shape)
        let n = kept.reduce(1, *), count = max(1, x.count / max(n, 1))
        var acc = [Double](repeating: op == "ReduceProd" ? 1 : op == "ReduceMax" ? -.infinity
                             : op == "ReduceMin" ? .infinity : 0, count: n)
        let values: [Double] = x.isFloat ? x.floats.map(Double.init) : x.ints.map(Double.init)
        for i in 0..<x.count {
            var rem = i, o = 0
            for d in 0..<r {
                let q = rem / src[d]
                rem -= q * src[d]
                if !axes.contains(d) { o += q * dst[d] }
            }
            let v = values[i]
            switch op {
            case "ReduceMax": acc[o] = max(acc[o], v)
            case "ReduceMin": acc[o] = min(acc[o], v)
            case "ReduceProd": acc[o] *= v
            case _ where squares: acc[o] += v * v
            default: acc[o] += v
            }
        }
        if op == "ReduceMean" { acc = acc.map { $0 / Double(count) } }
        if op == "ReduceL2" { acc = acc.map { $0.squareRoot() } }
        if !x.isFloat {
            return ONNXTensor(shape: outShape, ints: acc.map { $0.isFinite ? Int64(max(-9e18, min(9e18, $0))) : 0 })
        }
        return ONNXTensor(shape: outShape, floats: acc.map { Float($0) })
    }

    /// `Softmax` over `axis` (opset 13+: that axis; before: the flattened axes from `axis` on).
    static func softmax(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let x = try ctx.input(inputs, 0), r = x.shape.count
        let axis = try ctx.axis(try ctx.int("axis", ctx.opset >= 13 ? -1 : 1), rank: r)
        let inner = ctx.opset >= 13 ? x.shape[(axis + 1)...].reduce(1, *) : 1
        let len = ctx.opset >= 13 ? x.shape[axis] : x.shape[axis...].reduce(1, *)
        if inner == 1 {
            let m = Matrix(rows: x.count / max(len, 1), columns: len, data: x.floats)
            return ONNXTensor(shape: x.shape, floats: softmaxRows(m, pool: ctx.pool).data)
        }
        var v = x.floats
        let outer = x.count / (len * inner)
        for o in 0..<outer { for i in 0..<inner {
            let base = o * len * inner + i
            var peak = -Float.infinity
            for k in 0..<len { peak = max(peak, v[base + k * inner]) }
            var sum: Float = 0
            for k in 0..<len { let e = Foundation.exp(v[base + k * inner] - peak); v[base + k * inner] = e; sum += e }
            for k in 0..<len { v[base + k * inner] /= sum }
        } }
        return ONNXTensor(shape: x.shape, floats: v)
    }

    /// `LayerNormalization` over the axes from `axis` on (scale and bias broadcast over them).
    static func layerNorm(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let x = try ctx.input(inputs, 0), scale = try ctx.input(inputs, 1)
        let axis = try ctx.axis(try ctx.int("axis", -1), rank: x.shape.count)
        let eps = try ctx.float("epsilon", 1e-5)
        let c = x.shape[axis...].reduce(1, *)
        let bias = inputs.count > 2 ? inputs[2]?.floats ?? [] : []
        guard scale.count == c, bias.isEmpty || bias.count == c else {
            throw ctx.fail("scale \(scale.shape) and bias for normalised size \(c)")
        }
        let m = Matrix(rows: x.count / max(c, 1), columns: c, data: x.floats)
        let b = bias.isEmpty ? [Float](repeating: 0, count: c) : bias
        let y = layerNormRows(m, weight: scale.floats, bias: b, eps: eps, pool: ctx.pool)
        return ONNXTensor(shape: x.shape, floats: y.data)
    }

    /// `InstanceNormalization` (`[N, C, …]`, per channel scale and bias) and `BatchNormalization`
    /// (inference: running mean and variance).
    static func channelNorm(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let x = try ctx.input(inputs, 0)
        guard x.shape.count >= 2 else { throw ctx.fail("input \(x.shape)") }
        let eps = try ctx.float("epsilon", 1e-5)
        let (n, c) = (x.shape[0], x.shape[1]), plane = x.count / max(n * c, 1)
        let scale = try ctx.input(inputs, 1).floats, bias = try ctx.input(inputs, 2).floats
        let batch = ctx.node.opType == "BatchNormalization"
        let mean = batch ? try ctx.input(inputs, 3).floats : [], variance = batch ? try ctx.input(inputs, 4).floats : []
        guard scale.count == c, bias.count == c, !batch || (mean.count == c && variance.count == c) else {
            throw ctx.fail("parameters for \(c) channels")
        }
        var v = x.floats
        v.withUnsafeMutableBufferPointer { p in
            ctx.pool.parallelFor(n * c) { q in
                let ch = q % c, base = q * plane
                var mu = Double(0), sq = Double(0)
                if batch {
                    (mu, sq) = (Double(mean[ch]), Double(variance[ch]))
                } else {
                    for i in 0..<plane { mu += Double(p[base + i]) }
                    mu /= Double(max(plane, 1))
                    for i in 0..<plane { let d = Double(p[base + i]) - mu; sq += d * d }
                    sq /= Double(max(plane, 1))
                }
                let k = Float(1 / (sq + Double(eps)).squareRoot()) * scale[ch], m = Float(mu)
                for i in 0..<plane { p[base + i] = (p[base + i] - m) * k + bias[ch] }
            }
        }
        return ONNXTensor(shape: x.shape, floats: v)
    }

    /// The shape of `MatMul` of `a` by `b`, nil when they do not multiply.
    static func matMulShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let sa = a.count == 1 ? [1] + a : a, sb = b.count == 1 ? b + [1] : b
        guard sa.count >= 2, sb.count >= 2, sa[sa.count - 1] == sb[sb.count - 2],
              let batch = ElementwiseOps.broadcastShape(Array(sa.dropLast(2)), Array(sb.dropLast(2))) else {
            return nil
        }
        var shape = batch + [sa[sa.count - 2], sb[sb.count - 1]]
        if a.count == 1 { shape.remove(at: shape.count - 2) }
        if b.count == 1 { shape.removeLast() }
        return shape
    }

    /// `MatMul` with NumPy semantics: 1-D operands promoted, batch axes broadcast.
    static func matMul(_ a: ONNXTensor, _ b: ONNXTensor, _ ctx: OpContext) throws -> ONNXTensor {
        var sa = a.shape, sb = b.shape
        if sa.count == 1 { sa = [1] + sa }
        if sb.count == 1 { sb = sb + [1] }
        guard sa.count >= 2, sb.count >= 2, sa[sa.count - 1] == sb[sb.count - 2],
              let batch = ElementwiseOps.broadcastShape(Array(sa.dropLast(2)), Array(sb.dropLast(2))) else {
            throw ctx.fail("cannot multiply \(a.shape) by \(b.shape)")
        }
        let (m, k, n) = (sa[sa.count - 2], sa[sa.count - 1], sb[sb.count - 1])
        let q = batch.reduce(1, *)
        try ctx.check(batch + [m, max(k, n)])
        guard q >= 1, m >= 1, k >= 1, n >= 1 else { throw ctx.fail("empty product \(a.shape) × \(b.shape)") }
        // Expand each operand to the full batch (a no-op when it already has it); one right
        // operand for every batch is never copied.
        let ea = try ShapeOps.expand(a.reshaped(sa), to: batch + [m, k], ctx)
        var result: [Float]
        if Array(sb.dropLast(2)).reduce(1, *) == 1 && q > 1 {
            // One right operand for every batch: a single product of [q·m, k] by [k, n].
            result = matmul(Matrix(rows: q * m, columns: k, data: ea.floats),
                            Matrix(rows: k, columns: n, data: b.floats), pool: ctx.pool).data
        } else {
            let eb = try ShapeOps.expand(b.reshaped(sb), to: batch + [k, n], ctx)
            result = matmul(Matrix(rows: q * m, columns: k, data: ea.floats),
                            Matrix(rows: q * k, columns: n, data: eb.floats), batch: q, pool: ctx.pool).data
        }
        var shape = batch + [m, n]
        if a.shape.count == 1 { shape.remove(at: shape.count - 2) }
        if b.shape.count == 1 { shape.removeLast() }
        if result.isEmpty { result = [] }
        return ONNXTensor(shape: shape, floats: result)
    }

    /// `Gemm`: `alpha · A' · B' + beta · C` (A', B' optionally transposed; C broadcast).
    static func gemm(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        var a = try ctx.input(inputs, 0), b = try ctx.input(inputs, 1)
        guard a.shape.count == 2, b.shape.count == 2 else { throw ctx.fail("operands \(a.shape), \(b.shape)") }
        if try ctx.int("transA", 0) != 0 { a = try ShapeOps.transpose(a, perm: [1, 0], ctx) }
        if try ctx.int("transB", 0) != 0 { b = try ShapeOps.transpose(b, perm: [1, 0], ctx) }
        var y = try matMul(a, b, ctx)
        let alpha = try ctx.float("alpha", 1), beta = try ctx.float("beta", 1)
        if alpha != 1 { y = ONNXTensor(shape: y.shape, floats: y.floats.map { $0 * alpha }) }
        if inputs.count > 2, let c = inputs[2] {
            let scaled = ONNXTensor(shape: c.shape, floats: c.floats.map { $0 * beta })
            y = try ElementwiseOps.binary(y, scaled, ctx, fast: nil, +)
        }
        return y
    }
}
