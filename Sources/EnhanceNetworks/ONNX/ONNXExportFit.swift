import EnhanceCheckpoints

extension NetworkRegistry {
    /// The checkpoint of a family that parameters recovered from an export's graph form
    /// (``ONNXKeyRecovery``), with the number of tensors placed by position and whether a family
    /// completed fused blocks; nil when none fits.
    ///
    /// Each family first completes what its exports keep in another form
    /// (``NetworkArchitecture/checkpoint(fromExport:)``). When the family's detection then holds on
    /// the keys and its configuration can be read from their shapes, its block tree is declared for
    /// that configuration and the checkpoint is made in the tree's order: a recovered tensor whose
    /// shape differs from the declared one only by dimensions of 1 is reshaped (`[C, 1, 1]` → `[C]`),
    /// a declared tensor no key was recovered for takes the next unkeyed parameter (in order of
    /// first use in the graph) of a compatible shape, and `optional` keys the tree does not declare
    /// are left out (any other key it does not declare refuses the family: a layer it lacks). What
    /// the result computes is for the caller to check (``ONNXNative``).
    static func fitExport(_ dict: StateDict, unkeyed: [WeightTensor], optional: Set<String>,
                          source: String) -> (dict: StateDict, placed: Int, completed: Bool)? {
        var candidates = [(dict, optional)]
        if let s = strippingCommonPrefix(dict) {
            candidates.append((s.dict, Set(optional.compactMap { s.rename[$0] })))
        }
        for (candidate, optional) in candidates {
            var d = candidate, completed = false
            for family in families {
                if let c = family.checkpoint(fromExport: d) { (d, completed) = (c, true) }
            }
            if (try? describe(d.shapes, source: source)) != nil { return (d, 0, completed) }
            for (family, canonical, optional) in canonicalForms(d, optional: optional) {
                if let fitted = fit(family, canonical, unkeyed: unkeyed, optional: optional, source: source),
                   (try? describe(fitted.dict.shapes, source: source)) != nil {
                    return (fitted.dict, fitted.placed, completed)
                }
            }
        }
        return nil
    }

    /// `d` without the first key segment every key shares (a wrapper module the exporter was given,
    /// `model.`), and each old key's new one; nil when they share none.
    static func strippingCommonPrefix(_ d: StateDict) -> (dict: StateDict, rename: [String: String])? {
        guard let first = d.keys.first, let dot = first.firstIndex(of: ".") else { return nil }
        let prefix = first[...dot]
        guard d.keys.allSatisfy({ $0.hasPrefix(prefix) && $0.count > prefix.count }) else { return nil }
        var out = StateDict(), rename: [String: String] = [:]
        for k in d.keys {
            rename[k] = String(k.dropFirst(prefix.count))
            out[rename[k]!] = d[k]
        }
        return (out, rename)
    }

    /// The families whose detection holds on `d`'s keys as they are, or after one of the family's
    /// key conversions (the original ESRGAN layout), with the keys that family reads and the
    /// optional ones among them.
    private static func canonicalForms(_ d: StateDict, optional: Set<String>)
        -> [(any NetworkArchitecture.Type, StateDict, Set<String>)] {
        let shapes = d.shapes
        var out: [(any NetworkArchitecture.Type, StateDict, Set<String>)] = []
        for family in families {
            if family.detection.holds(in: shapes) { out.append((family, d, optional)) }
            for conversion in family.keyConversions where conversion.matches.holds(in: shapes) {
                guard let plan = try? conversion.rename(KeyPlan(identity: d.keys), "") else { continue }
                var renamed = StateDict(), kept = Set<String>()
                for (key, from) in plan.pairs {
                    renamed[key] = d[from]
                    if optional.contains(from) { kept.insert(key) }
                }
                if family.detection.holds(in: renamed.shapes) { out.append((family, renamed, kept)) }
            }
        }
        return out
    }

    private static func fit<A: NetworkArchitecture>(_ family: A.Type, _ d: StateDict, unkeyed: [WeightTensor],
                                                    optional: Set<String>,
                                                    source: String) -> (dict: StateDict, placed: Int)? {
        guard let config = try? A.config(ShapeReader(shapes: d.shapes, source: source)) else { return nil }
        let store = ParameterStore(source: source, shapes: d.shapes)
        store.unchecked = true
        guard (try? A.makeNetwork(config, Scope(store: store, prefix: ""))) != nil else { return nil }
        let declared = Set(store.declared.map(\.key))
        guard d.keys.allSatisfy({ declared.contains($0) || optional.contains($0) }) else { return nil }
        var out = StateDict(), next = 0, placed = 0
        for (key, shape) in store.declared {
            if let t = d[key] {
                guard let r = reshaped(t, to: shape) else { return nil }
                out[key] = r
                continue
            }
            guard let j = unkeyed.indices.dropFirst(next).first(where: { reshaped(unkeyed[$0], to: shape) != nil })
            else { return nil }
            out[key] = reshaped(unkeyed[j], to: shape)
            (next, placed) = (j + 1, placed + 1)
        }
        return (out, placed)
    }

    /// `t` with `shape` when the two differ at most by dimensions of 1.
    static func reshaped(_ t: WeightTensor, to shape: [Int]) -> WeightTensor? {
        if t.shape == shape { return t }
        guard t.shape.filter({ $0 != 1 }) == shape.filter({ $0 != 1 }) else { return nil }
        return WeightTensor(shape: shape, values: t.values, dtype: t.dtype)
    }
}
