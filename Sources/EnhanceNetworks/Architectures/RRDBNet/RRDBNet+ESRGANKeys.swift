import EnhanceCheckpoints

extension RRDBNet {
    /// Maps the original ESRGAN key layout (`model.0`, `model.1.sub.N.RDBk.convc.0`, `model.1.sub.<nb>`
    /// trunk conv, `model.3/6/8/10`) onto BasicSR RRDBNet keys.
    enum ESRGANKeys {
        /// The conversion as the registry applies it.
        static let conversion = KeyConversion(name: "ESRGAN",
                                              matches: .all([.has("model.0.weight"), .prefix("model.1.sub.0.RDB1.")]),
                                              rename: toBasicSR)

        /// `plan` with its keys renamed to BasicSR keys (each still mapped to the file's key).
        static func toBasicSR(_ plan: KeyPlan, source: String) throws -> KeyPlan {
            var tail = Set<Int>()
            for key in plan.keys {
                let p = key.split(separator: ".")
                if p.count == 3, p[0] == "model", let i = Int(p[1]), i >= 2 { tail.insert(i) }
            }
            let ups = tail.sorted()
            guard ups.count == 4 else {
                throw NetworkError(source, "old ESRGAN layout with \(ups.count) convs after the trunk (model.\(ups)); "
                                   + "only the ×4 layout with 4 (model.3/6/8/10) is supported")
            }
            let names = ["conv_up1", "conv_up2", "conv_hr", "conv_last"]
            var fixed = ["model.0": "conv_first"]
            for (i, n) in zip(ups, names) { fixed["model.\(i)"] = n }
            var out = KeyPlan()
            out.ignored = plan.ignored
            for key in plan.keys {
                guard let dot = key.lastIndex(of: ".") else { continue }
                let base = String(key[..<dot]), leaf = String(key[key.index(after: dot)...])
                let from = plan.source(of: key)
                if let n = fixed[base] {
                    out.set("\(n).\(leaf)", from: from)
                    continue
                }
                let p = base.split(separator: ".").map(String.init)
                // model.1.sub.N.RDBk.convc.0
                if p.count == 7, p[0] == "model", p[1] == "1", p[2] == "sub", p[4].hasPrefix("RDB"),
                   p[5].hasPrefix("conv"), p[6] == "0" {
                    out.set("body.\(p[3]).rdb\(p[4].dropFirst(3)).\(p[5]).\(leaf)", from: from)
                } else if p.count == 4, p[0] == "model", p[1] == "1", p[2] == "sub", Int(p[3]) != nil {
                    out.set("conv_body.\(leaf)", from: from)
                } else {
                    throw NetworkError(source, "unexpected key '\(key)' in an old-layout ESRGAN checkpoint")
                }
            }
            return out
        }
}
}
