import EnhanceCheckpoints

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
        if dict["conv_first.weight"] != nil && dict["body.0.rdb1.conv1.weight"] != nil { return .rrdbNet }
        if dict["conv_first.weight"] != nil && dict["upconv1.weight"] != nil { return .msrResNet }
        if dict["block1.0.weight"] != nil && dict["block2.conv1.weight"] != nil { return .srganGenerator }
        if let b0 = dict["body.0.weight"], b0.shape.count == 4,
           let b1 = dict["body.1.weight"], b1.shape.count == 1 { return .srvggNetCompact }
        return nil
    }

    /// Builds `arch` from a canonically keyed `dict` (all shapes validated).
    public static func build(_ arch: Architecture, _ dict: StateDict, source: String,
                             layout: String) throws -> DetectedModel {
        let net: any SuperResolutionNetwork
        let spec: ModelSpec
        let inCh = net0In(dict), outCh: Int
        switch arch {
        case .rrdbNet:
            let n = try RRDBNet(dict, source: source)
            outCh = n.layers.last!.outChannels
            net = n
            spec = ModelSpec(architecture: arch, scale: n.scale, inChannels: outCh, outChannels: outCh,
                             numFeat: n.numFeat, numBlocks: n.numBlocks, growChannels: n.numGrowCh, keyLayout: layout)
        case .msrResNet:
            let n = try MSRResNet(dict, source: source)
            net = n
            spec = ModelSpec(architecture: arch, scale: n.scale, inChannels: inCh, outChannels: n.layers.last!.outChannels,
                             numFeat: n.numFeat, numBlocks: n.numBlocks, growChannels: nil, keyLayout: layout)
        case .srganGenerator:
            let n = try SRGANGenerator(dict, source: source)
            net = n
            spec = ModelSpec(architecture: arch, scale: n.scale, inChannels: inCh, outChannels: n.layers.last!.outChannels,
                             numFeat: n.numFeat, numBlocks: n.numBlocks, growChannels: nil, keyLayout: layout)
        case .srvggNetCompact:
            let n = try SRVGGNetCompact(dict, source: source)
            net = n
            spec = ModelSpec(architecture: arch, scale: n.scale, inChannels: inCh, outChannels: 3,
                             numFeat: n.numFeat, numBlocks: n.numConv, growChannels: nil, keyLayout: layout)
        }
        guard spec.inChannels == 3, spec.outChannels == 3 else {
            throw NetworkError(source, "\(arch.rawValue) with \(spec.inChannels) input / \(spec.outChannels) output channels; only RGB (3) networks are supported")
        }
        return DetectedModel(spec: spec, stateDict: dict, network: net)
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
    static func unwrap(_ dict: StateDict) -> StateDict {
        for prefix in ["params_ema.", "params.", "state_dict.", "module.", "netG.", "generator."] {
            let matching = dict.keys.filter { $0.hasPrefix(prefix) }
            guard !matching.isEmpty,
                  prefix.hasPrefix("params") || matching.count == dict.count else { continue }
            var out = StateDict()
            for k in matching { out[String(k.dropFirst(prefix.count))] = dict[k] }
            return unwrap(out)
        }
        return dict
    }
}
