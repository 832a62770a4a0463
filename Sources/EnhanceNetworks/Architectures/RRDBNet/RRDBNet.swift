import EnhanceCheckpoints
import EnhanceTensor

/// ESRGAN / Real-ESRGAN Residual-in-Residual Dense Block network (BasicSR `RRDBNet`).
///
/// Keys (BasicSR): `conv_first`, `body.N.rdbR.convC` (N blocks × 3 dense blocks × 5 convs),
/// `conv_body`, `conv_up1`, `conv_up2`, `conv_hr`, `conv_last`; the original ESRGAN layout
/// (`model.0`, `model.1.sub.N.RDBk.convc.0`, …) and Real-ESRGAN's ncnn graphs are converted to it.
/// LeakyReLU slope 0.2, dense-block residual scale 0.2. ×4 upsamples with two nearest ×2 + conv
/// stages; ×2 and ×1 pixel-unshuffle the input by 2 or 4 first (Real-ESRGAN x2plus style), so
/// `conv_first` sees 12 or 48 channels. Every hyper-parameter comes from tensor shapes.
enum RRDBNet: NetworkArchitecture {
    static let name = "RRDBNet"
    static let canonicalLayout = "BasicSR"
    static let detection = KeyCondition.all([.has("conv_first.weight"), .has("body.0.rdb1.conv1.weight")])
    static let keyConversions = [ESRGANKeys.conversion]
    static let benchmarks = [
        BenchmarkEntry(name: "rrdbnet", label: "RRDBNet-23",
                       config: Config(scale: 4, unshuffle: 1, numFeat: 64, numGrow: 32, numBlocks: 23)),
    ]

    struct Config: ArchitectureConfig {
        var scale: Int
        /// Pixel-unshuffle factor applied to the input (1, 2 or 4).
        var unshuffle: Int
        var numFeat: Int
        var numGrow: Int
        var numBlocks: Int

        var inputMultiple: Int { unshuffle }
        var hyperParameters: [(name: String, value: Int)] {
            [("num_feat", numFeat), ("blocks", numBlocks), ("num_grow_ch", numGrow)]
        }

        /// The body's peak, the tail running in strips of ``StripedTail`` rows (a fixed cost): the
        /// trunk, block input, residual and output (4·nf, plus one nf of headroom) and the growing
        /// dense inputs (4·gc), at the body's resolution (Winograd transforms live in fixed per-worker
        /// scratch). Measured on RealESRGAN_x4plus (nf 64, gc 32), peak RSS of `enhance upscale`
        /// 384² minus 128² untiled: 1.52 KB per input pixel, this estimate 1.79 KB.
        var peakFloatsPerInputPixel: Double {
            let res = 1 / Double(unshuffle)
            return Double(5 * numFeat + 4 * numGrow) * res * res
        }
    }

    static func config(_ r: ShapeReader) throws -> Config {
        let first = try r.convShape("conv_first"), last = try r.convShape("conv_last")
        let unshuffle: Int, scale: Int
        switch first.in {
        case last.out: (unshuffle, scale) = (1, 4)
        case last.out * 4: (unshuffle, scale) = (2, 2)
        case last.out * 16: (unshuffle, scale) = (4, 1)
        default:
            throw NetworkError(r.source, "RRDBNet conv_first has \(first.in) input channels for \(last.out) output "
                               + "channels; expected ×1, ×4 or ×16")
        }
        try r.requireRGB(last.out, "conv_last")
        let nb = try r.consecutive(prefix: "body.", suffix: ".rdb1.conv1.weight", what: "RRDBNet body blocks")
        return Config(scale: scale, unshuffle: unshuffle, numFeat: first.out,
                      numGrow: try r.convShape("body.0.rdb1.conv1").out, numBlocks: nb)
    }

    static func makeNetwork(_ config: Config, _ scope: Scope) throws -> any NetworkBody {
        try Network(config, scope)
    }
}
