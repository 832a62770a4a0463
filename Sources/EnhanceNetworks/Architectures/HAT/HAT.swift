import EnhanceCheckpoints
import EnhanceTensor
import Foundation

/// HAT (Hybrid Attention Transformer), as spandrel's `HAT` loads it: the input is shifted by the RGB
/// mean (0.4488, 0.4371, 0.4040) (`img_range` 1) and reflect-padded on the bottom and right to a
/// multiple of the window size; `conv_first` (3×3 to `embed_dim`); the tokens (optionally
/// LayerNormed, `patch_embed.norm`) go through residual hybrid attention groups (`layers.i`, an RHAG
/// each: `depths[i]` hybrid attention blocks, one overlapping cross-attention block, then the 3×3
/// `conv` on the image, or none for `identity`, and the group's input added), a LayerNorm (`norm`),
/// `conv_after_body` (or none) plus the `conv_first` features, and the pixel-shuffle upsampler
/// (`conv_before_upsample.0`, LeakyReLU 0.01, ×2ⁿ or ×3 stages `upsample.0, .2, …`, none for ×1,
/// `conv_last`); the mean is added back and the padding cropped.
///
/// A hybrid attention block (``HAB``) is `x + W-MSA(LN(x)) + 0.01 · CAB(LN(x))`, then
/// `x + MLP(LN(x))`: Swin's window self-attention (window 16 in the published models, relative
/// position bias, every odd block on windows shifted by `window / 2` with Swin's mask) beside a
/// channel-attention block (3×3 conv to `embed_dim / compress_ratio`, GELU, 3×3 conv back,
/// squeeze-excitation with `embed_dim / squeeze_factor` channels; `conv_scale` 0.01, which the
/// state dict cannot tell and spandrel fixes). The overlapping cross-attention block (``OCAB``)
/// attends from each window to the `window · (1 + overlap_ratio)`-wide zero-padded window around
/// it, with its own relative position bias table.
///
/// **Buffers.** `relative_position_index_SA` and `relative_position_index_OCA` are derived from the
/// window sizes; they are accepted, shape-checked, never read or blended (spandrel reads the window
/// sizes from their shapes, as ``config(_:)`` does for the first).
///
/// **Statistics.** The channel attention's global average pool spans the whole feature map, so a
/// tile takes it from the image's first pass (``Config/wholeImageStatistics``, docs/architectures.md
/// §6).
///
/// **Tiles.** As SwinIR's: windows anchored at the tile's corner (``Config/tileMultiple`` is the
/// window); each block reaches `window − 1` pixels further and each overlapping block
/// `window − 1 + (overlap window − window) / 2`, plus the convolutions (738 px for HAT-S). The
/// default margin, 48 px (three windows of 16), keeps seams below 8-bit visibility on the random
/// models measured (trained ones are not known): on HAT-S ×4, 64 px tiles of a 128×128
/// picture-like input replaying the first pass differ from the untiled pass by at most 1.6e-6
/// with spandrel's initial weights (16 px: 1.2e-3, 32 px: 7.8e-6) and 7.8e-5 (2.6e-5 of the output
/// range, no 8-bit value more than 0.5/255 apart) with branches of the stream's size (16 px: 0.05,
/// 13/255; 32 px: 2.0e-3). Measured by `HATTests.testRealSizeHATMatchesSpandrel`;
/// docs/architectures.md §7.
enum HAT: NetworkArchitecture {
    static let name = "HAT"
    static let canonicalLayout = "HAT"
    /// spandrel's keys, reduced to what every HAT has: the top-level window index, the channel
    /// attention block and the overlapping cross-attention (SwinIR's blocks hold their own index
    /// instead; ATD has the index but no `overlap_attn`).
    static let detection = KeyCondition.all([
        .has("relative_position_index_SA"),
        .has("conv_first.weight"),
        .has("layers.0.residual_group.blocks.0.norm1.weight"),
        .has("layers.0.residual_group.blocks.0.conv_block.cab.0.weight"),
        .has("layers.0.residual_group.blocks.0.conv_block.cab.3.attention.1.weight"),
        .has("layers.0.residual_group.overlap_attn.relative_position_bias_table"),
        .has("layers.0.residual_group.overlap_attn.qkv.weight"),
        .has("conv_last.weight"),
    ])
    /// HAT-S ×4 (the HAT repository's `HAT-S_SRx4`).
    static let benchmarks = [BenchmarkEntry(name: "hat", label: "HAT-S", config: Config.small(scale: 4))]
    /// spandrel's `rgb_mean`.
    static let mean: [Float] = [0.4488, 0.4371, 0.4040]
    /// `conv_scale`: the channel-attention branch's weight (not in the state dict; spandrel's value).
    static let convScale: Float = 0.01

    struct Config: ArchitectureConfig {
        var embedDim: Int
        var depths: [Int]
        var heads: [Int]
        var windowSize: Int
        /// The overlapping cross-attention's key window, `int(window · overlap_ratio) + window`.
        var overlapWindow: Int
        /// Hidden features of every MLP (`mlp_ratio · embed_dim`).
        var mlpHidden: Int
        /// The channel-attention block's inner convolution width (`embed_dim / compress_ratio`).
        var cabChannels: Int
        /// Its squeeze-excitation width (`embed_dim / squeeze_factor`).
        var squeezed: Int
        var patchNorm: Bool
        /// `1conv` (a 3×3 conv after each group and the body) or `identity` (none).
        var convResidual: Bool
        /// Whether the `qkv` Linears have a bias (spandrel's `qkv_bias`).
        var qkvBias: Bool
        var numFeat: Int
        /// The pixel-shuffle factors of `upsample.0, .2, …` (empty for ×1).
        var stages: [Int]

        var scale: Int { stages.reduce(1, *) }
        /// spandrel builds HAT with `img_size` 64 (the state dict cannot tell it), so odd blocks are
        /// shifted by `window / 2` (``HAT/config(_:)`` refuses windows of 64 and more).
        var shift: Int { windowSize / 2 }
        var tileMultiple: Int { windowSize }
        var wholeImageStatistics: Bool { true }
        /// Attention's `q·kᵀ` and `attn·v`: `2 · window² · embed_dim` per token and block, and
        /// `2 · overlap window² · embed_dim` per token and group.
        var macsOutsideLayers: Double {
            Double(2 * embedDim * (depths.reduce(0, +) * windowSize * windowSize
                                   + depths.count * overlapWindow * overlapWindow))
        }
        /// Each block reaches `window − 1` pixels further, each overlapping block `window − 1` plus
        /// its padding.
        var extraReceptiveRadius: Int {
            depths.reduce(0, +) * (windowSize - 1) + depths.count * (windowSize - 1 + (overlapWindow - windowSize) / 2)
        }

        var hyperParameters: [(name: String, value: Int)] {
            [("embed_dim", embedDim), ("window_size", windowSize), ("num_feat", numFeat),
             ("patch_norm", patchNorm ? 1 : 0), ("qkv_bias", qkvBias ? 1 : 0)]
        }

        var settings: [(name: String, value: String)] {
            func list(_ v: [Int]) -> String { v.map(String.init).joined(separator: ",") }
            func ratio(_ a: Int, _ b: Int) -> String { String(format: "%g", Double(a) / Double(b)) }
            return [("depths", list(depths)), ("num_heads", list(heads)), ("mlp_ratio", ratio(mlpHidden, embedDim)),
                    ("compress_ratio", ratio(embedDim, cabChannels)), ("squeeze_factor", ratio(embedDim, squeezed)),
                    ("overlap_ratio", ratio(overlapWindow - windowSize, windowSize)),
                    ("conv_scale", String(format: "%g", HAT.convScale)), ("upsampler", "pixelshuffle"),
                    ("resi_connection", convResidual ? "1conv" : "identity")]
        }

        /// Per token (one per padded input pixel) at the peak, an overlapping cross-attention: the
        /// `conv_first` features, the group's input, the block's input, its LayerNorm, `qkv` (3·dim),
        /// the query windows (dim), the key and value windows (2·dim·(overlap window / window)²)
        /// and the attention's output, plus the shifted-window mask (window² per pixel, kept through
        /// the body) and the input and output images (3 + 3·s²); the tail runs in strips of rows.
        /// Measured on HAT-S ×4 with random weights (peak RSS of the debug `enhance upscale --model`,
        /// untiled, 64² → 128² → 160² inputs: 259, 343, 424 MB): 7.0 then 8.9 KB per added input
        /// pixel, 7.8 KB from 64² to 160², image pipeline included. This estimate: 2 107 floats, 8.4 KB.
        var peakFloatsPerInputPixel: Double {
            let r = Double(overlapWindow) / Double(windowSize)
            return Double(embedDim) * (8 + 2 * r * r) + Double(windowSize * windowSize + 3 + 3 * scale * scale)
        }

        /// HAT-S (embed 144, six groups of six blocks, six heads, window 16, compress_ratio 24,
        /// squeeze_factor 24, overlap 0.5, MLP ratio 2, 64 features).
        static func small(scale: Int) -> Config {
            Config(embedDim: 144, depths: Array(repeating: 6, count: 6), heads: Array(repeating: 6, count: 6),
                   windowSize: 16, overlapWindow: 24, mlpHidden: 288, cabChannels: 6, squeezed: 6, patchNorm: true,
                   convResidual: true, qkvBias: true, numFeat: 64,
                   stages: scale == 3 ? [3] : Array(repeating: 2, count: scale.trailingZeroBitCount))
        }
    }

    static func config(_ r: ShapeReader) throws -> Config {
        guard !r.has("absolute_pos_embed") else {
            throw NetworkError(r.source, "HAT with an absolute position embedding (ape, fixed to the training "
                               + "img_size) is not supported")
        }
        let first = try r.convShape("conv_first")
        try r.requireRGB(first.in, "conv_first")
        let dim = first.out, index = try r.shape("relative_position_index_SA")
        let ws = Int(Double(index.first ?? 0).squareRoot().rounded())
        guard index.count == 2, ws > 1, ws < 64, index == [ws * ws, ws * ws] else {
            throw NetworkError(r.source, "tensor 'relative_position_index_SA' has shape \(index), expected "
                               + "[window², window²] with a window of 2 to 63")
        }
        let groups = try r.consecutive(prefix: "layers.", suffix: ".residual_group.blocks.0.norm1.weight",
                                       what: "HAT groups")
        var depths: [Int] = [], heads: [Int] = []
        for i in 0..<groups {
            let p = "layers.\(i).residual_group."
            depths.append(try r.consecutive(prefix: p + "blocks.", suffix: ".norm1.weight",
                                            what: "HAT blocks of group \(i)"))
            let table = try r.shape(p + "overlap_attn.relative_position_bias_table")
            guard table.count == 2, table[1] > 0, dim % table[1] == 0 else {
                throw NetworkError(r.source, "tensor '\(p)overlap_attn.relative_position_bias_table' has shape "
                                   + "\(table), expected [(window + overlap window − 1)², heads dividing \(dim)]")
            }
            heads.append(table[1])
        }
        let ocaTable = "layers.0.residual_group.overlap_attn.relative_position_bias_table"
        let rows = try r.shape(ocaTable)[0], side = Int(Double(rows).squareRoot().rounded()), ows = side - ws + 1
        guard side * side == rows, ows >= ws, (ows - ws) % 2 == 0 else {
            throw NetworkError(r.source, "tensor '\(ocaTable)' has \(rows) rows, not (\(ws) + an overlap window of "
                               + "\(ws) + 2n − 1)²")
        }
        let block0 = "layers.0.residual_group.blocks.0.", qkvBias = r.has(block0 + "attn.qkv.bias")
        // spandrel's qkv_bias holds for every qkv Linear: all have a bias, or none.
        if !qkvBias, let stray = r.shapes.keys.first(where: { $0.hasSuffix("qkv.bias") }) {
            throw NetworkError(r.source, "tensor '\(stray)' is not used by the detected HAT: "
                               + "'\(block0)attn.qkv.bias' is absent, so no qkv Linear has a bias (qkv_bias)")
        }
        let numFeat = try r.convShape("conv_before_upsample.0").out
        try r.requireRGB(try r.convShape("conv_last").out, "conv_last")
        return Config(embedDim: dim, depths: depths, heads: heads, windowSize: ws, overlapWindow: ows,
                      mlpHidden: try r.vectorLength(block0 + "mlp.fc1.bias"),
                      cabChannels: try r.convShape(block0 + "conv_block.cab.0").out,
                      squeezed: try r.convShape(block0 + "conv_block.cab.3.attention.1").out,
                      patchNorm: r.has("patch_embed.norm.weight"), convResidual: r.has("conv_after_body.weight"),
                      qkvBias: qkvBias, numFeat: numFeat,
                      stages: try stages(r, numFeat: numFeat))
    }

    /// The pixel-shuffle factors of `upsample.0`, `upsample.2`, … (×2ⁿ: 2s; ×3: one 3; ×1: none).
    private static func stages(_ r: ShapeReader, numFeat nf: Int) throws -> [Int] {
        var stages: [Int] = []
        for i in r.indices(prefix: "upsample.", suffix: ".weight") {
            let up = try r.convShape("upsample.\(i)"), f = Int(Double(up.out / nf).squareRoot().rounded())
            guard i == 2 * stages.count, up.in == nf, f == 2 || f == 3, up.out == f * f * nf else {
                throw NetworkError(r.source, "HAT upsampler conv upsample.\(i) is [\(up.out), \(up.in)], not a "
                                   + "pixel-shuffle stage [4·\(nf) or 9·\(nf), \(nf)] at "
                                   + "upsample.\(2 * stages.count)")
            }
            stages.append(f)
        }
        guard !stages.contains(3) || stages == [3] else {
            throw NetworkError(r.source, "HAT upsampler stages \(stages) are not ×2ⁿ or ×3")
        }
        return stages
    }

    static func makeNetwork(_ config: Config, _ scope: Scope) throws -> any NetworkBody {
        try Network(config, scope)
    }
}
