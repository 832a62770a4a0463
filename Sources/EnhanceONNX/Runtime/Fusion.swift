import EnhanceTensor

/// A convolution's fused tail: the activation its epilogue computes, the nodes that then do not
/// run, and the node whose outputs the convolution writes.
struct FusedTail {
    let activation: Activation
    let skipped: [Int]
    let output: Int
}

/// Patterns of nodes matched at load to EnhanceTensor's fused ops.
enum Fusion {
    /// Each prepared convolution whose output feeds only an activation EnhanceTensor fuses into a
    /// convolution's epilogue: a single node (`Relu`, `LeakyRelu`, `PRelu` with per-channel
    /// constant slopes, `Sigmoid`, `Tanh`, `Mish`), SiLU as `x · Sigmoid(x)`, or GELU in PyTorch's
    /// erf form `x · (Erf(x / √2) + 1) · 0.5`. Values that are graph outputs are never fused away.
    static func tails(_ model: ONNXModel, convs: [Int: PreparedConv],
                      constants: [String: ONNXTensor]) -> [Int: FusedTail] {
        let graph = Readers(model)
        var fused: [Int: FusedTail] = [:]
        for (i, conv) in convs {
            guard let out = model.nodes[i].outputs.first else { continue }
            if let t = graph.tail(of: out, channels: conv.out, constants: constants) { fused[i] = t }
        }
        return fused
    }

    /// Nodes among `candidates` (single-output nodes computed per call) whose output feeds only a
    /// SiLU or erf-GELU subgraph: that activation runs as one vector pass on the node's output.
    static func activationTails(_ model: ONNXModel, candidates: [Int],
                                constants: [String: ONNXTensor]) -> [Int: FusedTail] {
        let graph = Readers(model)
        var tails: [Int: FusedTail] = [:]
        for i in candidates {
            guard model.nodes[i].outputs.count == 1,
                  let t = graph.tail(of: model.nodes[i].outputs[0], channels: 0, constants: constants),
                  t.skipped.count > 1 else { continue }
            tails[i] = t
        }
        return tails
    }

    /// The fusable activation node `a` is, for `channels` output channels.
    static func activation(_ a: ONNXNode, channels: Int, constants: [String: ONNXTensor]) -> Activation? {
        switch a.opType {
        case "Relu": return .relu
        case "Sigmoid": return .sigmoid
        case "Tanh": return .tanh
        case "Mish": return .mish
        case "LeakyRelu":
            if case .float(let v)? = a.attributes["alpha"] { return .leakyReLU(v) }
            return a.attributes["alpha"] == nil ? .leakyReLU(0.01) : nil
        case "PRelu":
            guard a.inputs.count == 2, let s = constants[a.inputs[1]], s.isFloat,
                  isPerChannel(s.shape, channels) else { return nil }
            return .prelu(s.floats)
        default: return nil
        }
    }

    /// Whether a tensor of `shape` broadcasts onto `[1, channels, H, W]` as one value per channel
    /// (`[C, 1, 1]`, `[1, C, 1, 1]`) or one value (`[1]`, `[]`).
    static func isPerChannel(_ shape: [Int], _ channels: Int) -> Bool {
        if shape.reduce(1, *) == 1 { return true }
        let s = shape.count == 4 && shape[0] == 1 ? Array(shape.dropFirst()) : shape
        return s.count == 3 && s[0] == channels && s[1] == 1 && s[2] == 1
    }
}

/// Who reads each value, for matching patterns.
struct Readers {
    let model: ONNXModel
    let readers: [String: [Int]]
    let outputs: Set<String>

    init(_ model: ONNXModel) {
        var r: [String: [Int]] = [:]
        for (i, n) in model.nodes.enumerated() {
            for name in Set(n.inputs) where !name.isEmpty { r[name, default: []].append(i) }
        }
        (self.model, readers, outputs) = (model, r, Set(model.outputs.map(\.name)))
    }

    /// The nodes reading `v`, when it is no graph output.
    func of(_ v: String) -> [ONNXNode.Index] {
        outputs.contains(v) ? [] : (readers[v] ?? []).map { ONNXNode.Index(i: $0, node: model.nodes[$0]) }
    }

    /// The single reader of `v` with op `op`, when it is the only one.
    func only(_ v: String, _ op: String) -> ONNXNode.Index? {
        let r = of(v)
        return r.count == 1 && r[0].node.opType == op && r[0].node.domain.isEmpty ? r[0] : nil
    }

    /// Whether `name` is a constant scalar within 1e-4 of `value`.
    func isScalar(_ name: String, _ value: Float, _ constants: [String: ONNXTensor]) -> Bool {
        guard let t = constants[name], t.count == 1 else { return false }
        return abs(t.floats[0] - value) <= 1e-4 * max(1, abs(value))
    }

    /// The activation subgraph reading value `v`, if it is one the convolution can fuse.
    func tail(of v: String, channels: Int, constants: [String: ONNXTensor]) -> FusedTail? {
        let r = of(v)
        if r.count == 1, r[0].node.inputs.first == v, r[0].node.domain.isEmpty,
           let act = Fusion.activation(r[0].node, channels: channels, constants: constants) {
            return FusedTail(activation: act, skipped: [r[0].i], output: r[0].i)
        }
        guard r.count == 2 else { return nil }
        // SiLU: Sigmoid(v) read only by Mul(v, ·).
        if let s = r.first(where: { $0.node.opType == "Sigmoid" }), let m = r.first(where: { $0.node.opType == "Mul" }),
           let sOut = s.node.outputs.first, only(sOut, "Mul")?.i == m.i, Set(m.node.inputs) == [v, sOut] {
            return FusedTail(activation: .silu, skipped: [s.i, m.i], output: m.i)
        }
        // GELU: Div(v, √2) → Erf → Add 1 → Mul(v, ·) → Mul 0.5.
        guard let d = r.first(where: { $0.node.opType == "Div" }), let m = r.first(where: { $0.node.opType == "Mul" }),
              d.node.inputs.count == 2, d.node.inputs[0] == v,
              isScalar(d.node.inputs[1], Float(2).squareRoot(), constants),
              let e = only(d.node.outputs[0], "Erf"), let a = only(e.node.outputs[0], "Add"),
              a.node.inputs.contains(e.node.outputs[0]),
              a.node.inputs.contains(where: { isScalar($0, 1, constants) }), only(a.node.outputs[0], "Mul")?.i == m.i,
              Set(m.node.inputs) == [v, a.node.outputs[0]], let h = only(m.node.outputs[0], "Mul"),
              h.node.inputs.contains(where: { isScalar($0, 0.5, constants) }) else { return nil }
        return FusedTail(activation: .gelu, skipped: [d.i, e.i, a.i, m.i, h.i], output: h.i)
    }
}

extension ONNXNode {
    /// A node with its index in the model.
    struct Index {
        let i: Int
        let node: ONNXNode
    }
}
