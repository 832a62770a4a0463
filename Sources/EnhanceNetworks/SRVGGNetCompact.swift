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

    public convenience init(_ dict: StateDict, source: String) throws {
        let r = WeightReader(dict: dict, source: source)
        try self.init(r, layout: Self.layout(r))
    }

    /// Builds the network `layout` (from ``layout(_:)`` on the same tensors) describes.
    init(_ r: WeightReader, layout l: NetworkLayout) throws {
        (scale, numFeat, numConv, layers) = (l.scale, l.numFeat, l.numBlocks, l.layers)
        let all = try r.convs(l.layers)
        convs = try (0..<(all.count - 1)).map { i in (all[i], try r.values("body.\(2 * i + 1).weight")) }
        last = all[all.count - 1]
    }

    /// Hyper-parameters and conv list from the tensor shapes alone.
    static func layout(_ r: WeightReader) throws -> NetworkLayout {
        let source = r.source
        let idx = r.indices(prefix: "body.", suffix: ".weight")
        guard let lastIdx = idx.last, idx.count >= 3, idx == Array(0...lastIdx) else {
            throw NetworkError(source, "SRVGGNetCompact body must be numbered body.0…body.n with PReLU layers "
                               + "between convs (found \(idx.prefix(6)))")
        }
        var info: [LayerInfo] = []
        var i = 0
        while i < lastIdx {
            // Each conv reads what the previous one wrote (the first: the image, checked as RGB later).
            let c = try r.conv("body.\(i)", in: info.last?.outChannels, k: 3)
            try r.vectorLength("body.\(i + 1).weight", count: c.outChannels)
            info.append(c)
            i += 2
        }
        guard i == lastIdx else {
            throw NetworkError(source, "SRVGGNetCompact ends with a PReLU (body.\(lastIdx)); expected a conv")
        }
        let nf = info[0].outChannels
        let last = try r.conv("body.\(lastIdx)", in: info[info.count - 1].outChannels, k: 3)
        let outCh = 3, s2 = last.outChannels / outCh
        let s = Int(Double(s2).squareRoot().rounded())
        guard s * s * outCh == last.outChannels, s >= 1 else {
            throw NetworkError(source, "SRVGGNetCompact last conv has \(last.outChannels) outputs, not 3·s²")
        }
        return NetworkLayout(scale: s, numFeat: nf, numBlocks: info.count - 1, inputMultiple: 1, layers: info + [last])
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
