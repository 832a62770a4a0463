import EnhanceCheckpoints
import EnhanceTensor
import Foundation

/// SwinIR (image restoration with Swin transformers), as spandrel's `SwinIR` loads it: the input is
/// reflect-padded on the bottom and right to a multiple of the window size, shifted by the RGB mean
/// (0.4488, 0.4371, 0.4040) and scaled by `img_range` (255 for window 7, spandrel's rule for the
/// JPEG models; else 1); `conv_first` (3×3 to `embed_dim`); the tokens (optionally LayerNormed,
/// `patch_embed.norm`) go through residual Swin transformer blocks (`layers.i`, an RSTB each:
/// `depths[i]` Swin blocks, then `1conv` or `3conv` on the image and the RSTB's input added), a
/// LayerNorm (`norm`), `conv_after_body` plus the `conv_first` features, and the upsampler
/// (``Upsampler``); the output is unscaled, the mean added back and the padding cropped.
///
/// A Swin block (``SwinBlock``) is `x + proj(W-MSA(LN(x)))`, then `x + fc2(GELU(fc1(LN(x))))`:
/// multi-head self-attention inside `window × window` windows with a relative position bias
/// (`relative_position_bias_table`), every odd block on windows shifted by `window / 2` with the
/// reference's mask. Token-major data (``Matrix``) from the patch embedding to the unembedding of
/// each RSTB.
///
/// **Buffers.** `relative_position_index` and `attn_mask` are derived from the window size (and
/// the training `img_size`, which only the mask's shape tells); they are accepted, shape-checked,
/// and never read or blended: Enhance derives the bias from the table and the mask for each padded
/// input size, as the reference does for sizes other than `img_size`.
///
/// **Tiles.** Windows are anchored at the tile's corner and shifted windows wrap around its edges,
/// so tiles and margins are multiples of the window size (``Config/tileMultiple``) and a tile's
/// windows are the untiled pass's; each Swin block lets a pixel see at most `window − 1` pixels
/// further, so the receptive radius is `Σ depths · (window − 1)` plus the convolutions' (263 px for
/// SwinIR-M); the default margin stays 48 px (6 windows of 8). Seam error measured in
/// `SwinIRTests.testRealSizeSwinIRMatchesSpandrel` and docs/architectures.md.
enum SwinIR: NetworkArchitecture {
    static let name = "SwinIR"
    static let canonicalLayout = "SwinIR"
    /// spandrel's keys, with the relative position bias table (Swin2SR has a continuous bias
    /// instead) and the attention's `proj` that every SwinIR block has.
    static let detection = KeyCondition.all([
        .has("layers.0.residual_group.blocks.0.norm1.weight"),
        .any([.has("conv_first.weight"), .has("conv_first.1.weight")]),
        .has("layers.0.residual_group.blocks.0.mlp.fc1.bias"),
        .has("layers.0.residual_group.blocks.0.attn.relative_position_index"),
        .has("layers.0.residual_group.blocks.0.attn.relative_position_bias_table"),
        .has("layers.0.residual_group.blocks.0.attn.proj.weight"),
    ])
    /// SwinIR-M as the real-world ×4 models are (`003_realSR_BSRGAN_DFO_s64w8_SwinIR-M_x4_GAN`).
    static let benchmarks = [
        BenchmarkEntry(name: "swinir-m", label: "SwinIR-M", config: Config.medium(scale: 4, upsampler: .nearestConv)),
    ]
    /// spandrel's `rgb_mean` for RGB models.
    static let mean: [Float] = [0.4488, 0.4371, 0.4040]

    typealias Upsampler = TransformerUpsampler

    struct Config: ArchitectureConfig {
        var embedDim: Int
        var depths: [Int]
        var heads: [Int]
        var windowSize: Int
        /// Hidden features of each block's MLP (`mlp_ratio · embed_dim`).
        var mlpHidden: Int
        /// `patch_embed.norm` (a LayerNorm over the embedded tokens) present.
        var patchNorm: Bool
        /// `3conv` residual convolutions (3×3 to dim/4, 1×1, 3×3 back) instead of one 3×3.
        var threeConv: Bool
        var upsampler: Upsampler
        /// `num_feat` of the `pixelshuffle` and `nearest+conv` tails (unused otherwise).
        var numFeat: Int
        var scale: Int
        /// Windows of the shifted blocks' `attn_mask` buffer: `(img_size / window)²` (spandrel reads
        /// the training `img_size` from it; 64 px when absent).
        var maskWindows: Int

        /// The training `img_size` (spandrel: `√nW · window`).
        var imgSize: Int { Int(Double(maskWindows).squareRoot() * Double(windowSize)) }
        /// The reference shifts odd blocks by `window / 2` unless `img_size ≤ window`.
        var shift: Int { imgSize <= windowSize ? 0 : windowSize / 2 }
        /// spandrel's rule: the window-7 models (JPEG artefact removal) take 0…255.
        var imgRange: Float { windowSize == 7 ? 255 : 1 }
        var tileMultiple: Int { windowSize }
        /// Attention's `q·kᵀ` and `attn·v`: `2 · window² · embed_dim` per token and block.
        var macsOutsideLayers: Double {
            Double(depths.reduce(0, +) * 2 * windowSize * windowSize * embedDim)
        }
        /// Each block reaches at most `window − 1` pixels further (within its window).
        var extraReceptiveRadius: Int { depths.reduce(0, +) * (windowSize - 1) }

        var hyperParameters: [(name: String, value: Int)] {
            [("embed_dim", embedDim), ("window_size", windowSize), ("img_size", imgSize),
             ("img_range", Int(imgRange)), ("patch_norm", patchNorm ? 1 : 0)]
                + (upsampler == .pixelShuffle || upsampler == .nearestConv ? [("num_feat", numFeat)] : [])
        }

        var settings: [(name: String, value: String)] {
            func list(_ v: [Int]) -> String { v.map(String.init).joined(separator: ",") }
            return [("depths", list(depths)), ("num_heads", list(heads)),
                    ("mlp_ratio", String(format: "%g", Double(mlpHidden) / Double(embedDim))),
                    ("upsampler", upsampler == .none ? "none" : upsampler.rawValue),
                    ("resi_connection", threeConv ? "3conv" : "1conv")]
        }

        /// Per token (one per padded input pixel), during a block's attention: the `conv_first`
        /// features (the body's residual), the RSTB's input, the block's input, its `qkv` (3·dim) and
        /// the attention's output, 7·dim, plus dim of headroom (a transient copy: windows, the
        /// residual sum), the shifted-window mask (window² per pixel) and the input and output
        /// images (3 + 3·s²); the tails run in strips of rows (a fixed cost). Measured on SwinIR-M ×4
        /// nearest+conv with random weights (peak RSS of the debug `enhance upscale --model`,
        /// untiled, 64² → 128² → 160² inputs: 219, 269, 337 MB): 4.1 then 7.4 KB per added input
        /// pixel, 5.5 KB from 64² to 160², image pipeline included. This estimate: 1 555 floats, 6.2 KB.
        var peakFloatsPerInputPixel: Double {
            Double(8 * embedDim + windowSize * windowSize + 3 + 3 * scale * scale)
        }

        /// SwinIR-M (embed 180, six RSTBs of six blocks, six heads, window 8, MLP ratio 2), trained at 64 px.
        static func medium(scale: Int, upsampler: Upsampler) -> Config {
            Config(embedDim: 180, depths: Array(repeating: 6, count: 6), heads: Array(repeating: 6, count: 6),
                   windowSize: 8, mlpHidden: 360, patchNorm: true, threeConv: false, upsampler: upsampler,
                   numFeat: 64, scale: scale, maskWindows: 64)
        }
    }

    static func config(_ r: ShapeReader) throws -> Config {
        guard !r.has("conv_first.1.weight") else {
            throw NetworkError(r.source, "SwinIR with a pixel-unshuffle head (conv_first.1, spandrel's "
                               + "start_unshuffle) is not supported")
        }
        let first = try r.convShape("conv_first")
        try r.requireRGB(first.in, "conv_first")
        let dim = first.out, block0 = "layers.0.residual_group.blocks.0."
        let index = try r.shape(block0 + "attn.relative_position_index")
        let ws = Int(Double(index.first ?? 0).squareRoot().rounded())
        guard index.count == 2, ws > 0, index == [ws * ws, ws * ws] else {
            throw NetworkError(r.source, "tensor '\(block0)attn.relative_position_index' has shape \(index), "
                               + "expected [window², window²]")
        }
        let layers = try r.consecutive(prefix: "layers.", suffix: ".residual_group.blocks.0.norm1.weight",
                                       what: "SwinIR RSTBs")
        var depths: [Int] = [], heads: [Int] = []
        for i in 0..<layers {
            let p = "layers.\(i).residual_group.blocks."
            depths.append(try r.consecutive(prefix: p, suffix: ".norm1.weight", what: "SwinIR blocks of layer \(i)"))
            let table = try r.shape(p + "0.attn.relative_position_bias_table")
            guard table.count == 2, table[0] == (2 * ws - 1) * (2 * ws - 1), table[1] > 0, dim % table[1] == 0 else {
                throw NetworkError(r.source, "tensor '\(p)0.attn.relative_position_bias_table' has shape \(table), "
                                   + "expected [(2·\(ws) − 1)², heads dividing \(dim)]")
            }
            heads.append(table[1])
        }
        let mask = "layers.0.residual_group.blocks.1.attn_mask"
        let maskWindows = r.has(mask) ? try r.shape(mask)[0] : (64 / ws) * (64 / ws)
        var c = Config(embedDim: dim, depths: depths, heads: heads, windowSize: ws,
                       mlpHidden: try r.vectorLength(block0 + "mlp.fc1.bias"),
                       patchNorm: r.has("patch_embed.norm.weight"),
                       threeConv: !r.has("conv_after_body.weight"), upsampler: .none, numFeat: 64, scale: 1,
                       maskWindows: maskWindows)
        try readUpsampler(r, &c)
        return c
    }

    /// The upsampler, `num_feat` and scale, from which tail tensors exist and their shapes (spandrel's rules).
    private static func readUpsampler(_ r: ShapeReader, _ c: inout Config) throws {
        if r.has("conv_before_upsample.0.weight") {
            c.numFeat = try r.convShape("conv_before_upsample.0").out
            try r.requireRGB(try r.convShape("conv_last").out, "conv_last")
            if r.has("conv_up1.weight") {
                c.upsampler = .nearestConv
                let ups = try r.consecutive(prefix: "conv_up", suffix: ".weight", from: 1, what: "SwinIR conv_up")
                guard ups <= 3 else {
                    throw NetworkError(r.source, "SwinIR nearest+conv with \(ups) conv_up layers (×2, ×4 and ×8 "
                                       + "have 1–3)")
                }
                c.scale = 1 << ups
            } else {
                c.upsampler = .pixelShuffle
                c.scale = try r.pixelShuffleStages(numFeat: c.numFeat, family: "SwinIR").reduce(1, *)
            }
        } else if r.has("upsample.0.weight") {
            c.upsampler = .pixelShuffleDirect
            let out = try r.convShape("upsample.0").out, s = Int(Double(out / 3).squareRoot().rounded())
            guard s >= 1, 3 * s * s == out else {
                throw NetworkError(r.source, "SwinIR upsample.0 has \(out) outputs, not 3·s² (only RGB networks "
                                   + "are supported)")
            }
            c.scale = s
        } else {
            try r.requireRGB(try r.convShape("conv_last").out, "conv_last")
        }
    }

    static func makeNetwork(_ config: Config, _ scope: Scope) throws -> any NetworkBody {
        try Network(config, scope)
    }
}
