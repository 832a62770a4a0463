import EnhanceCheckpoints
import Foundation

/// The ops of shape subgraphs and constants (`Shape`, `Constant`, `ConstantOfShape`, `Range`,
/// `Cast`, `ScatterND`) and the variadic element-wise ops.
extension OpTable {
    /// `Max`, `Min`, `Sum` over any number of inputs, pairwise.
    static func variadic(_ f: @escaping @Sendable (ONNXTensor, ONNXTensor, OpContext) throws -> ONNXTensor)
        -> OpKernel {
        one { inputs, ctx in
            let xs = inputs.compactMap { $0 }
            guard var acc = xs.first else { throw ctx.fail("no inputs") }
            for x in xs.dropFirst() { acc = try f(acc, x, ctx) }
            return acc
        }
    }

    static func shape(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let s = try ctx.input(inputs, 0).shape, r = s.count
        func clamp(_ i: Int) -> Int { min(max(i < 0 ? i + r : i, 0), r) }
        let start = clamp(try ctx.int("start", 0)), end = clamp(try ctx.int("end", r))
        return ONNXTensor(shape: [max(0, end - start)], ints: start < end ? s[start..<end].map { Int64($0) } : [])
    }

    static func constant(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        switch ctx.node.attributes.first?.value {
        case .tensor(let t)?: return t
        case .float(let v)?: return ONNXTensor(shape: [], floats: [v])
        case .floats(let v)?: return ONNXTensor(shape: [v.count], floats: v)
        case .int(let v)?: return ONNXTensor(shape: [], ints: [v])
        case .ints(let v)?: return ONNXTensor(shape: [v.count], ints: v)
        default: throw ctx.fail("no value attribute Enhance reads")
        }
    }

    static func constantOfShape(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let shape = ctx.intsInput(inputs, 0) ?? []
        try ctx.check(shape)
        let n = shape.reduce(1, *)
        if case .tensor(let t)? = ctx.node.attributes["value"], t.count == 1 {
            return t.isFloat ? ONNXTensor(shape: shape, floats: [Float](repeating: t.floats[0], count: n))
                : ONNXTensor(shape: shape, ints: [Int64](repeating: t.ints[0], count: n))
        }
        return ONNXTensor(shape: shape, floats: [Float](repeating: 0, count: n))
    }

    static func range(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let s = try ctx.input(inputs, 0), l = try ctx.input(inputs, 1), d = try ctx.input(inputs, 2)
        if !s.isFloat && !l.isFloat && !d.isFloat {
            let (a, b, step) = (s.ints[0], l.ints[0], d.ints[0])
            guard step != 0 else { throw ctx.fail("step 0") }
            let span = (Double(b) - Double(a)) / Double(step)
            guard span < Double(1 << 24) else { throw ctx.fail("\(span) elements") }
            let n = max(0, Int(span.rounded(.up)))
            return ONNXTensor(shape: [n], ints: (0..<n).map { a + Int64($0) * step })
        }
        let (a, b, step) = (s.floats[0], l.floats[0], d.floats[0])
        let span = (b - a) / step
        guard step != 0, span.isFinite, span < Float(1 << 24) else {
            throw ctx.fail("start \(a), limit \(b), delta \(step)")
        }
        let n = max(0, Int(span.rounded(.up)))
        return ONNXTensor(shape: [n], floats: (0..<n).map { a + Float($0) * step })
    }

    /// `Cast`: to a floating-point type (float16 rounds, as the file's arithmetic would), to an
    /// integer type, or to bool.
    static func cast(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let x = try ctx.input(inputs, 0), to = Int32(try ctx.int("to", 1))
        guard let type = ElementType(rawValue: to) else { throw ctx.fail("cast to \(ElementType.name(to))") }
        if type.isFloat {
            if type == .float16 { return ONNXTensor(shape: x.shape, floats: x.floats.map { Float(Float16($0)) }) }
            return ONNXTensor(shape: x.shape, floats: x.floats)
        }
        if type == .bool {
            let v: [Int64] = x.isFloat ? x.floats.map { $0 != 0 ? 1 : 0 } : x.ints.map { $0 != 0 ? 1 : 0 }
            return ONNXTensor(shape: x.shape, ints: v)
        }
        return ONNXTensor(shape: x.shape, ints: x.ints)
    }

    /// `ScatterND` (no reduction): `data` with the slices at `indices` replaced by `updates`.
    static func scatterND(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let data = try ctx.input(inputs, 0), idx = try ctx.input(inputs, 1), upd = try ctx.input(inputs, 2)
        guard try ctx.string("reduction", "none") == "none", let k = idx.shape.last, k <= data.shape.count,
              idx.shape.count >= 1 else { throw ctx.fail("indices \(idx.shape) for data \(data.shape)") }
        let slice = data.shape[k...].reduce(1, *), count = idx.count / max(k, 1)
        guard upd.count == count * slice else { throw ctx.fail("updates \(upd.shape) for \(count) slices") }
        let strides = ONNXTensor.strides(data.shape), ix = idx.ints
        var offsets: [Int] = []
        for q in 0..<count {
            var o = 0
            for j in 0..<k {
                let d = data.shape[j], v = Int(ix[q * k + j])
                let i = v < 0 ? v + d : v
                guard i >= 0, i < d else { throw ctx.fail("index \(v) out of range for axis of \(d)") }
                o += i * strides[j]
            }
            offsets.append(o)
        }
        if data.isFloat {
            var out = data.floats
            let u = upd.floats
            for (q, o) in offsets.enumerated() {
                out.replaceSubrange(o ..< o + slice, with: u[q * slice ..< (q + 1) * slice])
            }
            return ONNXTensor(shape: data.shape, floats: out)
        }
        var out = data.ints
        let u = upd.ints
        for (q, o) in offsets.enumerated() {
            out.replaceSubrange(o ..< o + slice, with: u[q * slice ..< (q + 1) * slice])
        }
        return ONNXTensor(shape: data.shape, ints: out)
    }
}
