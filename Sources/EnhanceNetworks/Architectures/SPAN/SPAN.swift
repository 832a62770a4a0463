import EnhanceCheckpoints
import EnhanceTensor

/// SPAN (Swift Parameter-free Attention Network), as spandrel's `SPAN` defines it: with `norm`,
/// the input becomes `(x − mean)·255` (mean 0.4488, 0.4371, 0.4040; the output is not
/// de-normalised); `conv_1`, six `SPAB` blocks (`block_1`…`block_6`), `conv_2`, a 1×1 `conv_cat`
/// over `[conv_1 out, conv_2 out, block_1 out, block_6's first conv out]`, and `upsampler.0`, a
/// 3×3 conv to `3·s²` channels that is pixel-shuffled by `s`.
///
/// Every 3×3 conv but the upsampler's is a `Conv3XC`: branches `sk` (1×1) and `conv.0` (1×1,
/// to 2·in) → `conv.1` (3×3, to 2·out) → `conv.2` (1×1, to out), which Enhance fuses into one 3×3
/// conv when it builds (``SPAN/fuse(_:in:out:)``), from the branch tensors as spandrel's
/// forward does. A checkpoint's `eval_conv` tensors (a stale copy of that fusion) are required
/// and shape-checked, as spandrel's strict load requires them, but never read: spandrel's eval
/// forward overwrites them (`Conv3XC.update_params`) before every use.
enum SPAN: NetworkArchitecture {
    static let name = "SPAN"
    static let canonicalLayout = "SPAN"
    /// spandrel's detection keys for SPAN.
    static let detection = KeyCondition.all([
        "conv_1.sk.weight", "block_1.c1_r.sk.weight", "block_1.c1_r.eval_conv.weight",
        "block_1.c3_r.eval_conv.weight", "conv_cat.weight", "conv_2.sk.weight", "conv_2.eval_conv.weight",
        "upsampler.0.weight",
    ].map(KeyCondition.has))
    static let benchmarks = [
        BenchmarkEntry(name: "span", label: "SPAN-ch48", config: Config(scale: 4, featureChannels: 48, norm: true)),
    ]
    /// SPAB blocks: fixed in the reference (`block_1`…`block_6`).
    static let blockCount = 6

    struct Config: ArchitectureConfig {
        var scale: Int
        var featureChannels: Int
        /// Whether the input is normalised to `(x − mean)·255` (no `no_norm` buffer in the checkpoint).
        var norm: Bool

        var hyperParameters: [(name: String, value: Int)] {
            [("feature_channels", featureChannels), ("blocks", SPAN.blockCount), ("norm", norm ? 1 : 0)]
        }

        /// The trunk's peak (block 6): `conv_1`'s and `block_1`'s outputs (kept for `conv_cat`), the block's
        /// input, its three convs' outputs and the attention's, 6·nf, plus 3·nf of headroom; or the tail's
        /// (the trunk's features freed): `conv_cat`'s output, the upsampler's `3·s²` channels and their
        /// shuffle. Measured on ch 48 ×4 (RSS of the debug `enhance upscale --tile N` at 384² minus 128²,
        /// untiled): 1.92 KB per input pixel, of which about 0.26 KB is the ×4 image pipeline (the same
        /// measurement on the ×4 SRVGGNetCompact fixture); this estimate is 1.74 KB.
        var peakFloatsPerInputPixel: Double {
            Double(max(9 * featureChannels, featureChannels + 6 * scale * scale) + 3)
        }
    }

    static func config(_ r: ShapeReader) throws -> Config {
        let first = try r.convShape("conv_1.sk"), up = try r.convShape("upsampler.0")
        try r.requireRGB(first.in, "conv_1.sk")
        let nf = first.out
        let s = Int(Double(up.out / 3).squareRoot().rounded())
        guard up.out % 3 == 0, s >= 1, s * s * 3 == up.out else {
            throw NetworkError(r.source, "SPAN upsampler.0 has \(up.out) outputs, not 3·s² (only RGB networks "
                               + "are supported)")
        }
        return Config(scale: s, featureChannels: nf, norm: !r.has("no_norm"))
    }

    static func makeNetwork(_ config: Config, _ scope: Scope) throws -> any NetworkBody {
        try Network(config, scope)
    }
}
