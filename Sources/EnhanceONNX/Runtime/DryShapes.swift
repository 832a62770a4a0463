/// What a dry run (``ONNXProgram``'s probes: shapes, not values) makes of element-wise, pooling,
/// transposing and gathering ops on image-sized float tensors:
/// zeros of the result's shape instead of the values, which no shape depends
/// on (shape arithmetic starts from `Shape` nodes and small integer tensors). RealPLKSR's 128² export
/// spent 0.9 s of a 1 s `models inspect` computing Softplus, Tanh and InstanceNormalization in its
/// dry passes.
enum DryShapes {
    /// Ops whose result has their first input's shape.
    static let shapePreserving: Set<String> = [
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Mish", "Softplus", "Erf", "Exp", "Log", "Abs", "Neg", "Sqrt",
        "Reciprocal", "Elu", "Selu", "HardSigmoid", "HardSwish", "Gelu", "Softmax", "Clip",
        "InstanceNormalization", "LayerNormalization", "PRelu",
    ]
    /// Two-input ops whose result has the inputs' broadcast shape.
    static let broadcasting: Set<String> = ["Add", "Sub", "Mul", "Div", "Pow", "Max", "Min"]
    /// Below this many elements (of the result; of the input for global pools) the op runs: scalars
    /// and small tensors may be read as values.
    static let minElements = 4096

    /// The result's shape when `op` on `inputs` may be skipped in a dry run, else nil (the op then
    /// runs, and reports what is wrong with its inputs). Float inputs only, but for `Gather`'s
    /// indices, which are checked against the axis as the op would.
    static func shape(_ op: String, _ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> [Int]? {
        guard let first = inputs.first ?? nil, first.isFloat,
              let shape = try result(op, first, inputs, ctx), shape.reduce(1, *) >= minElements else { return nil }
        return shape
    }

    private static func result(_ op: String, _ first: ONNXTensor, _ inputs: [ONNXTensor?],
                               _ ctx: OpContext) throws -> [Int]? {
        let floats = inputs.allSatisfy { $0?.isFloat ?? true }, r = first.shape.count
        switch op {
        case _ where shapePreserving.contains(op) && floats:
            return first.shape
        case _ where broadcasting.contains(op) && floats && inputs.count == 2:
            return inputs[1].flatMap { ElementwiseOps.broadcastShape(first.shape, $0.shape) }
        case _ where (op == "GlobalAveragePool" || op == "GlobalMaxPool") && r >= 3 && first.count >= minElements:
            return Array(first.shape.prefix(2)) + Array(repeating: 1, count: r - 2)
        case "Transpose":
            let perm = try ctx.ints("perm") ?? Array((0..<r).reversed())
            guard perm.sorted() == Array(0..<r) else { return nil }
            return perm.map { first.shape[$0] }
        case "Gather":
            guard inputs.count == 2, let indices = inputs[1], !indices.isFloat,
                  let values = ctx.intsInput(inputs, 1) else { return nil }
            let axis = try ctx.axis(try ctx.int("axis", 0), rank: r), n = first.shape[axis]
            guard values.allSatisfy({ (-n..<n).contains($0) }) else { return nil }
            return Array(first.shape[..<axis]) + indices.shape + Array(first.shape[(axis + 1)...])
        default:
            return nil
        }
    }
}
