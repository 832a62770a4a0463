import EnhanceCheckpoints
import EnhanceSync
import EnhanceTensor

/// An ONNX graph ready to run on EnhanceTensor's ops: checked, ordered, its constant subgraphs
/// folded and its convolutions prepared once at load.
///
/// Each node is one of three kinds. **Constant** nodes read only initializers and constants: they
/// run once, here. **Sized** nodes depend on the input only through its shape (`Shape`, and the
/// `Gather`/`Concat`/`Reshape` arithmetic after it): they run once per input size, and their
/// values are cached per size, so each tile size folds its shape subgraphs once. The rest run on
/// every call. A `Conv` whose output feeds only an activation (`Relu`, `LeakyRelu`, `PRelu`,
/// `Sigmoid`, `Tanh`, …) runs with that activation fused into its epilogue.
///
/// Inputs and outputs are CHW ``Tensor``s: `[3, H, W]` in, the graph's `[1, C, H′, W′]` output
/// out as `[C, H′, W′]`. Safe to call from several threads (each with its own pool).
public final class ONNXProgram: @unchecked Sendable {
    /// The parsed file.
    public let model: ONNXModel
    let order: [Int]
    let kinds: [NodeKind]
    /// Folded constants (initializers included).
    let constants: [String: ONNXTensor]
    /// Prepared convolutions by node index.
    let convs: [Int: PreparedConv]
    /// Convolutions' fused activations by node index.
    let fused: [Int: FusedTail]
    /// Decomposed layer norms by the index of their first node.
    let norms: [Int: FusedNorm]
    /// Chains run as one op (``GraphFusion``) by the index of their last node.
    let fusions: [Int: any GraphFusion]
    /// The nodes of ``fusions`` that do not run.
    let fusedAway: Set<Int>
    /// For each value computed per call, the position in ``order`` of its last reader.
    let lastUse: [String: Int]
    /// The most elements any value may have: an op that would make a larger one throws before
    /// allocating it (a graph's shapes can ask for anything).
    public let maxElements: Int
    private let sized = Locked<[SizeKey: [String: ONNXTensor]]>([:])

    enum NodeKind { case constant, sized, dynamic }

    struct SizeKey: Hashable {
        let height: Int, width: Int
    }

    /// Checks every node (an op Enhance does not run is refused naming the op, the node and the
    /// opset), orders the graph, decodes the initializers still in the file
    /// (``ONNXReader/scan(path:budget:)``), folds its constants and prepares its convolutions.
    ///
    /// With `probesOnly`, the weights and biases that only convolutions read are left in the file
    /// (the convolutions' geometry comes from their declared shapes): the program runs dry only
    /// (``probe(height:width:pool:)``; a real run throws), in memory bounded by the graph, not by
    /// its weights.
    public init(_ model: ONNXModel, pool: ThreadPool = ThreadPool(threads: 1), maxElements: Int = 1 << 30,
                probesOnly: Bool = false) throws {
        var model = model
        self.maxElements = maxElements
        let runs = Set(Self.supportedOps)
        for n in model.nodes where !(n.domain.isEmpty && runs.contains(n.opType)) {
            let domain = n.domain.isEmpty ? "" : " of domain \(n.domain)"
            throw CheckpointError(file: model.path, "node \(n.label) is \(n.opType)\(domain) (opset \(model.opset)), "
                                  + "an op Enhance does not run (its ONNX ops are listed in the README)")
        }
        order = try ONNXGraphOrder.order(model)
        var kind: [String: NodeKind] = [:]
        for name in model.initializerNames { kind[name] = .constant }
        kind[model.input.name] = .dynamic
        var kinds = [NodeKind](repeating: .dynamic, count: model.nodes.count)
        for i in order {
            let n = model.nodes[i]
            let ins = n.inputs.filter { !$0.isEmpty }.map { kind[$0] ?? .constant }
            var k: NodeKind = ins.contains(.dynamic) ? .dynamic : ins.contains(.sized) ? .sized : .constant
            if n.opType == "Shape" || n.opType == "Size" { k = ins.allSatisfy { $0 == .constant } ? .constant : .sized }
            kinds[i] = k
            for o in n.outputs { kind[o] = k }
        }
        self.kinds = kinds
        let shapesOnly = probesOnly ? Self.convParameters(model, kinds: kinds) : []
        try model.decode { !shapesOnly.contains($0) }
        self.model = model
        var values = model.initializers
        for i in order where kinds[i] == .constant {
            let ctx = OpContext(node: model.nodes[i], opset: model.opset, file: model.path, pool: pool,
                                maxElements: maxElements)
            let outs = try Self.kernel(model.nodes[i])(model.nodes[i].inputs.map { $0.isEmpty ? nil : values[$0] }, ctx)
            for (name, v) in zip(model.nodes[i].outputs, outs) { values[name] = v }
        }
        constants = values
        var convs: [Int: PreparedConv] = [:]
        let declared = Dictionary(model.declared.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func parameter(_ name: String) -> PreparedConv.Parameter? {
            if let v = values[name] { return PreparedConv.Parameter(v) }
            return shapesOnly.contains(name) ? declared[name].map(PreparedConv.Parameter.init) : nil
        }
        for (i, n) in model.nodes.enumerated() where Self.convOps.contains(n.opType) {
            guard n.inputs.count >= 2, let w = parameter(n.inputs[1]) else { continue }
            let hasBias = n.inputs.count > 2 && !n.inputs[2].isEmpty
            let b = hasBias ? parameter(n.inputs[2]) : nil
            if hasBias && b == nil { continue }
            let ctx = OpContext(node: n, opset: model.opset, file: model.path, pool: pool, maxElements: maxElements)
            convs[i] = try PreparedConv(ctx, weight: w, bias: b)
        }
        self.convs = convs
        let perCall = order.filter { kinds[$0] == .dynamic && convs[$0] == nil }
        fusions = GraphFusions.match(model, candidates: perCall, constants: values)
        let taken = Set(fusions.values.flatMap(\.nodes))
        fusedAway = Set(fusions.values.flatMap { $0.nodes.dropLast() })
        let others = perCall.filter { !taken.contains($0) }
        norms = NormFusion.match(model, candidates: others, constants: values)
            .filter { taken.isDisjoint(with: $0.value.skipped) }
        fused = Fusion.tails(model, convs: convs, constants: values)
            .merging(Fusion.activationTails(model, candidates: others, constants: values)) { a, _ in a }
            .filter { taken.isDisjoint(with: $0.value.skipped) }
        var last: [String: Int] = [:]
        for (p, i) in order.enumerated() where kinds[i] != .constant && !fusedAway.contains(i) {
            for name in fusions[i]?.inputs ?? model.nodes[i].inputs where !name.isEmpty && values[name] == nil {
                last[name] = p
            }
        }
        for o in model.outputs { last[o.name] = order.count }
        lastUse = last
    }

    static let convOps: Set<String> = ["Conv", "ConvTranspose"]

    /// The values read only as the weight or bias of convolutions that run per call.
    private static func convParameters(_ model: ONNXModel, kinds: [NodeKind]) -> Set<String> {
        var only = Set<String>(), elsewhere = Set(model.outputs.map(\.name))
        for (i, n) in model.nodes.enumerated() {
            let conv = convOps.contains(n.opType) && kinds[i] != .constant
            for (j, name) in n.inputs.enumerated() {
                if conv && j > 0 { only.insert(name) } else { elsewhere.insert(name) }
            }
        }
        return only.subtracting(elsewhere)
    }

    /// The input height and width when the graph declares both (a static export), else nil: such a
    /// graph's shape arithmetic was folded at export, so it runs only at that size.
    public var fixedSize: (height: Int, width: Int)? {
        let d = model.input.dims
        guard d.count == 4, let h = d[2], let w = d[3] else { return nil }
        return (h, w)
    }

    /// The op types a graph may use, sorted (what the README lists).
    public static var supportedOps: [String] { (OpTable.supported + convOps).sorted() }

    static func kernel(_ n: ONNXNode) -> OpKernel {
        if let k = OpTable.kernels[n.opType] { return k }
        return { inputs, ctx in  // a convolution whose weights are computed: prepared per call
            let w = try ctx.input(inputs, 1), b = inputs.count > 2 ? inputs[2] : nil
            return [try PreparedConv(ctx, weight: w, bias: b).run(try ctx.input(inputs, 0), act: .identity, ctx)]
        }
    }

    /// Runs the graph on CHW `x` `[C, H, W]`; returns the first output `[1, C′, H′, W′]` as CHW.
    public func run(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken? = nil) throws -> Tensor {
        try run(x, pool: pool, cancel: cancel, dry: false, trace: nil, free: nil)
    }

    /// ``run(_:pool:cancel:)``; with `dry`, convolutions make zeros of their output shape. `trace`
    /// is called after each node with its index, inputs (a fused chain's, at its last node) and outputs, `free`
    /// with the floats of
    /// each value released.
    func run(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken? = nil, dry: Bool,
             trace: ((Int, [ONNXTensor?], [ONNXTensor]) -> Void)?, free: ((Int) -> Void)?) throws -> Tensor {
        let key = SizeKey(height: x.height, width: x.width)
        let cached = sized.withLock { $0[key] }
        var values: [String: ONNXTensor] = [model.input.name: ONNXTensor(nchw: x)]
        var newSized: [String: ONNXTensor] = [:]
        var skip = Set<Int>()
        // A dry run's stand-ins for convolutions and products: zeros of one buffer per size (copied
        // on write, were an op to write in place), not a fresh allocation each.
        var zeroBuffers: [Int: [Float]] = [:]
        func zeros(_ shape: [Int]) -> ONNXTensor {
            let n = shape.reduce(1, *)
            if zeroBuffers[n] == nil { zeroBuffers[n] = [Float](repeating: 0, count: n) }
            return ONNXTensor(shape: shape, floats: zeroBuffers[n]!)
        }
        for (p, i) in order.enumerated() {
            let n = model.nodes[i]
            defer {
                for name in (fusions[i]?.inputs ?? []) + n.inputs where lastUse[name] == p {
                    if let v = values.removeValue(forKey: name) { free?(v.count) }
                }
            }
            if kinds[i] == .constant || skip.contains(i) || fusedAway.contains(i) { continue }
            if kinds[i] == .sized, cached != nil { continue }
            try cancel?.check()
            let ctx = OpContext(node: n, opset: model.opset, file: model.path, pool: pool, maxElements: maxElements)
            func value(_ name: String) -> ONNXTensor? {
                values[name] ?? cached?[name] ?? newSized[name] ?? constants[name]
            }
            let inputs = n.inputs.map { $0.isEmpty ? nil : value($0) }
            var outs: [ONNXTensor]
            var names = n.outputs, traced = inputs
            if let f = fusions[i] {
                let ins = try f.inputs.map { name in try value(name) ?? { throw ctx.fail("no value '\(name)'") }() }
                traced = ins
                if let shape = f.outputShape(ins) {
                    try ctx.check(shape)
                    outs = [dry ? zeros(shape) : try f.run(ins, ctx)]
                } else {
                    outs = [try runUnfused(f.nodes, pool: pool, value: value)]
                }
            } else if let norm = norms[i] {
                outs = [try NormFusion.normalize(try ctx.input(inputs, 0), axis: norm.axis, eps: norm.eps, ctx)]
                skip.formUnion(norm.skipped)
                names = model.nodes[norm.output].outputs
            } else if let conv = convs[i] {
                let tail = fused[i]
                let input = try ctx.input(inputs, 0)
                if dry {
                    guard let shape = conv.outputShape(input.shape) else { throw ctx.fail("input \(input.shape)") }
                    outs = [zeros(shape)]
                } else {
                    outs = [try conv.run(input, act: tail?.activation ?? .identity, ctx)]
                }
                if let tail {
                    skip.formUnion(tail.skipped)
                    names = model.nodes[tail.output].outputs
                }
            } else if dry, n.opType == "MatMul", let shape = MathOps.matMulShape(try ctx.input(inputs, 0).shape,
                                                                               try ctx.input(inputs, 1).shape) {
                outs = [zeros(shape)]
            } else if dry, names.count == 1, let shape = try DryShapes.shape(n.opType, inputs, ctx) {
                outs = [zeros(shape)]
                if let tail = fused[i] {  // an activation: the shape stays
                    skip.formUnion(tail.skipped)
                    names = model.nodes[tail.output].outputs
                }
            } else {
                outs = try Self.kernel(n)(inputs, ctx)
                if let tail = fused[i], !outs.isEmpty {
                    outs[0] = try ElementwiseOps.activation([outs[0]], ctx, tail.activation)
                    skip.formUnion(tail.skipped)
                    names = model.nodes[tail.output].outputs
                }
            }
            guard outs.count >= names.filter({ !$0.isEmpty }).count || outs.count == names.count else {
                throw ctx.fail("made \(outs.count) outputs for \(names.count)")
            }
            trace?(i, traced, outs)
            for (name, v) in zip(names, outs) where !name.isEmpty {
                if kinds[i] == .sized { newSized[name] = v } else { values[name] = v }
            }
        }
        if cached == nil, !newSized.isEmpty { sized.withLock { $0[key] = newSized } }
        let name = model.outputs[0].name
        guard let y = values[name] ?? newSized[name] ?? cached?[name] ?? constants[name], let t = y.chw,
              y.shape.count == 4 else {
            throw CheckpointError(file: model.path, "the output '\(name)' is not a float [1, C, H, W] image")
        }
        return t
    }
}
