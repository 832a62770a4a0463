import EnhanceCheckpoints
import EnhanceTensor

/// A chain of nodes matched at load and run as one op: the nodes in graph order (the last, the
/// *anchor*, is where it runs and whose outputs it writes; the others do not run), and the values
/// it reads that the graph computes per call.
///
/// Every intermediate value of the chain has a single reader inside it and is no graph output, so
/// nothing else sees the values that are not computed. When the shapes met at run time are not
/// the ones the fast op handles (``outputShape(_:)`` is nil), the chain's nodes run one by one.
protocol GraphFusion: Sendable {
    /// The chain's nodes in graph order; the last is the anchor.
    var nodes: [Int] { get }
    /// The per-call values the fused op reads, in the order ``run(_:_:)`` takes them.
    var inputs: [String] { get }
    /// The shape of the fused op's output for these inputs, nil when it does not handle them.
    func outputShape(_ inputs: [ONNXTensor]) -> [Int]?
    /// The chain's output for inputs whose ``outputShape(_:)`` is not nil.
    func run(_ inputs: [ONNXTensor], _ ctx: OpContext) throws -> ONNXTensor
    /// The multiply-accumulates of the chain's products on these inputs.
    func macs(_ inputs: [ONNXTensor]) -> Double
}

/// Matching of the ``GraphFusion`` patterns.
enum GraphFusions {
    /// The fused chains among `candidates` (nodes computed per call), by anchor: MatMul by a
    /// constant matrix (with its bias, activation and residual Adds) as a ``FusedLinear``, and
    /// scaled-dot-product attention as a ``FusedAttention``. Chains never share nodes.
    static func match(_ model: ONNXModel, candidates: [Int],
                      constants: [String: ONNXTensor]) -> [Int: any GraphFusion] {
        let graph = Readers(model)
        var producer: [String: Int] = [:]
        for (i, n) in model.nodes.enumerated() { for o in n.outputs where !o.isEmpty { producer[o] = i } }
        var out: [Int: any GraphFusion] = [:]
        var taken = Set<Int>()
        func claim(_ f: (any GraphFusion)?) {
            guard let f, let anchor = f.nodes.last, taken.isDisjoint(with: f.nodes) else { return }
            taken.formUnion(f.nodes)
            out[anchor] = f
        }
        for i in candidates { claim(FusedAttention.match(i, graph, producer, constants)) }
        for i in candidates { claim(FusedLinear.match(i, graph, constants)) }
        return out
    }
}

extension ONNXProgram {
    /// Runs `chain`'s nodes one by one (a fused chain whose fast op does not take its inputs),
    /// reading the values from outside the chain with `value`; returns the anchor's first output.
    func runUnfused(_ chain: [Int], pool: ThreadPool, value: (String) -> ONNXTensor?) throws -> ONNXTensor {
        var local: [String: ONNXTensor] = [:]
        var last: ONNXTensor?
        for i in chain {
            let n = model.nodes[i]
            let ctx = OpContext(node: n, opset: model.opset, file: model.path, pool: pool, maxElements: maxElements)
            let ins = n.inputs.map { $0.isEmpty ? nil : local[$0] ?? value($0) }
            let outs = try Self.kernel(n)(ins, ctx)
            for (name, v) in zip(n.outputs, outs) { local[name] = v }
            last = outs.first
        }
        guard let last else { throw CheckpointError(file: model.path, "a fused chain made no output") }
        return last
    }
}
