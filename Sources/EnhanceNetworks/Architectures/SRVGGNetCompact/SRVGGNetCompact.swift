import EnhanceCheckpoints
import EnhanceTensor

/// Real-ESRGAN SRVGGNetCompact: `body.0` conv, then alternating PReLU (`body.odd.weight`, one slope
/// per feature) and conv layers; the last conv emits `3·s²` channels that are pixel-shuffled by
/// `s`, and the nearest-upsampled input is added.
enum SRVGGNetCompact: NetworkArchitecture {
    static let name = "SRVGGNetCompact"
    static let canonicalLayout = "Real-ESRGAN"
    static let detection = KeyCondition.all([.rank("body.0.weight", 4), .rank("body.1.weight", 1)])

    struct Config: ArchitectureConfig {
        var scale: Int
        var numFeat: Int
        /// Hidden feature → feature convolutions (`num_conv`).
        var numConv: Int

        var hyperParameters: [(name: String, value: Int)] { [("num_feat", numFeat), ("blocks", numConv)] }
        /// The largest layer's input plus twice its output: a hidden conv's or the last one's.
        var peakFloatsPerInputPixel: Double { Double(max(3 * numFeat, numFeat + 6 * scale * scale)) }
    }

    static func config(_ r: ShapeReader) throws -> Config {
        let idx = r.indices(prefix: "body.", suffix: ".weight")
        guard let lastIdx = idx.last, idx.count >= 3, idx == Array(0...lastIdx) else {
            let gap = (0...(idx.last ?? 0)).first { !idx.contains($0) }
            throw NetworkError(r.source, (gap.map { "missing tensor 'body.\($0).weight': " } ?? "")
                               + "SRVGGNetCompact body must be numbered body.0…body.n with PReLU layers "
                               + "between convs (found \(idx.prefix(6)))")
        }
        guard lastIdx % 2 == 0 else {
            throw NetworkError(r.source, "SRVGGNetCompact ends with a PReLU (body.\(lastIdx)); expected a conv")
        }
        let first = try r.convShape("body.0"), last = try r.convShape("body.\(lastIdx)").out
        try r.requireRGB(first.in, "body.0")
        let nf = first.out
        let s = Int(Double(last / 3).squareRoot().rounded())
        guard s >= 1, s * s * 3 == last else {
            throw NetworkError(r.source, "SRVGGNetCompact last conv has \(last) outputs, not 3·s²")
        }
        return Config(scale: s, numFeat: nf, numConv: lastIdx / 2 - 1)
    }

    static func makeNetwork(_ config: Config, _ scope: Scope) throws -> any NetworkBody {
        try Network(config, scope)
    }

    final class Network: NetworkBody, @unchecked Sendable {
        let scale: Int
        /// Each conv with the PReLU slopes that follow it.
        let convs: [(Conv, [Float])]
        let last: Conv

        init(_ c: Config, _ s: Scope) throws {
            scale = c.scale
            let body = s["body"], nf = c.numFeat
            var convs: [(Conv, [Float])] = []
            for i in 0...c.numConv {
                let conv = try body.conv(String(2 * i), in: i == 0 ? 3 : nf, out: nf, k: 3)
                convs.append((conv, try body[2 * i + 1].vector("weight", count: nf)))
            }
            self.convs = convs
            last = try body.conv(String(2 * c.numConv + 2), in: nf, out: 3 * c.scale * c.scale, k: 3)
        }

        func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                     options: ForwardOptions) throws -> Tensor {
            var feat = x
            for (c, s) in convs {
                try cancel.check()
                feat = c(feat, activation: .prelu(s), pool: pool)
            }
            let y = pixelShuffle(last(feat, pool: pool), scale)
            return addScaled(y, upsampleNearest(x, factor: scale))
        }
    }
}
