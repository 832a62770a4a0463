import EnhanceCheckpoints
import EnhanceTensor

/// Real-ESRGAN SRVGGNetCompact: `body.0` conv, then alternating PReLU (`body.odd.weight`, one slope
/// per feature) and conv layers; the last conv emits `3·s²` channels that are pixel-shuffled by
/// `s`, and the nearest-upsampled input is added.
public final class SRVGGNetCompact: SuperResolutionNetwork, @unchecked Sendable {
    public let architecture = Architecture.srvggNetCompact
    public let scale: Int
    public let numFeat: Int
    /// Number of hidden feature→feature convolutions (`num_conv`).
    public let numConv: Int
    public let layers: [LayerInfo]
    public var inputMultiple: Int { 1 }

    private let convs: [(Conv2D, [Float])]
    private let last: Conv2D

    /// Builds from a canonically keyed state dict; `source` names the file in errors.
    public convenience init(_ dict: StateDict, source: String) throws {
        try self.init(reading: WeightReader(dict: dict, source: source))
    }

    /// Builds from whatever `r` reads (a state dict, or a blend of two).
    init(reading r: WeightReader) throws {
        let source = r.source
        let idx = r.indices(prefix: "body.", suffix: ".weight")
        guard let lastIdx = idx.last, idx.count >= 3, idx == Array(0...lastIdx) else {
            throw NetworkError(source, "SRVGGNetCompact body must be numbered body.0…body.n with PReLU layers between convs (found \(idx.prefix(6)))")
        }
        var info: [LayerInfo] = []
        var convs: [(Conv2D, [Float])] = []
        var i = 0
        while i < lastIdx {
            let c = try r.conv("body.\(i)", k: 3)
            let slopes = try r.vector("body.\(i + 1).weight", count: c.outChannels)
            info.append(LayerInfo("body.\(i)", c, resolution: 1))
            convs.append((c, slopes))
            i += 2
        }
        guard i == lastIdx else {
            throw NetworkError(source, "SRVGGNetCompact ends with a PReLU (body.\(lastIdx)); expected a conv")
        }
        numFeat = convs[0].0.outChannels
        last = try r.conv("body.\(lastIdx)", in: numFeat, k: 3)
        let outCh = 3, s2 = last.outChannels / outCh
        let s = Int(Double(s2).squareRoot().rounded())
        guard s * s * outCh == last.outChannels, s >= 1 else {
            throw NetworkError(source, "SRVGGNetCompact last conv has \(last.outChannels) outputs, not 3·s²")
        }
        scale = s
        numConv = convs.count - 1
        info.append(LayerInfo("body.\(lastIdx)", last, resolution: 1))
        self.convs = convs
        layers = info
    }

    public func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?) throws -> Tensor {
        try validateInput(x)
        var feat = x
        for (c, s) in convs {
            try cancel.check()
            feat = c(feat, activation: .prelu(s), pool: pool)
        }
        let y = pixelShuffle(last(feat, pool: pool), scale)
        return addScaled(y, upsampleNearest(x, factor: scale))
    }
}
