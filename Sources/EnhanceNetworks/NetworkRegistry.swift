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
/// layout of its family (BasicSR for RRDBNet/MSRResNet), and the built network.
public struct DetectedModel: Sendable {
    public var spec: ModelSpec
    /// Canonically keyed weights (what interpolation blends and SafeTensors export writes).
    public var stateDict: StateDict
    public var network: any SuperResolutionNetwork
    /// The network's convs built straight from `prefix.weight` / `prefix.bias` of ``stateDict``,
    /// by prefix: the prepared kernels a ``ModelBlender`` blends.
    var convs: [String: Conv2D] = [:]
}

/// Recognises architectures from state-dict keys and shapes (like spandrel) and builds networks.
public enum NetworkRegistry {
    /// Detects the architecture of `dict` and builds it. `source` names the file in errors.
    /// Unknown layouts throw an error listing the first few keys found.
    public static func detect(_ dict: StateDict, source: String) throws -> DetectedModel {
        let d = unwrap(dict)
        if ESRGANKeyMapping.matches(d) {
            return try build(.rrdbNet, ESRGANKeyMapping.toBasicSR(d, source: source), source: source, layout: "ESRGAN")
        }
        guard let arch = architecture(of: d) else {
            let keys = d.keys.prefix(6).map { k in "\(k)\(d[k]!.shape)" }.joined(separator: ", ")
            throw NetworkError(source, "unrecognised network layout (\(d.count) tensors; first keys: \(keys))")
        }
        let layout: String
        switch arch {
        case .rrdbNet, .msrResNet: layout = "BasicSR"
        case .srganGenerator: layout = "leftthomas"
        case .srvggNetCompact: layout = "Real-ESRGAN"
        }
        return try build(arch, d, source: source, layout: layout)
    }

    /// The family whose characteristic keys `dict` (canonical layout) contains, if any.
    public static func architecture(of dict: StateDict) -> Architecture? {
        architecture { dict[$0]?.shape }
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
        let (spec, net, convs) = try build(arch, WeightReader(dict: dict, source: source), layout: layout)
        var model = DetectedModel(spec: spec, stateDict: dict, network: net, convs: convs)
        let counters = dict.keys.filter { $0 == "num_batches_tracked" || $0.hasSuffix(".num_batches_tracked") }
        for key in counters { model.stateDict[key] = nil }
        model.stateDict.ignoredKeys += counters
        return model
    }

    /// Builds `arch` from what `reader` reads (a state dict, or a pair's blend), strictly (see
    /// ``build(_:_:source:layout:)``); also returns the convs built from the dict's own tensors.
    static func build(_ arch: Architecture, _ reader: WeightReader,
                      layout: String) throws -> (ModelSpec, any SuperResolutionNetwork, [String: Conv2D]) {
        let log = KeyLog(), dict = reader.dict, source = reader.source
        let (spec, net) = try KeyLog.$current.withValue(log) {
            try buildUnchecked(arch, WeightReader(dict: dict, source: source, blend: reader.blend), layout: layout)
        }
        let unread = dict.keys.filter { !log.contains($0) }
        let counters = unread.filter { $0 == "num_batches_tracked" || $0.hasSuffix(".num_batches_tracked") }
        if let first = unread.first(where: { !counters.contains($0) }) {
            let more = unread.count - counters.count - 1
            throw NetworkError(source, "tensor '\(first)' \(dict[first]!.shape) is not used by the detected "
                               + "\(arch.rawValue)\(more > 0 ? " (nor are \(more) more)" : ""); refusing a checkpoint "
                               + "with weights the network would ignore")
        }
        return (spec, net, log.convs)
    }

    private static func buildUnchecked(_ arch: Architecture, _ r: WeightReader,
                                       layout: String) throws -> (ModelSpec, any SuperResolutionNetwork) {
        let net: any SuperResolutionNetwork
        let spec: ModelSpec
        let inCh = net0In(r.dict), outCh: Int, source = r.source
        switch arch {
        case .rrdbNet:
            let n = try RRDBNet(reading: r)
            outCh = n.layers.last!.outChannels
            net = n
            spec = ModelSpec(architecture: arch, scale: n.scale, inChannels: outCh, outChannels: outCh,
                             numFeat: n.numFeat, numBlocks: n.numBlocks, growChannels: n.numGrowCh, keyLayout: layout)
        case .msrResNet:
            let n = try MSRResNet(reading: r)
            net = n
            spec = ModelSpec(architecture: arch, scale: n.scale, inChannels: inCh, outChannels: n.layers.last!.outChannels,
                             numFeat: n.numFeat, numBlocks: n.numBlocks, growChannels: nil, keyLayout: layout)
        case .srganGenerator:
            let n = try SRGANGenerator(reading: r)
            net = n
            spec = ModelSpec(architecture: arch, scale: n.scale, inChannels: inCh, outChannels: n.layers.last!.outChannels,
                             numFeat: n.numFeat, numBlocks: n.numBlocks, growChannels: nil, keyLayout: layout)
        case .srvggNetCompact:
            let n = try SRVGGNetCompact(reading: r)
            net = n
            spec = ModelSpec(architecture: arch, scale: n.scale, inChannels: inCh, outChannels: 3,
                             numFeat: n.numFeat, numBlocks: n.numConv, growChannels: nil, keyLayout: layout)
        }
        guard spec.inChannels == 3, spec.outChannels == 3 else {
            throw NetworkError(source, "\(arch.rawValue) with \(spec.inChannels) input / \(spec.outChannels) output channels; only RGB (3) networks are supported")
        }
        return (spec, net)
    }

    /// Input channels of the first conv in the canonical layouts.
    private static func net0In(_ d: StateDict) -> Int {
        for k in ["conv_first.weight", "block1.0.weight", "body.0.weight"] {
            if let s = d[k]?.shape, s.count == 4 { return s[1] }
        }
        return 0
    }

    /// Strips wrapper prefixes shared by every key (`params_ema.`, `params.`, `module.`, …),
    /// preferring the EMA weights when a BasicSR file holds both.
    /// Keys of other wrappers (`params.…` beside `params_ema.…`) move to ``StateDict/ignoredKeys``.
    static func unwrap(_ dict: StateDict) -> StateDict {
        guard let prefix = wrapperPrefix(dict.keys) else { return dict }
        var out = StateDict()
        for k in dict.keys where k.hasPrefix(prefix) { out[String(k.dropFirst(prefix.count))] = dict[k] }
        out.ignoredKeys = dict.ignoredKeys + dict.keys.filter { !$0.hasPrefix(prefix) }
        return unwrap(out)
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
