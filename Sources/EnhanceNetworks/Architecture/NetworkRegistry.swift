import EnhanceCheckpoints
import EnhanceTensor

/// A checkpoint recognised by ``NetworkRegistry``: its weights under the canonical key layout of
/// its family, the built network and its description.
public struct DetectedModel: Sendable {
    /// Canonically keyed weights (what interpolation blends and SafeTensors export writes).
    public var stateDict: StateDict
    public var network: any SuperResolutionNetwork
    /// What the tensor shapes alone say about the network (``NetworkRegistry/describe(_:source:)``).
    public var modelDescription: ModelDescription { network.modelDescription }
    /// The network's plain convs by key prefix (their raw weights are what a ``ModelBlender`` blends).
    var convs: [String: Conv2D] = [:]
}

/// Recognises architectures from state-dict keys and shapes (like spandrel) and builds networks,
/// asking the families of ``families`` (one folder each): detection works on shapes alone
/// (``describe(_:source:)``); building adds the values.
public enum NetworkRegistry {
    /// The names of the families Enhance runs, in registry order.
    public static var familyNames: [String] { families.map { $0.name } }

    /// Detects the architecture of `dict` and builds it. `source` names the file in errors.
    /// A family Enhance does not run yet is named (``KnownFamilies``); other unknown layouts throw
    /// an error listing the first few keys found.
    public static func detect(_ dict: StateDict, source: String) throws -> DetectedModel {
        let d = try describe(dict.shapes, source: source)
        var canonical = StateDict()
        for (key, from) in d.sourceKeys { canonical[key] = dict[from] }
        canonical.ignoredKeys = d.ignoredKeys
        return try construct(d, canonical, source: source)
    }

    /// Detects and describes the network a checkpoint's tensors make, from their shapes alone:
    /// wrapper prefixes are stripped, other key layouts renamed, the family recognised and its
    /// configuration and layers read, with every check ``detect(_:source:)`` makes.
    public static func describe(_ shapes: TensorShapes, source: String) throws -> ModelDescription {
        var plan = unwrap(shapes.keys)
        let ignored = shapes.ignoredKeys + plan.ignored
        let unwrapped = plan.apply(shapes, ignored: [])
        for family in families {
            for conversion in family.keyConversions where conversion.matches.holds(in: unwrapped) {
                plan = try conversion.rename(plan, source)
                return try describe(family, plan.apply(shapes, ignored: ignored), sourceKeys: plan, source: source,
                                    layout: conversion.name)
            }
        }
        let d = plan.apply(shapes, ignored: ignored)
        guard let family = families.first(where: { $0.detection.holds(in: d) }) else {
            if let known = KnownFamilies.unsupportedFamily(d) { throw KnownFamilies.refusal(known, source: source) }
            let keys = d.keys.prefix(6).map { k in "\(k)\(d[k]!.shape)" }.joined(separator: ", ")
            throw NetworkError(source, "unrecognised network layout (\(d.count) tensors; first keys: \(keys))")
        }
        return try describe(family, d, sourceKeys: plan, source: source, layout: family.canonicalLayout)
    }

    /// Describes `family` from canonically keyed `shapes`, strictly: the block tree must declare
    /// every tensor except `num_batches_tracked` counters, which move to the ignored keys.
    static func describe<A: NetworkArchitecture>(_ family: A.Type, _ shapes: TensorShapes, sourceKeys: KeyPlan,
                                                 source: String, layout: String) throws -> ModelDescription {
        let config = try A.config(ShapeReader(shapes: shapes, source: source))
        guard config.inChannels == 3, config.outChannels == 3 else {
            throw NetworkError(source, "\(A.name) with \(config.inChannels) input / \(config.outChannels) output "
                               + "channels; only RGB (3) networks are supported")
        }
        let store = ParameterStore(source: source, shapes: shapes)
        _ = try A.makeNetwork(config, Scope(store: store, prefix: ""))
        let (unused, counters) = store.unused()
        if let first = unused.first {
            let more = unused.count - 1
            throw NetworkError(source, "tensor '\(first)' \(shapes[first]!.shape) is not used by the detected "
                               + "\(A.name)\(more > 0 ? " (nor are \(more) more)" : ""); refusing a checkpoint "
                               + "with weights the network would ignore")
        }
        var used = shapes
        for key in counters { used[key] = nil }
        used.ignoredKeys += counters
        return ModelDescription(architecture: family, config: config, keyLayout: layout, layers: store.layers,
                                shapes: used, sourceKeys: used.keys.map { ($0, sourceKeys.source(of: $0)) },
                                derivedKeys: store.derivedKeys)
    }

    /// Builds the network `d` describes from its canonically keyed weights (shapes checked by
    /// ``describe(_:source:)``). With `blend`, builds `(1 − α)·a + α·b` of the two ends instead.
    static func construct(_ d: ModelDescription, _ dict: StateDict, source: String,
                          blend: BlendSource? = nil) throws -> DetectedModel {
        let store = ParameterStore(source: source, shapes: d.shapes, values: dict, blend: blend)
        let body = try make(d.architecture, d.config, Scope(store: store, prefix: ""))
        try store.finish()
        return DetectedModel(stateDict: dict, network: BuiltNetwork(d, body), convs: store.convs)
    }

    private static func make<A: NetworkArchitecture>(_ family: A.Type, _ config: any ArchitectureConfig,
                                                     _ scope: Scope) throws -> any NetworkBody {
        try A.makeNetwork(config as! A.Config, scope)
    }

    /// Builds the family named `family` from a canonically keyed `dict` under `layout`'s name,
    /// with the checks of ``describe(_:source:)``.
    public static func build(family name: String, _ dict: StateDict, source: String,
                             layout: String? = nil) throws -> DetectedModel {
        guard let family = families.first(where: { $0.name == name }) else {
            throw NetworkError(source, "no family named \(name) (known: \(familyNames.joined(separator: ", ")))")
        }
        let d = try describe(family, dict.shapes, sourceKeys: KeyPlan(identity: dict.keys), source: source,
                             layout: layout ?? family.canonicalLayout)
        var canonical = dict
        canonical.ignoredKeys = d.ignoredKeys
        for key in dict.keys where d.shapes[key] == nil { canonical[key] = nil }
        return try construct(d, canonical, source: source)
    }

    /// The canonical keys of a checkpoint whose keys are `keys`: wrapper prefixes shared by every
    /// key (`params_ema.`, `params.`, `module.`, …) are stripped, preferring the EMA weights when a
    /// file holds both (as training checkpoints do); keys of other wrappers (`params.…` beside
    /// `params_ema.…`) are ignored.
    static func unwrap(_ keys: [String]) -> KeyPlan {
        var plan = KeyPlan(identity: keys)
        while let prefix = wrapperPrefix(plan.keys) {
            var next = KeyPlan()
            for (k, from) in plan.pairs {
                if k.hasPrefix(prefix) {
                    next.set(String(k.dropFirst(prefix.count)), from: from)
                } else {
                    next.ignored.append(k)
                }
            }
            next.ignored = plan.ignored + next.ignored
            plan = next
        }
        return plan
    }

    /// The outermost wrapper prefix of `keys` that ``unwrap(_:)`` strips, if any.
    static func wrapperPrefix(_ keys: [String]) -> String? {
        for prefix in ["params_ema.", "params.", "state_dict.", "module.", "netG.", "generator."] {
            let matching = keys.count { $0.hasPrefix(prefix) }
            if matching > 0, prefix.hasPrefix("params") || matching == keys.count { return prefix }
        }
        return nil
    }
}

extension NetworkRegistry {
    /// Detects and builds the network an ncnn graph holds (a family that maps ncnn graphs).
    public static func detect(ncnn net: NCNNNet, source: String) throws -> DetectedModel {
        let (family, placements) = try ncnnFamily(net, source: source)
        var sd = StateDict()
        for p in placements {
            let weights = net.layers[p.layer].weights
            guard p.index < weights.count else { throw NetworkError(source, "ncnn graph was read without its weights") }
            sd[p.key] = weights[p.index]
        }
        return try build(family: family.name, sd, source: source, layout: "ncnn")
    }

    /// Describes the network an ncnn graph holds from its layers' weight shapes alone.
    public static func describe(ncnn net: NCNNNet, source: String) throws -> ModelDescription {
        let (family, placements) = try ncnnFamily(net, source: source)
        var shapes = TensorShapes()
        for p in placements { shapes[p.key] = net.layers[p.layer].weightShapes[p.index] }
        return try describe(family, shapes, sourceKeys: KeyPlan(identity: shapes.keys), source: source, layout: "ncnn")
    }

    /// The first family that maps `net`; its error when only one family maps ncnn graphs.
    private static func ncnnFamily(_ net: NCNNNet, source: String) throws
        -> (any NetworkArchitecture.Type, [NCNNPlacement]) {
        var firstError: Error?
        for family in families {
            do {
                if let p = try family.ncnnPlacements(net, source: source) { return (family, p) }
            } catch {
                firstError = firstError ?? error
            }
        }
        throw firstError ?? NetworkError(source, "no supported family maps ncnn graphs")
    }

    /// The names `enhance bench --networks` accepts, with their labels, in registry order.
    public static var benchmarks: [(name: String, label: String)] {
        families.flatMap { f in f.benchmarks.map { ($0.name, $0.label) } }
    }

    /// Seeded random weights in the shapes of the bench configuration `name` (He-uniform-like, so
    /// activations stay finite; timing does not depend on the values), canonically keyed; nil for
    /// unknown names.
    public static func benchmarkWeights(_ name: String, seed: UInt64) throws -> StateDict? {
        for family in families {
            if let entry = family.benchmarks.first(where: { $0.name == name }) {
                return try synthesise(family, entry.config, seed: seed)
            }
        }
        return nil
    }

    private static func synthesise<A: NetworkArchitecture>(_ family: A.Type, _ config: any ArchitectureConfig,
                                                           seed: UInt64) throws -> StateDict {
        let store = ParameterStore(source: A.name, shapes: nil)
        _ = try A.makeNetwork(config as! A.Config, Scope(store: store, prefix: ""))
        var random = SeededUniform(state: seed)
        var sd = StateDict()
        for (key, shape) in store.declared {
            let fanIn = shape.count == 4 ? shape[1] * shape[2] * shape[3] : 1
            let bound = shape.count == 4 ? (6 / Float(fanIn)).squareRoot() * 0.5 : 0.01
            let n = shape.reduce(1, *)
            // BatchNorm variances stay positive.
            let offset: Float = key.hasSuffix("running_var") ? 1 : 0
            sd[key] = WeightTensor(shape: shape, values: (0..<n).map { _ in offset + random.next() * bound })
        }
        return sd
    }
}

/// Seeded uniform numbers in [−1, 1) (SplitMix64): bench weights and inputs.
public struct SeededUniform: Sendable {
    public var state: UInt64

    public init(state: UInt64) {
        self.state = state
    }

    public mutating func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24) * 2 - 1
    }
}
