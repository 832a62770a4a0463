import EnhanceTensor

/// A normalisation spelled out in ops, run as one: the node where it starts, the axis, ε, the
/// nodes that then do not run and the node whose outputs it writes.
struct FusedNorm {
    let axis: Int
    let eps: Float
    let skipped: [Int]
    let output: Int
}

/// Layer normalisation as exporters decompose it before opset 17 (PyTorch's `LayerNorm`, and
/// channel-first layer norms written by hand): `ReduceMean → Sub → Pow 2 → ReduceMean → Add ε →
/// Sqrt → Div`, matched at load and run as EnhanceTensor's layer norm (the affine `Mul`/`Add` after
/// it stay ops).
enum NormFusion {
    /// The decompositions among `candidates`, by the index of their first `ReduceMean`.
    static func match(_ model: ONNXModel, candidates: [Int], constants: [String: ONNXTensor]) -> [Int: FusedNorm] {
        let graph = Readers(model)
        var out: [Int: FusedNorm] = [:]
        for i in candidates {
            let r1 = model.nodes[i]
            guard r1.opType == "ReduceMean", r1.domain.isEmpty, let axes = axes(r1), axes.count == 1,
                  let x = r1.inputs.first, let mean = r1.outputs.first,
                  let s = graph.only(mean, "Sub"), s.node.inputs == [x, mean], let d = s.node.outputs.first
            else { continue }
            let dr = graph.of(d)
            guard dr.count == 2, let p = dr.first(where: { $0.node.opType == "Pow" }),
                  p.node.inputs.count == 2, p.node.inputs[0] == d, graph.isScalar(p.node.inputs[1], 2, constants),
                  let r2 = graph.only(p.node.outputs[0], "ReduceMean"), self.axes(r2.node) == axes,
                  let a = graph.only(r2.node.outputs[0], "Add"), a.node.inputs.contains(r2.node.outputs[0]),
                  let epsName = a.node.inputs.first(where: { $0 != r2.node.outputs[0] }),
                  let eps = constants[epsName], eps.count == 1,
                  let q = graph.only(a.node.outputs[0], "Sqrt"), let dv = graph.only(q.node.outputs[0], "Div"),
                  dr.contains(where: { $0.i == dv.i }), dv.node.inputs == [d, q.node.outputs[0]] else { continue }
            out[i] = FusedNorm(axis: OpContext.clamp(axes[0]), eps: eps.floats[0],
                               skipped: [s.i, p.i, r2.i, a.i, q.i, dv.i], output: dv.i)
        }
        return out
    }

    /// A `ReduceMean`'s axes from its attribute, with `keepdims` (nil otherwise).
    static func axes(_ n: ONNXNode) -> [Int64]? {
        if case .int(let k)? = n.attributes["keepdims"], k == 0 { return nil }
        if case .ints(let a)? = n.attributes["axes"], n.inputs.count == 1 { return a }
        return nil
    }

    /// `(x − mean) / √(var + ε)` over `axis` of `x` (mean and biased variance over that axis).
    static func normalize(_ x: ONNXTensor, axis given: Int, eps: Float, _ ctx: OpContext) throws -> ONNXTensor {
        let r = x.shape.count, axis = try ctx.axis(given, rank: r)
        let len = x.shape[axis]
        guard x.isFloat, len > 0 else { throw ctx.fail("cannot normalise \(x.shape) over axis \(given)") }
        if axis == r - 1 {
            let m = Matrix(rows: x.count / len, columns: len, data: x.floats)
            let ones = [Float](repeating: 1, count: len), zeros = [Float](repeating: 0, count: len)
            return ONNXTensor(shape: x.shape, floats: layerNormRows(m, weight: ones, bias: zeros, eps: eps,
                                                                    pool: ctx.pool).data)
        }
        if r == 4, axis == 1, let t = x.chw {
            let ones = [Float](repeating: 1, count: len), zeros = [Float](repeating: 0, count: len)
            return ONNXTensor(nchw: layerNormChannels(t, weight: ones, bias: zeros, eps: eps, pool: ctx.pool))
        }
        var v = x.floats
        let inner = x.shape[(axis + 1)...].reduce(1, *), outer = x.count / (len * inner)
        for o in 0..<outer { for i in 0..<inner {
            let base = o * len * inner + i
            var mean = 0.0, sq = 0.0
            for k in 0..<len { mean += Double(v[base + k * inner]) }
            mean /= Double(len)
            for k in 0..<len { let e = Double(v[base + k * inner]) - mean; sq += e * e }
            let rstd = 1 / (sq / Double(len) + Double(eps)).squareRoot()
            for k in 0..<len { v[base + k * inner] = Float((Double(v[base + k * inner]) - mean) * rstd) }
        } }
        return ONNXTensor(shape: x.shape, floats: v)
    }
}
