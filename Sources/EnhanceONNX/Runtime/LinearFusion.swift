import EnhanceTensor

/// `MatMul(x, W)` with a constant `W` `[K, N]`, then optionally `Add` of a constant bias `[N]`, a
/// fusable activation (``Readers/tail(of:channels:constants:)``, PReLU excepted) and an `Add` of
/// a per-call residual, run as EnhanceTensor's ``Linear`` (weights packed once, at load) on `x`
/// `[…, K]` as `rows × K` → `[…, N]`.
struct FusedLinear: GraphFusion {
    let nodes: [Int]
    /// `[x]`, or `[x, residual]`.
    let inputs: [String]
    let linear: Linear
    let activation: Activation

    func outputShape(_ inputs: [ONNXTensor]) -> [Int]? {
        let x = inputs[0]
        guard x.isFloat, x.count > 0, x.shape.last == linear.inFeatures else { return nil }
        let shape = Array(x.shape.dropLast()) + [linear.outFeatures]
        if inputs.count > 1 { guard inputs[1].isFloat, inputs[1].shape == shape else { return nil } }
        return shape
    }

    func macs(_ inputs: [ONNXTensor]) -> Double {
        Double(inputs.first?.count ?? 0) * Double(linear.outFeatures)
    }

    func run(_ inputs: [ONNXTensor], _ ctx: OpContext) throws -> ONNXTensor {
        let x = inputs[0], k = linear.inFeatures
        let residual = inputs.count > 1 ? Matrix(rows: x.count / k, columns: linear.outFeatures,
                                                  data: inputs[1].floats) : nil
        let y = linear(Matrix(rows: x.count / k, columns: k, data: x.floats), activation: activation,
                       residual: residual, pool: ctx.pool)
        return ONNXTensor(shape: Array(x.shape.dropLast()) + [linear.outFeatures], floats: y.data)
    }

    /// The chain starting at node `i`, when it is a `MatMul` by a constant float matrix.
    static func match(_ i: Int, _ graph: Readers, _ constants: [String: ONNXTensor]) -> FusedLinear? {
        let mm = graph.model.nodes[i]
        guard mm.opType == "MatMul", mm.domain.isEmpty, mm.inputs.count == 2, mm.outputs.count == 1,
              constants[mm.inputs[0]] == nil, let w = constants[mm.inputs[1]], w.isFloat, w.shape.count == 2,
              w.shape[0] > 0, w.shape[1] > 0 else { return nil }
        let (k, n) = (w.shape[0], w.shape[1])
        var nodes = [i], out = mm.outputs[0], inputs = [mm.inputs[0]]
        var bias: [Float]?, activation = Activation.identity
        if let a = graph.only(out, "Add"), let other = otherInput(a.node, out),
           let b = constants[other], b.isFloat, b.shape == [n] {
            bias = b.floats
            (nodes, out) = (nodes + [a.i], a.node.outputs[0])
        }
        if let t = graph.tail(of: out, channels: 0, constants: constants), !isPReLU(t.activation) {
            activation = t.activation
            (nodes, out) = (nodes + t.skipped, graph.model.nodes[t.output].outputs[0])
        }
        if let r = graph.only(out, "Add"), let other = otherInput(r.node, out), constants[other] == nil {
            (nodes, inputs) = (nodes + [r.i], inputs + [other])
        }
        var weight = [Float](repeating: 0, count: k * n)  // [K, N] → Linear's [out, in]
        w.floats.withUnsafeBufferPointer { src in
            for r in 0..<k { for c in 0..<n { weight[c * k + r] = src[r * n + c] } }
        }
        return FusedLinear(nodes: nodes, inputs: inputs,
                           linear: Linear(weight: weight, bias: bias, inFeatures: k, outFeatures: n),
                           activation: activation)
    }

    /// The other input of a two-input node reading `v` once, nil otherwise.
    static func otherInput(_ n: ONNXNode, _ v: String) -> String? {
        guard n.inputs.count == 2, n.outputs.count == 1, n.inputs.filter({ $0 == v }).count == 1 else { return nil }
        let other = n.inputs[0] == v ? n.inputs[1] : n.inputs[0]
        return other.isEmpty ? nil : other
    }

    private static func isPReLU(_ a: Activation) -> Bool {
        if case .prelu = a { return true }
        return false
    }
}
