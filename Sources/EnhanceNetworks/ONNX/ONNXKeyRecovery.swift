import EnhanceCheckpoints
import EnhanceONNX

/// A checkpoint read back from an ONNX graph's structure (``ONNXKeyRecovery/recover(_:)``): the
/// PyTorch keys and layouts its parameters had, as far as the graph tells them.
struct ONNXRecovered {
    /// The parameters whose key was told, in PyTorch's layouts (a `Linear` weight `[out, in]`, a
    /// PReLU's or an affine norm's vector `[C]`, a conv weight OIHW), in order of first use.
    var weights = StateDict()
    /// Parameters whose key could not be told (no module scope, no named sibling), in PyTorch's
    /// layouts, in order of first use: ``NetworkRegistry/fitExport(_:unkeyed:optional:source:)`` places them by
    /// position.
    var unkeyed: [WeightTensor] = []
    /// Keys that may not be parameters at all (from a node scope for a `Mul`/`Add` constant, a
    /// derived index): a family that does not declare them leaves them out. Every other key must be
    /// the family's.
    var optional = Set<String>()
    /// Keys taken from the initializers' own names, from the node's module scope, from a named
    /// initializer of the same layer, and derived (a Swin position-bias table and its index).
    var byName = 0, byScope = 0, bySibling = 0, derived = 0
}

/// Recovers checkpoint keys from an ONNX graph's wiring, for files whose exporter renamed the
/// weights (`onnx::MatMul_1234`, `onnx::W_7`, …).
///
/// The graph's nodes are walked in execution order; each float initializer (or `Constant` value),
/// followed through `Identity`, `Cast`, `Reshape`, `Squeeze`, `Unsqueeze`, `Flatten` and a 2-D
/// `Transpose`, is a parameter of each layer that reads it (PyTorch leaf names and layouts):
///
/// - `Conv`, `ConvTranspose`: `weight` (OIHW, as stored), `bias`;
/// - `MatMul` by a constant `[in, out]`: a `Linear`, `weight` transposed back to `[out, in]`, and
///   the constant `[out]` of the `Add` that alone reads the product, `bias`;
/// - `Gemm`: `weight` `[out, in]` (transposed when `transB` is 0), `C` as `bias`;
/// - `LayerNormalization`, `InstanceNormalization` (unless ones and zeros: a GroupNorm's export),
///   `BatchNormalization`: `weight`, `bias` (`running_mean`, `running_var`), `[C]`;
/// - `PRelu`: `weight` `[C]`;
/// - `Mul` / `Add` by a constant of more than one value: `weight` / `bias` `[C]` (an affine norm
///   the exporter decomposed);
/// - `Add` of a constant `[1, heads, w², w²]` that is a Swin window attention's position-bias table
///   gathered (``swinTable(_:)``): `relative_position_bias_table` `[(2w − 1)², heads]` and
///   `relative_position_index`.
///
/// The layer's key prefix is, in this order of preference: the initializer's own name when it is
/// a key (`body.0.weight`), the prefix of a named initializer of the same layer (a `Linear`'s
/// bias keeps its name when its weight is folded), or the module path in the node's name
/// (PyTorch's exporter names nodes by scope, `/layers.0/residual_group/blocks.0/attn/qkv/MatMul`
/// is module `layers.0.residual_group.blocks.0.attn.qkv`). A parameter without any goes to
/// ``ONNXRecovered/unkeyed``. Constants that no such layer reads (means, scales, masks, shapes)
/// are not parameters.
enum ONNXKeyRecovery {
    static func recover(_ m: ONNXModel) -> ONNXRecovered {
        var walk = Walk(m)
        let order = (try? ONNXGraphOrder.order(m)) ?? Array(m.nodes.indices)
        for i in order { walk.visit(m.nodes[i], index: i) }
        for i in order { walk.site(m.nodes[i], index: i) }
        return walk.result
    }

    /// The module path in a node name of PyTorch's exporter: the scopes between slashes, a child of
    /// a `Sequential` or `ModuleList` (`body.0` under `body`) replacing its parent's segment; nil
    /// for names without scopes and for ops of the top-level module.
    static func modulePath(_ nodeName: String) -> String? {
        guard nodeName.hasPrefix("/") else { return nil }
        var parts = nodeName.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard parts.count >= 2 else { return nil }
        parts.removeLast()
        var path: [String] = []
        for p in parts {
            if let last = path.last, p.hasPrefix(last + ".") { path[path.count - 1] = p } else { path.append(p) }
        }
        let joined = path.joined(separator: ".")
        return joined.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." } ? joined : nil
    }

    /// Whether an initializer's name is a checkpoint key (`conv_first.weight`), not an exporter's
    /// (`onnx::Conv_12`, `123`, `W_4`).
    static func isKey(_ name: String) -> Bool {
        guard !name.hasPrefix("onnx::"), let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        let leaf = name[name.index(after: dot)...]
        return !leaf.isEmpty && leaf.allSatisfy { $0.isLetter || $0 == "_" }
            && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
    }
}

/// One pass over the graph (``ONNXKeyRecovery/recover(_:)``).
private struct Walk {
    let model: ONNXModel
    /// Float constants by value name: initializers and `Constant` outputs.
    var constants: [String: ONNXTensor] = [:]
    /// Values that are a constant passed through shape-only ops: its name, and whether transposed.
    var alias: [String: (root: String, transposed: Bool)] = [:]
    /// Readers of each value, in execution order.
    var readers: [String: [Int]] = [:]
    /// The keys given so far.
    var taken = Set<String>()
    /// Nodes whose constant is another layer's parameter (the `Add` of a `Linear`'s bias).
    var handled = Set<Int>()
    var result = ONNXRecovered()

    init(_ m: ONNXModel) {
        model = m
        for (name, t) in m.initializers where t.isFloat { constants[name] = t }
        for n in m.nodes where n.opType == "Constant" && n.outputs.count == 1 {
            if case .tensor(let t)? = n.attributes["value"], t.isFloat { constants[n.outputs[0]] = t }
        }
    }

    func root(_ name: String) -> (root: String, transposed: Bool)? {
        constants[name] != nil ? (name, false) : alias[name]
    }

    /// Records readers and follows constants through shape-only ops.
    mutating func visit(_ n: ONNXNode, index: Int) {
        for name in n.inputs where !name.isEmpty { readers[name, default: []].append(index) }
        guard let out = n.outputs.first, let first = n.inputs.first, let r = root(first) else { return }
        switch n.opType {
        case "Identity", "Cast", "Reshape", "Squeeze", "Unsqueeze", "Flatten":
            alias[out] = r
        case "Transpose":
            let rank = constants[r.root]!.shape.count
            if rank == 2, n.attributes["perm"].map({ $0 == .ints([1, 0]) }) ?? true {
                alias[out] = (r.root, !r.transposed)
            }
        default: break
        }
    }

    /// The parameters of the layer node `n` is, if it is one.
    mutating func site(_ n: ONNXNode, index: Int) {
        func input(_ i: Int) -> (root: String, transposed: Bool)? {
            i < n.inputs.count && !n.inputs[i].isEmpty ? root(n.inputs[i]) : nil
        }
        var params: [(root: String, leaf: String, tensor: WeightTensor)] = []
        func add(_ i: Int, _ leaf: String, _ make: (ONNXTensor, Bool) -> WeightTensor? = { t, _ in Walk.plain(t) }) {
            guard let r = input(i), let t = make(constants[r.root]!, r.transposed) else { return }
            params.append((r.root, leaf, t))
        }
        switch n.opType {
        case "Conv", "ConvTranspose":
            guard input(0) == nil else { return }
            add(1, "weight")
            add(2, "bias")
        case "MatMul":
            guard input(0) == nil, let r = input(1), constants[r.root]!.shape.count == 2 else { return }
            let t = constants[r.root]!
            // x·W with W [in, out] is a Linear whose weight is Wᵀ; a transposed constant is [out, in] already.
            params.append((r.root, "weight", r.transposed ? Walk.plain(t) : Walk.transposed(t)))
            if let (bias, add) = linearBias(after: n, outFeatures: r.transposed ? t.shape[0] : t.shape[1]) {
                params.append(bias)
                handled.insert(add)
            }
        case "Gemm":
            guard input(0) == nil, input(1) != nil, Walk.float(n, "alpha") == 1, Walk.float(n, "beta") == 1,
                  Walk.int(n, "transA") == 0 else { return }
            let transB = Walk.int(n, "transB") == 1
            add(1, "weight") { t, tr in t.shape.count == 2 ? (transB != tr ? Walk.plain(t) : Walk.transposed(t)) : nil }
            add(2, "bias") { t, _ in Walk.vector(t) }
        case "LayerNormalization":
            add(1, "weight") { t, _ in Walk.vector(t) }
            add(2, "bias") { t, _ in Walk.vector(t) }
        case "InstanceNormalization":
            // A GroupNorm's export normalises with ones and zeros, its affine is the Mul and Add after.
            guard let s = input(1), let b = input(2) else { return }
            if constants[s.root]!.floats.allSatisfy({ $0 == 1 }) && constants[b.root]!.floats.allSatisfy({ $0 == 0 }) {
                return
            }
            add(1, "weight") { t, _ in Walk.vector(t) }
            add(2, "bias") { t, _ in Walk.vector(t) }
        case "BatchNormalization":
            for (i, leaf) in [(1, "weight"), (2, "bias"), (3, "running_mean"), (4, "running_var")] {
                add(i, leaf) { t, _ in Walk.vector(t) }
            }
        case "PRelu":
            add(1, "weight") { t, _ in Walk.vector(t) }
        case "Mul", "Add":
            let consts = (0..<min(2, n.inputs.count)).filter { input($0) != nil }
            guard consts.count == 1, let r = input(consts[0]), !handled.contains(index) else { return }
            let t = constants[r.root]!
            if n.opType == "Add", let table = ONNXKeyRecovery.swinTable(t) {
                guard let module = ONNXKeyRecovery.modulePath(n.name) else { return }
                guard !taken.contains(module + ".relative_position_bias_table") else { return }
                give(module + ".relative_position_bias_table", table.table)
                result.derived += 1
                let index = module + ".relative_position_index"
                if result.weights[index] == nil {
                    result.weights[index] = table.index
                    result.optional.insert(index)
                }
                return
            }
            guard t.count > 1, let v = Walk.vector(t) else { return }
            place([(r.root, n.opType == "Mul" ? "weight" : "bias", v)], node: n, weak: true)
            return
        default:
            return
        }
        place(params, node: n)
    }

    /// The `Add` of a constant bias `[out]` that is the only reader of a `Linear`'s product, and the
    /// `Add`'s index.
    func linearBias(after n: ONNXNode, outFeatures: Int)
        -> ((root: String, leaf: String, tensor: WeightTensor), Int)? {
        guard let out = n.outputs.first, let readers = readers[out], readers.count == 1 else { return nil }
        let add = model.nodes[readers[0]]
        guard add.opType == "Add", add.inputs.count == 2 else { return nil }
        let other = add.inputs[0] == out ? add.inputs[1] : add.inputs[0]
        guard let r = root(other), let v = Walk.vector(constants[r.root]!), v.values.count == outFeatures else {
            return nil
        }
        return ((r.root, "bias", v), readers[0])
    }

    /// Keys the layer's parameters by the best prefix found (own names, a named sibling, the scope).
    /// A constant several layers read (the exporter stores equal parameters once: a mean shift's
    /// two convolutions, untrained norms' ones) is each one's parameter. A `weak` site's constant
    /// (an elementwise `Mul`/`Add`) may be no parameter: keyed by scope it is optional, unkeyed it
    /// is left out.
    mutating func place(_ params: [(root: String, leaf: String, tensor: WeightTensor)], node: ONNXNode,
                        weak: Bool = false) {
        func ownKey(_ p: (root: String, leaf: String, tensor: WeightTensor)) -> Bool {
            ONNXKeyRecovery.isKey(p.root) && p.root.hasSuffix("." + p.leaf) && !taken.contains(p.root)
        }
        let sibling = params.first(where: ownKey).map { String($0.root.dropLast($0.leaf.count + 1)) }
        let scope = ONNXKeyRecovery.modulePath(node.name)
        for p in params {
            if ownKey(p) {
                give(p.root, p.tensor)
                result.byName += 1
            } else if let prefix = sibling ?? scope, !taken.contains(prefix + "." + p.leaf) {
                give(prefix + "." + p.leaf, p.tensor)
                if sibling != nil { result.bySibling += 1 } else { result.byScope += 1 }
                if weak { result.optional.insert(prefix + "." + p.leaf) }
            } else if !weak {
                result.unkeyed.append(p.tensor)
            }
        }
    }

    mutating func give(_ key: String, _ t: WeightTensor) {
        taken.insert(key)
        result.weights[key] = t
    }

    static func plain(_ t: ONNXTensor) -> WeightTensor {
        WeightTensor(shape: t.shape, values: t.floats, dtype: ONNXGraph.dtype(t.storedType))
    }

    static func transposed(_ t: ONNXTensor) -> WeightTensor {
        let (r, c) = (t.shape[0], t.shape[1]), v = t.floats
        var out = [Float](repeating: 0, count: v.count)
        for i in 0..<r { for j in 0..<c { out[j * r + i] = v[i * c + j] } }
        return WeightTensor(shape: [c, r], values: out, dtype: ONNXGraph.dtype(t.storedType))
    }

    /// `t` as a vector `[C]` when at most one of its dimensions exceeds 1 (`[C, 1, 1]`, `[1, C, 1, 1]`).
    static func vector(_ t: ONNXTensor) -> WeightTensor? {
        guard t.shape.count(where: { $0 > 1 }) <= 1 else { return nil }
        return WeightTensor(shape: [t.count], values: t.floats, dtype: ONNXGraph.dtype(t.storedType))
    }

    static func int(_ n: ONNXNode, _ name: String) -> Int64 {
        if case .int(let v)? = n.attributes[name] { return v }
        return 0
    }

    static func float(_ n: ONNXNode, _ name: String) -> Float {
        if case .float(let v)? = n.attributes[name] { return v }
        return 1
    }
}

extension ONNXKeyRecovery {
    /// A Swin window attention's position bias as PyTorch's exporter folds it, `[1, heads, N, N]`
    /// (or `[heads, N, N]`) with `N = w²`: `bias[h, i, j] = table[index[i, j], h]`, `index[i, j] =
    /// (yᵢ − yⱼ + w − 1)·(2w − 1) + xᵢ − xⱼ + w − 1` for tokens `i = yᵢ·w + xᵢ`. Returns the table
    /// `[(2w − 1)², heads]` and the index `[N, N]` when every entry the index maps to one slot is
    /// equal (so the constant is such a gathered table), else nil.
    static func swinTable(_ t: ONNXTensor) -> (table: WeightTensor, index: WeightTensor)? {
        var s = t.shape
        if s.count == 4, s[0] == 1 { s.removeFirst() }
        guard s.count == 3, s[1] == s[2], s[0] >= 1 else { return nil }
        let heads = s[0], n = s[1], w = Int(Double(n).squareRoot().rounded())
        guard w >= 2, w * w == n else { return nil }
        let side = 2 * w - 1, v = t.floats
        var table = [Float](repeating: .nan, count: side * side * heads)
        var index = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                let k = (i / w - j / w + w - 1) * side + i % w - j % w + w - 1
                index[i * n + j] = Float(k)
                for h in 0..<heads {
                    let x = v[(h * n + i) * n + j], slot = k * heads + h
                    if table[slot].isNaN { table[slot] = x } else if table[slot] != x { return nil }
                }
            }
        }
        let dtype = ONNXGraph.dtype(t.storedType)
        return (WeightTensor(shape: [side * side, heads], values: table, dtype: dtype),
                WeightTensor(shape: [n, n], values: index, dtype: .int64))
    }
}
