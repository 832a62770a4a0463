import EnhanceCheckpoints

/// The operand rules of ``ONNXSizeCheck`` (its rule 2), on the dry passes at the declared size and
/// at a second one.
extension ONNXProgram {
    /// Where the graph computes what it does at `height × width` (scale `scale`), from the per-call
    /// nodes of pass `a` (at that size) and pass `b` (at the second size), and why.
    func compare(_ a: SizeTrace, _ b: SizeTrace, height h: Int, width w: Int, scale s: Int)
        -> (ONNXSizeCheck.Reach, String) {
        let at = "at \(w)×\(h)"
        var direct: [Int: String] = [:]
        for (v, what) in [(h, "the input height"), (w, "the input width"), (h * s, "the output height"),
                          (w * s, "the output width"), (h * w, "the input's pixel count"),
                          (h * w * s * s, "the output's pixel count")] where direct[v] == nil {
            direct[v] = what
        }
        var sizes = direct
        for (i, ins) in a.inputs {
            let outs = zip(a.outputs[i] ?? [], b.outputs[i] ?? []).map { (Optional($0), Optional($1)) }
            for (x, y) in Array(zip(ins, b.inputs[i] ?? [])) + outs {
                guard let x else { continue }
                for axis in Self.following(x, y) where x[axis] > 1 && sizes[x[axis]] == nil {
                    sizes[x[axis]] = "a length that follows the input size"
                }
            }
        }
        var bounded: String?
        for i in order where a.inputs[i] != nil {
            let n = model.nodes[i], node = "node \(n.label) (\(n.opType))"
            let ins = a.inputs[i] ?? [], others = b.inputs[i] ?? []
            let alongSize = Set(ins.isEmpty || others.isEmpty ? [] : Self.following(ins[0], others[0]))
            func axis(_ rank: Int) -> Int {
                guard case .int(let v)? = n.attributes["axis"] else { return 0 }
                return v < 0 ? Int(v) + rank : Int(v)
            }
            if n.opType == "Split", n.attributes["split"] != nil, alongSize.contains(axis(ins.first??.count ?? 0)) {
                return (.declaredOnly, "\(node) cuts a side into fixed lengths")
            }
            let ops = a.operands[i] ?? [:], other = b.operands[i] ?? [:]
            for (j, v) in ops.sorted(by: { $0.key < $1.key }) {
                // The entries folded at export: the same in both passes.
                var same = [Bool](repeating: false, count: v.count)
                if let u = other[j], u.count == v.count, u.isFloat == v.isFloat {
                    same = v.isFloat ? zip(v.floats, u.floats).map(==) : zip(v.ints, u.ints).map(==)
                }
                guard same.contains(true) else { continue }
                let values = v.ints
                switch (n.opType, j) {
                case ("Unsqueeze", 1), ("Squeeze", 1), ("Slice", 3), ("Slice", 4), ("Pad", 3), ("Resize", 1),
                     ("Resize", 2):
                    continue
                case (let op, 1) where op.hasPrefix("Reduce"):
                    continue
                case ("Slice", 1), ("Slice", 2):
                    let omitted = n.inputs.count <= 3 || n.inputs[3].isEmpty
                    guard let axes = ops[3]?.ints ?? (omitted ? (0..<v.count).map(Int64.init) : nil),
                          axes.count == v.count, let shape = ins.first ?? nil else {
                        return (.declaredOnly, "\(node) slices along axes computed per call")
                    }
                    for (k, raw) in values.enumerated() where same[k] {
                        let ax = axes[k] < 0 ? Int(axes[k]) + shape.count : Int(axes[k])
                        guard alongSize.contains(ax) else { continue }
                        let length = Int64(shape[ax]), what = j == 1 ? "starts" : "ends"
                        if raw == 0 || (raw < 0 && raw > -length) || raw.magnitude >= 1 << 31 { continue }
                        if raw >= length || raw <= -length {
                            bounded = bounded ?? "\(node) \(what) at \(raw), the whole side \(at), a crop that "
                                + "larger inputs would cut"
                            continue
                        }
                        return (.declaredOnly, "\(node) \(what) at \(raw) of a side of \(length) \(at)")
                    }
                    continue
                case ("Gather", 1), ("Split", 1), ("ScatterND", 1):
                    let rank = ins.first??.count ?? 0
                    let axes = n.opType == "ScatterND" ? Set(0..<min(rank, v.shape.last ?? 0)) : [axis(rank)]
                    if axes.isDisjoint(with: alongSize) { continue }
                    return (.declaredOnly, "\(node) takes fixed positions \(Self.list(values)) along a side")
                case ("Resize", 3) where v.count > 0:
                    return (.declaredOnly, "\(node) resizes to the fixed size \(Self.list(values))")
                default:
                    break
                }
                if v.isFloat {
                    let x = abs(v.floats[0])
                    for (c, inverse) in [(x, false), (x > 0 ? 1 / x : 0, true)] {
                        let r = c.rounded()
                        if r >= 3, r < 1e12, abs(c - r) <= 1e-4 * r, let what = direct[Int(r)] {
                            let which = (inverse ? "1 / " : "") + what
                            return (.declaredOnly, "\(node) reads \(v.floats[0]), \(which) \(at)")
                        }
                    }
                } else if let k = values.indices.first(where: {
                    same[$0] && sizes[Int(clamping: values[$0].magnitude)] != nil
                }) {
                    let e = Int(clamping: values[k].magnitude)
                    return (.declaredOnly, "\(node) reads \(Self.list(values)), whose \(e) is \(sizes[e]!) \(at)")
                }
            }
        }
        return bounded.map { (.upToDeclared, $0) } ?? (.anySize, "no node depends on it")
    }

    /// The axes along which one value's shapes in two passes differ (none when either is missing or
    /// their ranks differ).
    static func following(_ x: [Int]?, _ y: [Int]?) -> [Int] {
        guard let x, let y, x.count == y.count else { return [] }
        return x.indices.filter { x[$0] != y[$0] }
    }

    /// `[1, 8, 16, 16]`, the first 8 entries of a long list.
    static func list(_ v: [Int64]) -> String {
        "[" + v.prefix(8).map(String.init).joined(separator: ", ") + (v.count > 8 ? ", …" : "") + "]"
    }
}
