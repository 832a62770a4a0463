import EnhanceTensor

/// Scaled-dot-product attention as exporters spell it, run as two batched products on the
/// micro-kernel and one pass over the scores: `MatMul(q, Transpose(k))` (the transpose swapping the
/// last two axes; `q` optionally first scaled by a constant scalar `Mul`/`Div`), then `Mul`/`Div` by
/// scalars, `Add`s of constants and `Reshape`s to constant shapes (views of the scores, such as
/// SwinIR's `[B/nW, nW, heads, N, N]` for its shift mask), `Softmax` over the last axis, and
/// `MatMul(·, v)`.
///
/// Runs on `q` `[…, N, d]`, `k` `[…, M, d]`, `v` `[…, M, dv]` with equal batch axes `…`, when every
/// constant broadcasts onto its view as whole rows of `M` and the scores reach `Softmax` as
/// `[…, N, M]`; otherwise the nodes run one by one.
struct FusedAttention: GraphFusion {
    /// One step on the scores: a view (a `Reshape`'s shape, `0` and `-1` as ONNX reads them), or a
    /// constant added in the current view.
    enum Step: Sendable {
        case view([Int])
        case add(ONNXTensor)
    }

    let nodes: [Int]
    /// `[q, k, v]`.
    let inputs: [String]
    /// Multiplies `q · kᵀ` before the steps.
    let scale: Float
    let steps: [Step]

    func outputShape(_ inputs: [ONNXTensor]) -> [Int]? {
        let (q, k, v) = (inputs[0].shape, inputs[1].shape, inputs[2].shape), r = q.count
        guard inputs.allSatisfy(\.isFloat), r >= 2, k.count == r, v.count == r, q.allSatisfy({ $0 > 0 }),
              v.allSatisfy({ $0 > 0 }), k.dropLast(2) == q.dropLast(2), v.dropLast(2) == q.dropLast(2),
              k[r - 1] == q[r - 1], v[r - 2] == k[r - 2], k[r - 2] > 0 else { return nil }
        let scores = Array(q.dropLast()) + [k[r - 2]]
        guard let views = Self.views(steps, scores), views.final == scores else { return nil }
        return Array(q.dropLast()) + [v[r - 1]]
    }

    func macs(_ inputs: [ONNXTensor]) -> Double {
        guard inputs.count == 3, let m = inputs[1].shape.dropLast().last, let dv = inputs[2].shape.last
        else { return 0 }
        return Double(inputs[0].count) * Double(m) + Double(inputs[0].count / max(inputs[0].shape.last ?? 1, 1))
            * Double(m) * Double(dv)
    }

    /// The shape each added constant is added in, and the scores' shape at `Softmax`; nil when a
    /// view does not keep rows of `M` or a constant does not broadcast onto it as whole rows.
    static func views(_ steps: [Step], _ scores: [Int]) -> (terms: [[Int]], final: [Int])? {
        var shape = scores, terms: [[Int]] = []
        let m = scores[scores.count - 1], count = scores.reduce(1, *)
        for step in steps {
            switch step {
            case .view(let spec):
                var s = spec.enumerated().map { i, d in d == 0 && i < shape.count ? shape[i] : d }
                let known = s.filter { $0 != -1 }.reduce(1, *)
                if let i = s.firstIndex(of: -1) {
                    guard known > 0, count % known == 0, s.count(where: { $0 == -1 }) == 1 else { return nil }
                    s[i] = count / known
                }
                guard s.allSatisfy({ $0 > 0 }), s.reduce(1, *) == count, s.last == m else { return nil }
                shape = s
            case .add(let c):
                let off = shape.count - c.shape.count
                guard off >= 0, c.shape.last == m, zip(c.shape, shape[off...]).allSatisfy({ $0 == $1 || $0 == 1 })
                else { return nil }
                terms.append(shape)
            }
        }
        return (terms, shape)
    }

    func run(_ inputs: [ONNXTensor], _ ctx: OpContext) throws -> ONNXTensor {
        let (q, k, v) = (inputs[0], inputs[1], inputs[2]), r = q.shape.count
        let (n, d, m, dv) = (q.shape[r - 2], q.shape[r - 1], k.shape[r - 2], v.shape[r - 1])
        let batch = q.shape.dropLast(2).reduce(1, *), rows = batch * n
        let scores = Array(q.shape.dropLast()) + [m]
        guard let views = Self.views(steps, scores) else { throw ctx.fail("attention shapes \(scores)") }
        try ctx.check(scores)
        let terms = steps.compactMap { if case .add(let c) = $0 { return c } else { return nil } }
        var s = matmul(Matrix(rows: rows, columns: d, data: q.floats), Matrix(rows: batch * m, columns: d,
                       data: k.floats), batch: batch, transposeB: true, pool: ctx.pool)
        // Per term, each score row's offset into the constant (its strides over the view, 0 where it broadcasts).
        let offsets: [[Int]] = zip(terms, views.terms).map { c, view in
            let lead = Array(view.dropLast()), pad = lead.count - (c.shape.count - 1)
            let cs = ONNXTensor.strides(c.shape)
            var stride = [Int](repeating: 0, count: lead.count)
            for (j, e) in c.shape.dropLast().enumerated() where e != 1 { stride[pad + j] = cs[j] }
            var out = [Int](repeating: 0, count: rows), idx = [Int](repeating: 0, count: lead.count), o = 0
            for row in 0..<rows {
                out[row] = o
                var a = lead.count - 1
                while a >= 0 {
                    idx[a] += 1
                    o += stride[a]
                    if idx[a] < lead[a] { break }
                    o -= stride[a] * idx[a]
                    idx[a] = 0
                    a -= 1
                }
            }
            return out
        }
        let values = terms.map(\.floats), scale = scale, chunk = 64
        s.data.withUnsafeMutableBufferPointer { p in
            let base = p.baseAddress!
            ctx.pool.parallelFor((rows + chunk - 1) / chunk) { c in
                for row in c * chunk ..< min(rows, (c + 1) * chunk) {
                    let x = base + row * m
                    if scale != 1 { for j in 0..<m { x[j] *= scale } }
                    for (t, c) in values.enumerated() {
                        c.withUnsafeBufferPointer { cp in
                            let src = cp.baseAddress! + offsets[t][row]
                            for j in 0..<m { x[j] += src[j] }
                        }
                    }
                }
            }
        }
        let p = softmaxRows(s, pool: ctx.pool)
        let y = matmul(p, Matrix(rows: batch * m, columns: dv, data: v.floats), batch: batch, pool: ctx.pool)
        return ONNXTensor(shape: Array(q.shape.dropLast()) + [dv], floats: y.data)
    }
}

extension FusedAttention {
    /// The attention whose first product is node `i` (`producer` maps each value to its node).
    static func match(_ i: Int, _ graph: Readers, _ producer: [String: Int],
                      _ constants: [String: ONNXTensor]) -> FusedAttention? {
        let nodes = graph.model.nodes, mm = nodes[i]
        guard mm.opType == "MatMul", mm.domain.isEmpty, mm.inputs.count == 2, mm.outputs.count == 1,
              constants[mm.inputs[0]] == nil, mm.inputs[0] != mm.inputs[1],
              let t = producer[mm.inputs[1]], nodes[t].opType == "Transpose", nodes[t].domain.isEmpty,
              graph.only(mm.inputs[1], "MatMul")?.i == i, nodes[t].inputs.count == 1,
              constants[nodes[t].inputs[0]] == nil,
              case .ints(let perm)? = nodes[t].attributes["perm"], perm.count >= 2,
              perm == Array(0..<Int64(perm.count - 2)) + [Int64(perm.count - 1), Int64(perm.count - 2)]
        else { return nil }
        var chain = [t, i], q = mm.inputs[0], scale: Float = 1
        if let s = producer[q], let x = nodes[s].inputs.first(where: { constants[$0] == nil }),
           let f = scalar(nodes[s], x, constants), graph.only(q, "MatMul")?.i == i {
            (chain, q, scale) = ([s] + chain, x, f)
        }
        var steps: [Step] = [], out = mm.outputs[0]
        while true {
            let r = graph.of(out)
            guard r.count == 1, r[0].node.domain.isEmpty, r[0].node.outputs.count == 1 else { return nil }
            let (j, n) = (r[0].i, r[0].node)
            if n.opType == "Softmax" {
                let given = n.attributes["axis"] ?? .int(graph.model.opset >= 13 ? -1 : 1)
                guard n.inputs == [out], case .int(let axis) = given, axis == -1 else { return nil }
                chain.append(j)
                out = n.outputs[0]
                break
            }
            if let f = scalar(n, out, constants), steps.isEmpty {
                scale *= f
            } else if n.opType == "Add", let other = FusedLinear.otherInput(n, out), let c = constants[other],
                      c.isFloat, !c.shape.isEmpty {
                steps.append(.add(c))
            } else if n.opType == "Reshape", n.inputs.count == 2, n.inputs[0] == out, let spec = constants[n.inputs[1]],
                      !spec.isFloat, n.attributes["allowzero"].map({ $0 == .int(0) }) ?? true {
                steps.append(.view(spec.ints.map { Int(clamping: $0) }))
            } else {
                return nil
            }
            chain.append(j)
            out = n.outputs[0]
        }
        guard let pv = graph.only(out, "MatMul"), pv.node.inputs.count == 2, pv.node.inputs[0] == out,
              pv.node.inputs[1] != out, constants[pv.node.inputs[1]] == nil else { return nil }
        return FusedAttention(nodes: chain + [pv.i], inputs: [q, nodes[t].inputs[0], pv.node.inputs[1]],
                              scale: scale, steps: steps)
    }

    /// The factor of a `Mul` or `Div` of `v` by a constant float scalar (`v` first for `Div`).
    static func scalar(_ n: ONNXNode, _ v: String, _ constants: [String: ONNXTensor]) -> Float? {
        guard n.opType == "Mul" || n.opType == "Div", n.domain.isEmpty, let other = FusedLinear.otherInput(n, v),
              n.opType == "Mul" || n.inputs[0] == v, let c = constants[other], c.isFloat, c.count == 1,
              c.shape.count <= 0 || c.shape == [1] else { return nil }
        let f = c.floats[0]
        return n.opType == "Mul" ? f : f == 0 ? nil : 1 / f
    }
}
