import EnhanceCheckpoints
import EnhanceTensor

/// Hyper-parameters of a detected network, all read from tensor shapes.
public struct ModelSpec: Sendable, Equatable {
    public var architecture: Architecture
    /// Upscaling factor.
    public var scale: Int
    /// Image channels in and out (3 for RGB).
    public var inChannels: Int
    public var outChannels: Int
    /// Feature width (`num_feat`).
    public var numFeat: Int
    /// Residual / RRDB blocks (for SRVGGNetCompact: `num_conv`).
    public var numBlocks: Int
    /// RRDB dense growth channels (`num_grow_ch`), nil for other families.
    public var growChannels: Int?
    /// Key layout the checkpoint used: "BasicSR", "ESRGAN", "leftthomas", "Real-ESRGAN", "ncnn".
    public var keyLayout: String
}

/// A checkpoint recognised by ``NetworkRegistry``: its spec, its weights under the canonical key
/// layout of its family (BasicSR for RRDBNet/MSRResNet), the built network and its description.
public struct DetectedModel: Sendable {
    public var spec: ModelSpec
    /// Canonically keyed weights (what interpolation blends and SafeTensors export writes).
    public var stateDict: StateDict
    public var network: any SuperResolutionNetwork
    /// What the tensor shapes alone say about the network (``NetworkRegistry/describe(_:source:)``).
    public var modelDescription: ModelDescription
    /// The network's convs built straight from `prefix.weight` / `prefix.bias` of ``stateDict``,
    /// by prefix: the prepared kernels a ``ModelBlender`` blends.
    var convs: [String: Conv2D] = [:]
}

/// Recognises architectures from state-dict keys and shapes (like spandrel) and builds networks.
/// Detection works on shapes alone (``describe(_:source:)``); building adds the values.
public enum NetworkRegistry {
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
    /// wrapper prefixes are stripped, old ESRGAN keys renamed, the family recognised and its
    /// hyper-parameters and layers read, with every check ``detect(_:source:)`` makes.
    public static func describe(_ shapes: TensorShapes, source: String) throws -> ModelDescription {
        var plan = unwrap(shapes.keys)
        let ignored = shapes.ignoredKeys + plan.ignored
        if ESRGANKeyMapping.matches(plan.keys) {
            plan = try ESRGANKeyMapping.toBasicSR(plan, source: source)
            return try describe(.rrdbNet, plan.apply(shapes, ignored: ignored), sourceKeys: plan, source: source,
                                layout: "ESRGAN")
        }
        let d = plan.apply(shapes, ignored: ignored)
        guard let arch = architecture(shape: { d[$0]?.shape }) else {
            if let family = KnownFamilies.unsupportedFamily(plan.keys) {
                throw KnownFamilies.refusal(family, source: source)
            }
            let keys = d.keys.prefix(6).map { k in "\(k)\(d[k]!.shape)" }.joined(separator: ", ")
            throw NetworkError(source, "unrecognised network layout (\(d.count) tensors; first keys: \(keys))")
        }
        let layout: String
        switch arch {
        case .rrdbNet, .msrResNet: layout = "BasicSR"
        case .srganGenerator: layout = "leftthomas"
        case .srvggNetCompact: layout = "Real-ESRGAN"
        }
        return try describe(arch, d, sourceKeys: plan, source: source, layout: layout)
    }

    /// The family whose characteristic keys a canonical layout has, given each key's shape (nil
    /// when absent): works from a file header alone.
    public static func architecture(shape: (String) -> [Int]?) -> Architecture? {
        if shape("conv_first.weight") != nil && shape("body.0.rdb1.conv1.weight") != nil { return .rrdbNet }
        if shape("conv_first.weight") != nil && shape("upconv1.weight") != nil { return .msrResNet }
        if shape("block1.0.weight") != nil && shape("block2.conv1.weight") != nil { return .srganGenerator }
        if let b0 = shape("body.0.weight"), b0.count == 4,
           let b1 = shape("body.1.weight"), b1.count == 1 { return .srvggNetCompact }
        return nil
    }

    /// Builds `arch` from a canonically keyed `dict` (all shapes validated). Strict: every tensor
    /// of `dict` must be read by the build; the first one that is not is named in the error
    /// (inert entries are in ``StateDict/ignoredKeys`` and never reach here as tensors).
    public static func build(_ arch: Architecture, _ dict: StateDict, source: String,
                             layout: String) throws -> DetectedModel {
        let d = try describe(arch, dict.shapes, sourceKeys: KeyPlan(identity: dict.keys), source: source,
                             layout: layout)
        var canonical = dict
        for key in dict.keys where d.shapes[key] == nil { canonical[key] = nil }
        canonical.ignoredKeys = d.ignoredKeys
        return try construct(d, canonical, source: source)
    }

    /// Describes `arch` from canonically keyed `shapes`, strictly: every tensor must be used by the
    /// architecture except `num_batches_tracked` counters, which move to the ignored keys.
    static func describe(_ arch: Architecture, _ shapes: TensorShapes, sourceKeys: KeyPlan, source: String,
                         layout keyLayout: String) throws -> ModelDescription {
        let log = KeyLog()
        let r = KeyLog.$current.withValue(log) { WeightReader(shapes: shapes, source: source) }
        let layout: NetworkLayout
        switch arch {
        case .rrdbNet: layout = try RRDBNet.layout(r)
        case .msrResNet: layout = try MSRResNet.layout(r)
        case .srganGenerator: layout = try SRGANGenerator.layout(r)
        case .srvggNetCompact: layout = try SRVGGNetCompact.layout(r)
        }
        let inCh = arch == .rrdbNet ? layout.layers.last!.outChannels : layout.layers[0].inChannels
        let outCh = arch == .srvggNetCompact ? 3 : layout.layers.last!.outChannels
        let spec = ModelSpec(architecture: arch, scale: layout.scale, inChannels: inCh, outChannels: outCh,
                             numFeat: layout.numFeat, numBlocks: layout.numBlocks, growChannels: layout.growChannels,
                             keyLayout: keyLayout)
        guard spec.inChannels == 3, spec.outChannels == 3 else {
            throw NetworkError(source, "\(arch.rawValue) with \(spec.inChannels) input / \(spec.outChannels) output "
                               + "channels; only RGB (3) networks are supported")
        }
        let unread = shapes.keys.filter { !log.contains($0) }
        let counters = unread.filter { $0 == "num_batches_tracked" || $0.hasSuffix(".num_batches_tracked") }
        if let first = unread.first(where: { !counters.contains($0) }) {
            let more = unread.count - counters.count - 1
            throw NetworkError(source, "tensor '\(first)' \(shapes[first]!.shape) is not used by the detected "
                               + "\(arch.rawValue)\(more > 0 ? " (nor are \(more) more)" : ""); refusing a checkpoint "
                               + "with weights the network would ignore")
        }
        var used = shapes
        for key in counters { used[key] = nil }
        used.ignoredKeys += counters
        return ModelDescription(spec: spec, layout: layout, shapes: used,
                                sourceKeys: used.keys.map { ($0, sourceKeys.source(of: $0)) })
    }

    /// Builds the network `d` describes from its canonically keyed weights.
    /// With `blend`, builds `(1 − α)·dict + α·blend.b` from the two ends' convs instead.
    static func construct(_ d: ModelDescription, _ dict: StateDict, source: String,
                          blend: BlendSource? = nil) throws -> DetectedModel {
        let log = ConvLog()
        let r = WeightReader(dict: dict, source: source, blend: blend, convLog: log)
        let net: any SuperResolutionNetwork
        switch d.spec.architecture {
        case .rrdbNet: net = try RRDBNet(r, layout: d.layout)
        case .msrResNet: net = try MSRResNet(r, layout: d.layout)
        case .srganGenerator: net = try SRGANGenerator(r, layout: d.layout)
        case .srvggNetCompact: net = try SRVGGNetCompact(r, layout: d.layout)
        }
        return DetectedModel(spec: d.spec, stateDict: dict, network: net, modelDescription: d, convs: log.convs)
    }

    /// The canonical keys of a checkpoint whose keys are `keys`: wrapper prefixes shared by every
    /// key (`params_ema.`, `params.`, `module.`, …) are stripped, preferring the EMA weights when a
    /// BasicSR file holds both; keys of other wrappers (`params.…` beside `params_ema.…`) are ignored.
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
