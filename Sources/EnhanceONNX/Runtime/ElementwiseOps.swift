import EnhanceTensor
import Foundation

/// Element-wise ops with NumPy broadcasting (ONNX's multidirectional broadcasting).
enum ElementwiseOps {
    /// The broadcast shape of `a` and `b`, nil when they do not broadcast.
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let n = max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let x = i < n - a.count ? 1 : a[i - (n - a.count)]
            let y = i < n - b.count ? 1 : b[i - (n - b.count)]
            guard x == y || x == 1 || y == 1 else { return nil }
            out[i] = x == 1 ? y : x
        }
        return out
    }

    /// For each element of a tensor of `shape`, the index of the element of a tensor of `from`
    /// (right-aligned, size-1 axes repeated) that broadcasts onto it.
    static func broadcastIndex(from: [Int], to shape: [Int]) -> (Int) -> Int {
        if from == shape { return { $0 } }
        let count = from.reduce(1, *)
        if count == 1 { return { _ in 0 } }
        let pad = [Int](repeating: 1, count: shape.count - from.count) + from
        let srcStrides = ONNXTensor.strides(pad).enumerated().map { pad[$0.offset] == 1 ? 0 : $0.element }
        let dstStrides = ONNXTensor.strides(shape)
        return { i in
            var r = i, s = 0
            for d in 0..<shape.count {
                let q = r / dstStrides[d]
                r -= q * dstStrides[d]
                s += q * srcStrides[d]
            }
            return s
        }
    }

    /// `op(a, b)` over floats with broadcasting; `[1, C, H, W] ⊕ [1, C, 1, 1]`, scalars and equal
    /// shapes of add, sub and mul take EnhanceTensor's vector ops; every other broadcast runs as a
    /// ``BroadcastLoop`` over the pool (`fast` ops as plain loops, others through `op`).
    static func binary(_ a: ONNXTensor, _ b: ONNXTensor, _ ctx: OpContext, fast: ArithmeticOp?,
                       _ op: (Float, Float) -> Float) throws -> ONNXTensor {
        guard let shape = broadcastShape(a.shape, b.shape) else {
            throw ctx.fail("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        try ctx.check(shape)
        let x = a.floats, y = b.floats
        let n = shape.reduce(1, *)
        let vector: BinaryOp? = switch fast {
        case .add?: .add
        case .sub?: .sub
        case .mul?: .mul
        default: nil
        }
        if let vector, shape == a.shape, n >= 64 {
            let ta = flat(x)
            if b.shape == a.shape {
                let tb = Tensor(channels: ta.channels, height: 1, width: ta.width, data: y)
                return ONNXTensor(shape: shape, floats: EnhanceTensor.binary(ta, tb, vector, pool: ctx.pool).data)
            }
            if y.count == 1 {
                let r = EnhanceTensor.binary(ta, scalar: y[0], vector, pool: ctx.pool)
                return ONNXTensor(shape: shape, floats: r.data)
            }
            if let t = a.chw, a.shape.count == 4, b.count == t.channels, Fusion.isPerChannel(b.shape, t.channels) {
                let r = EnhanceTensor.binary(t, perChannel: y, vector, pool: ctx.pool)
                return ONNXTensor(shape: shape, floats: r.data)
            }
        }
        if n == 0 { return ONNXTensor(shape: shape, floats: []) }
        let loop = BroadcastLoop(shape: shape, a: a.shape, b: b.shape)
        return x.withUnsafeBufferPointer { px in
            y.withUnsafeBufferPointer { py in
                ONNXTensor.makeFloat(shape) { out in
                    loop.run(px.baseAddress!, py.baseAddress!, out.baseAddress!, op: fast, pool: ctx.pool, op)
                }
            }
        }
    }

    /// `op(a, b)` over integers (shape arithmetic), with broadcasting.
    static func binaryInt(_ a: ONNXTensor, _ b: ONNXTensor, _ ctx: OpContext,
                          _ op: (Int64, Int64) -> Int64) throws -> ONNXTensor {
        guard let shape = broadcastShape(a.shape, b.shape) else {
            throw ctx.fail("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        try ctx.check(shape)
        let x = a.ints, y = b.ints
        let ia = broadcastIndex(from: a.shape, to: shape), ib = broadcastIndex(from: b.shape, to: shape)
        return ONNXTensor(shape: shape, ints: (0..<shape.reduce(1, *)).map { op(x[ia($0)], y[ib($0)]) })
    }

    /// An arithmetic op: integer when both inputs are, else float.
    static func arithmetic(_ inputs: [ONNXTensor?], _ ctx: OpContext, fast: ArithmeticOp?,
                           float: (Float, Float) -> Float, int: (Int64, Int64) -> Int64) throws -> ONNXTensor {
        let a = try ctx.input(inputs, 0), b = try ctx.input(inputs, 1)
        if !a.isFloat && !b.isFloat { return try binaryInt(a, b, ctx, int) }
        return try binary(a, b, ctx, fast: fast, float)
    }

    /// A comparison: a bool (0/1 integer) tensor.
    static func compare(_ inputs: [ONNXTensor?], _ ctx: OpContext, _ op: (Double, Double) -> Bool) throws
        -> ONNXTensor {
        let a = try ctx.input(inputs, 0), b = try ctx.input(inputs, 1)
        guard let shape = broadcastShape(a.shape, b.shape) else {
            throw ctx.fail("shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        try ctx.check(shape)
        func doubles(_ t: ONNXTensor) -> [Double] {
            switch t.values {
            case .float(let v): v.map(Double.init)
            case .int(let v): v.map(Double.init)
            }
        }
        let x = doubles(a), y = doubles(b)
        let ia = broadcastIndex(from: a.shape, to: shape), ib = broadcastIndex(from: b.shape, to: shape)
        var out = ONNXTensor(shape: shape, ints: (0..<shape.reduce(1, *)).map { op(x[ia($0)], y[ib($0)]) ? 1 : 0 })
        out.storedType = "bool"
        return out
    }

    /// `Where(cond, x, y)` with broadcasting over the three.
    static func select(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let c = try ctx.input(inputs, 0), x = try ctx.input(inputs, 1), y = try ctx.input(inputs, 2)
        guard let s1 = broadcastShape(c.shape, x.shape), let shape = broadcastShape(s1, y.shape) else {
            throw ctx.fail("shapes \(c.shape), \(x.shape) and \(y.shape) do not broadcast")
        }
        try ctx.check(shape)
        let ic = broadcastIndex(from: c.shape, to: shape), ix = broadcastIndex(from: x.shape, to: shape)
        let iy = broadcastIndex(from: y.shape, to: shape), cond = c.ints, n = shape.reduce(1, *)
        if !x.isFloat && !y.isFloat {
            let a = x.ints, b = y.ints
            return ONNXTensor(shape: shape, ints: (0..<n).map { cond[ic($0)] != 0 ? a[ix($0)] : b[iy($0)] })
        }
        let a = x.floats, b = y.floats
        return ONNXTensor(shape: shape, floats: (0..<n).map { cond[ic($0)] != 0 ? a[ix($0)] : b[iy($0)] })
    }

    /// A unary float op (integers pass through `int` when given).
    static func unary(_ inputs: [ONNXTensor?], _ ctx: OpContext, int: ((Int64) -> Int64)? = nil,
                      _ op: (Float) -> Float) throws -> ONNXTensor {
        let a = try ctx.input(inputs, 0)
        if !a.isFloat, let int { return ONNXTensor(shape: a.shape, ints: a.ints.map(int)) }
        let x = a.floats
        return x.withUnsafeBufferPointer { px in
            ONNXTensor.makeFloat(a.shape) { out in
                // Chunks of 16K elements over the pool (one for a small tensor: no hand-off).
                let n = px.count, per = 1 << 14, chunks = (n + per - 1) / per
                func work(_ c: Int) { for i in (c * per)..<min(n, (c + 1) * per) { out[i] = op(px[i]) } }
                if chunks <= 1 { work(0) } else { ctx.pool.parallelFor(chunks, work) }
            }
        }
    }

    /// A unary float op on 16-float vectors (`Erf` through ``VectorMath``), chunks over the pool.
    static func vectorUnary(_ inputs: [ONNXTensor?], _ ctx: OpContext,
                            _ op: (SIMD16<Float>) -> SIMD16<Float>) throws -> ONNXTensor {
        let a = try ctx.input(inputs, 0), x = a.floats
        return x.withUnsafeBufferPointer { px in
            ONNXTensor.makeFloat(a.shape) { out in
                let n = px.count, per = 1 << 14, chunks = (n + per - 1) / per
                func work(_ c: Int) {
                    var i = c * per
                    let end = min(n, (c + 1) * per)
                    while i + 16 <= end {
                        let v = UnsafeRawPointer(px.baseAddress! + i).loadUnaligned(as: SIMD16<Float>.self)
                        UnsafeMutableRawPointer(out.baseAddress! + i).storeBytes(of: op(v), as: SIMD16<Float>.self)
                        i += 16
                    }
                    if i < end {
                        var v = SIMD16<Float>()
                        for l in 0..<(end - i) { v[l] = px[i + l] }
                        let y = op(v)
                        for l in 0..<(end - i) { out[i + l] = y[l] }
                    }
                }
                if chunks <= 1 { work(0) } else { ctx.pool.parallelFor(chunks, work) }
            }
        }
    }

    /// A fused activation on a float tensor (EnhanceTensor's vector code).
    static func activation(_ inputs: [ONNXTensor?], _ ctx: OpContext, _ act: Activation) throws -> ONNXTensor {
        let a = try ctx.input(inputs, 0)
        var t = flat(a.floats)
        if case .prelu = act { t = Tensor(channels: 1, height: 1, width: a.count, data: a.floats) }
        return ONNXTensor(shape: a.shape, floats: activate(t, act, pool: ctx.pool).data)
    }

    /// `data` as a CHW tensor of planes of about 16K floats where its count allows, so that
    /// EnhanceTensor's element-wise ops (which split work by planes) spread it over the pool.
    static func flat(_ data: [Float]) -> Tensor {
        let n = data.count, target = max(1, n / (1 << 14))
        let c = (target...max(target, min(n, 4 * target))).first { n % $0 == 0 } ?? 1
        return Tensor(channels: c, height: 1, width: n / c, data: data)
    }

    /// `PRelu(x, slope)`: per-channel slopes through EnhanceTensor, other broadcasts generically.
    static func prelu(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let x = try ctx.input(inputs, 0), s = try ctx.input(inputs, 1)
        if let t = x.chw, x.shape.count == 4, Fusion.isPerChannel(s.shape, t.channels) {
            return ONNXTensor(shape: x.shape, floats: activate(t, .prelu(s.floats), pool: ctx.pool).data)
        }
        return try binary(x, s, ctx, fast: nil) { v, a in v < 0 ? v * a : v }
    }
}
