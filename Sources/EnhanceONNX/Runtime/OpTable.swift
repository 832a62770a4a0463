import EnhanceTensor
import Foundation

/// One op implementation: outputs from the inputs (nil: an omitted optional input).
typealias OpKernel = @Sendable ([ONNXTensor?], OpContext) throws -> [ONNXTensor]

/// The ops EnhanceONNX runs (default `ai.onnx` domain), in one place: the README's list is this
/// table's keys, and a graph with any other op is refused at load.
enum OpTable {
    /// Supported op types, sorted.
    static var supported: [String] { kernels.keys.sorted() }

    static func one(_ f: @escaping @Sendable ([ONNXTensor?], OpContext) throws -> ONNXTensor) -> OpKernel {
        { try [f($0, $1)] }
    }

    static func float(_ f: @escaping @Sendable (Float) -> Float) -> OpKernel {
        one { try ElementwiseOps.unary($0, $1, f) }
    }

    static func act(_ a: Activation) -> OpKernel { one { try ElementwiseOps.activation($0, $1, a) } }

    static let kernels: [String: OpKernel] = {
        var k: [String: OpKernel] = [
            "Add": one { try ElementwiseOps.arithmetic($0, $1, fast: .add, float: +, int: &+) },
            "Sub": one { try ElementwiseOps.arithmetic($0, $1, fast: .sub, float: -, int: &-) },
            "Mul": one { try ElementwiseOps.arithmetic($0, $1, fast: .mul, float: *, int: &*) },
            "Div": one { try ElementwiseOps.arithmetic($0, $1, fast: .div, float: /, int: { a, b in
                b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
            }) },
            "Mod": one { try ElementwiseOps.arithmetic($0, $1, fast: nil, float: { fmodf($0, $1) },
                                                       int: { b, m in
                m == 0 ? 0 : (b.remainderReportingOverflow(dividingBy: m).partialValue &+ m)
                    .remainderReportingOverflow(dividingBy: m).partialValue
            }) },
            "Pow": one { i, c in
                let e = try c.input(i, 1)
                if e.count == 1, e.floats[0] == 2 { return try ElementwiseOps.unary(i, c) { $0 * $0 } }
                return try ElementwiseOps.binary(try c.input(i, 0), e, c, fast: nil) { powf($0, $1) }
            },
            "Max": variadic { try ElementwiseOps.arithmetic([$0, $1], $2, fast: nil, float: { max($0, $1) },
                                                            int: max) },
            "Min": variadic { try ElementwiseOps.arithmetic([$0, $1], $2, fast: nil, float: { min($0, $1) },
                                                            int: min) },
            "Sum": variadic { try ElementwiseOps.arithmetic([$0, $1], $2, fast: .add, float: +, int: &+) },
            "Equal": one { try ElementwiseOps.compare($0, $1, ==) },
            "Greater": one { try ElementwiseOps.compare($0, $1, >) },
            "GreaterOrEqual": one { try ElementwiseOps.compare($0, $1, >=) },
            "Less": one { try ElementwiseOps.compare($0, $1, <) },
            "LessOrEqual": one { try ElementwiseOps.compare($0, $1, <=) },
            "And": one { try ElementwiseOps.compare($0, $1) { $0 != 0 && $1 != 0 } },
            "Or": one { try ElementwiseOps.compare($0, $1) { $0 != 0 || $1 != 0 } },
            "Not": one { i, c in
                let x = try c.input(i, 0)
                return ONNXTensor(shape: x.shape, ints: x.ints.map { $0 == 0 ? 1 : 0 })
            },
            "Where": one { try ElementwiseOps.select($0, $1) },
            "Relu": act(.relu), "Sigmoid": act(.sigmoid), "Tanh": act(.tanh), "Mish": act(.mish),
            "LeakyRelu": one { try ElementwiseOps.activation($0, $1, .leakyReLU(try $1.float("alpha", 0.01))) },
            "PRelu": one { try ElementwiseOps.prelu($0, $1) },
            "Gelu": one { i, c in
                try ElementwiseOps.activation(i, c, try c.string("approximate", "none") == "tanh" ? .geluTanh : .gelu)
            },
            "Erf": one { try ElementwiseOps.vectorUnary($0, $1, VectorMath.erf) },
            "Exp": float { Foundation.exp($0) }, "Log": float { Foundation.log($0) },
            "Sqrt": float { $0.squareRoot() }, "Reciprocal": float { 1 / $0 },
            "Sin": float { Foundation.sin($0) }, "Cos": float { Foundation.cos($0) },
            "Floor": float { $0.rounded(.down) }, "Ceil": float { $0.rounded(.up) },
            "Round": float { $0.rounded(.toNearestOrEven) },
            "Softplus": float { $0 > 20 ? $0 : Foundation.log1p(Foundation.exp($0)) },
            "Abs": one { try ElementwiseOps.unary($0, $1, int: { $0 == .min ? .max : abs($0) }) { abs($0) } },
            "Neg": one { try ElementwiseOps.unary($0, $1, int: { 0 &- $0 }) { -$0 } },
            "Elu": one { i, c in
                let a = try c.float("alpha", 1)
                return try ElementwiseOps.unary(i, c) { $0 < 0 ? a * (Foundation.exp($0) - 1) : $0 }
            },
            "HardSigmoid": one { i, c in
                let (a, b) = (try c.float("alpha", 0.2), try c.float("beta", 0.5))
                return try ElementwiseOps.unary(i, c) { max(0, min(1, a * $0 + b)) }
            },
            "HardSwish": float { $0 * max(0, min(1, $0 / 6 + 0.5)) },
            "Clip": one { i, c in
                let lo = i.count > 1 ? i[1]?.floats.first ?? -.infinity : -.infinity
                let hi = i.count > 2 ? i[2]?.floats.first ?? .infinity : .infinity
                let (l, h) = (Int64(lo.isFinite ? lo : -9e18), Int64(hi.isFinite ? hi : 9e18))
                return try ElementwiseOps.unary(i, c, int: { Swift.max(l, Swift.min(h, $0)) }) { max(lo, min(hi, $0)) }
            },
            "Identity": one { try $1.input($0, 0) }, "Dropout": one { try $1.input($0, 0) },
            "Cast": one(cast),
            "Reshape": one { try ShapeOps.reshape($0, $1) },
            "Flatten": one { i, c in
                let x = try c.input(i, 0), a = try c.axis(try c.int("axis", 1), rank: x.shape.count + 1)
                return x.reshaped([x.shape[..<a].reduce(1, *), x.shape[a...].reduce(1, *)])
            },
            "Transpose": one { try ShapeOps.transpose(try $1.input($0, 0), perm: try $1.ints("perm"), $1) },
            "Concat": one { try ShapeOps.concat($0, $1) },
            "Split": { try ShapeOps.split($0, $1) },
            "Slice": one { i, c in
                let x = try c.input(i, 0)
                guard let s = c.intsInput(i, 1), let e = c.intsInput(i, 2) else { throw c.fail("no starts/ends") }
                return try ShapeOps.slice(x, starts: s, ends: e, axes: c.intsInput(i, 3), steps: c.intsInput(i, 4), c)
            },
            "Gather": one { try ShapeOps.gather($0, $1) },
            "Unsqueeze": one { i, c in
                try ShapeOps.unsqueeze(try c.input(i, 0), axes: c.intsInput(i, 1) ?? c.ints("axes") ?? [], c)
            },
            "Squeeze": one { i, c in
                try ShapeOps.squeeze(try c.input(i, 0), axes: c.intsInput(i, 1) ?? c.ints("axes"), c)
            },
            "Expand": one { i, c in try ShapeOps.expand(try c.input(i, 0), to: c.intsInput(i, 1) ?? [], c) },
            "Tile": one { i, c in try ShapeOps.tile(try c.input(i, 0), repeats: c.intsInput(i, 1) ?? [], c) },
            "Shape": one(shape), "Size": one { i, c in ONNXTensor(shape: [], ints: [Int64(try c.input(i, 0).count)]) },
            "Constant": one(constant), "ConstantOfShape": one(constantOfShape), "Range": one(range),
            "ScatterND": one(scatterND),
            "Pad": one { try SpatialOps.pad($0, $1) }, "Resize": one { try SpatialOps.resize($0, $1) },
            "DepthToSpace": one { try SpatialOps.depthToSpace($0, $1) },
            "SpaceToDepth": one { try SpatialOps.spaceToDepth($0, $1) },
            "Softmax": one { try MathOps.softmax($0, $1) },
            "LayerNormalization": { i, c in [try MathOps.layerNorm(i, c)] },
            "InstanceNormalization": one { try MathOps.channelNorm($0, $1) },
            "BatchNormalization": one { try MathOps.channelNorm($0, $1) },
            "MatMul": one { i, c in try MathOps.matMul(try c.input(i, 0), try c.input(i, 1), c) },
            "Gemm": one { try MathOps.gemm($0, $1) },
            "GlobalAveragePool": one { i, c in
                let x = try c.input(i, 0)
                let axes = Array(2..<max(2, x.shape.count)).map { Int64($0) }
                let mean = ONNXNode(name: c.node.name, opType: "ReduceMean", inputs: [], outputs: [],
                                    attributes: ["axes": .ints(axes)])
                let ctx = OpContext(node: mean, opset: 13, file: c.file, pool: c.pool, maxElements: c.maxElements)
                return try MathOps.reduce([x], ctx)
            },
        ]
        for r in ["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceSumSquare", "ReduceL2"] {
            k[r] = one { try MathOps.reduce($0, $1) }
        }
        return k
    }()
}
