import EnhanceCheckpoints
import EnhanceTensor
import Foundation

/// DAT (Dual Aggregation Transformer), as spandrel's `DAT` loads it: the input is shifted by the RGB
/// mean (0.4488, 0.4371, 0.4040) (`img_range` 1); `conv_first` (3×3 to `embed_dim`); the tokens,
/// LayerNormed (`before_RG.1`), go through residual groups (`layers.i`: `depth[i]` DAT blocks, then
/// `1conv` or `3conv` on the image and the group's input added), a LayerNorm (`norm`),
/// `conv_after_body` plus the `conv_first` features, and the upsampler (`pixelshuffle`:
/// `conv_before_upsample.0`, LeakyReLU 0.01, ×2ⁿ or ×3 stages, `conv_last`; `pixelshuffledirect`:
/// `upsample.0` to 3·s², one pixel shuffle); the mean is added back. No padding of the image.
///
/// A DAT block is `x + attn(LN₁(x))`, then `x + SGFN(LN₂(x))`. Even blocks attend spatially
/// (``SpatialAttention``): `qkv`, the channels split into two halves of `num_heads / 2` heads,
/// each in rectangular windows (`split_size` h × w for the first, w × h for the second), with a
/// dynamic position bias (a small MLP on the relative offsets, ``DynamicPosBias``); the `qkv` map is
/// zero-padded on the bottom and right to the larger split side (padded keys take part in the
/// softmax, as in the reference), and every fourth block (from block 2 in even groups, block 0 in
/// odd ones) rolls its windows by half their sides with Swin's mask. Odd blocks attend between
/// channels (``ChannelSelfAttention``: cosine similarities over all tokens, times a learnt
/// `temperature`, softmax). Both add a depthwise 3×3 conv branch on `v` (BatchNorm, GELU) and
/// the adaptive interaction module: a channel map (squeeze-excitation of one branch, GELU) and a
/// spatial map (1×1 convs to dim/16 and 1, GELU) gate the branches crosswise before `proj`. The
/// spatial-gate FFN (``SpatialGateFFN``): `fc1`, GELU, the halves `x₁ ⊙ dwconv(LN(x₂))`, `fc2`.
///
/// **Buffers.** `rpe_biases`, `relative_position_index` and the shifted blocks' `attn_mask_0/1`
/// are derived from the split sizes (and the training `img_size`, which only the masks' shape
/// tells, 64 when absent); they are accepted, shape-checked and never blended. The shapes give the
/// two split sides but not their order: a description (headers) assumes the smaller first, as in
/// every published model ([8, 16], [8, 32]); a build reads the order from `rpe_biases`' values.
///
/// **Statistics.** The channel attention's weights sum over every token and both interaction
/// modules take a global average pool, so tiles take them from the image's first pass
/// (``Config/wholeImageStatistics``, docs/architectures.md §6).
///
/// **Tiles.** Windows are anchored at the tile's corner (``Config/tileMultiple`` is the larger split
/// side); each spatial block reaches `max(split) − 1` pixels further, plus the convolutions (642 px
/// for DAT-2). The default margin (48 px) rounds up to 64 px. Measured on random DAT-2 ×4 models
/// (release CLI, 16-bit PNGs, scripts/oracles/dat_real_size.sh): 64 px tiles of a 128×128 photo
/// crop replaying the first pass differ from the untiled pass by at most 7.6e-5 with a 32 px margin
/// on spandrel's initial weights (0.19 without), 2.8e-3 (0.7/255, 0.009 % of the values more than
/// 0.5/255 apart) with Linears at PyTorch's default init (0.86 without); with the default 64 px, on
/// a 256×64 strip, 1.5e-5 (one 16-bit step) on both; docs/architectures.md §7.
enum DAT: NetworkArchitecture {
    static let name = "DAT"
    static let canonicalLayout = "DAT"
    /// spandrel's keys, reduced to what every DAT has (`before_RG` and the spatial gate are DAT's own).
    static let detection = KeyCondition.all([
        .has("conv_first.weight"),
        .has("before_RG.1.weight"),
        .has("layers.0.blocks.0.ffn.sg.conv.weight"),
        .has("layers.0.blocks.0.attn.attns.0.rpe_biases"),
        .has("layers.0.blocks.0.attn.attns.0.pos.pos_proj.weight"),
        .has("layers.0.blocks.0.attn.dwconv.0.weight"),
        .has("norm.weight"),
        .any([.has("conv_after_body.weight"), .has("conv_after_body.4.weight")]),
        .any([.all([.has("conv_before_upsample.0.weight"), .has("conv_last.weight")]), .has("upsample.0.weight")]),
    ])
    /// DAT-2 ×4 (the DAT repository's `DAT_2_x4`).
    static let benchmarks = [BenchmarkEntry(name: "dat2", label: "DAT-2", config: Config.dat2(scale: 4))]
    /// spandrel's `rgb_mean`.
    static let mean: [Float] = [0.4488, 0.4371, 0.4040]

    static func config(_ r: ShapeReader) throws -> Config {
        let first = try r.convShape("conv_first")
        try r.requireRGB(first.in, "conv_first")
        let dim = first.out
        let groups = try r.consecutive(prefix: "layers.", suffix: ".blocks.0.norm1.weight", what: "DAT groups")
        var depths: [Int] = [], heads: [Int] = []
        for i in 0..<groups {
            let p = "layers.\(i).blocks."
            let depth = try r.consecutive(prefix: p, suffix: ".norm1.weight", what: "DAT blocks of group \(i)")
            let h = depth >= 2 ? try r.shape(p + "1.attn.temperature")[0]
                : 2 * (try r.shape(p + "0.attn.attns.0.pos.pos3.2.weight")[0])
            guard h >= 2, h % 2 == 0, dim % h == 0 else {
                throw NetworkError(r.source, "DAT group \(i) has \(h) heads; the spatial attention needs an even "
                                   + "number of heads dividing \(dim)")
            }
            depths.append(depth)
            heads.append(h)
        }
        let attn0 = "layers.0.blocks.0.attn.attns.0."
        let (a, b) = try splitSides(r, n: try r.shape(attn0 + "relative_position_index"),
                                    p: try r.shape(attn0 + "rpe_biases"))
        let block0 = "layers.0.blocks.0.", qkvBias = r.has(block0 + "attn.qkv.bias")
        if !qkvBias, let stray = r.shapes.keys.first(where: { $0.hasSuffix("qkv.bias") }) {
            throw NetworkError(r.source, "tensor '\(stray)' is not used by the detected DAT: "
                               + "'\(block0)attn.qkv.bias' is absent, so no qkv Linear has a bias (qkv_bias)")
        }
        let hidden = try r.shape(block0 + "ffn.fc1.weight")[0]
        guard hidden % 2 == 0 else {
            throw NetworkError(r.source, "DAT's spatial gate splits fc1's \(hidden) features in halves: odd")
        }
        var c = Config(embedDim: dim, depths: depths, heads: heads, split: (a, b), ffnHidden: hidden,
                       qkvBias: qkvBias, threeConv: !r.has("conv_after_body.weight"), upsampler: .pixelShuffle,
                       numFeat: 64, factors: [], imgSize: 64)
        if let mask = r.shapes.keys.first(where: { $0.hasSuffix(".attn.attn_mask_0") }) {
            let s = try r.shape(mask)
            c.imgSize = Int(Double(s[0] * (s.count > 1 ? s[1] : 0)).squareRoot().rounded())
        }
        if r.has("conv_last.weight") {
            c.numFeat = try r.convShape("conv_before_upsample.0").out
            try r.requireRGB(try r.convShape("conv_last").out, "conv_last")
            c.factors = try r.pixelShuffleStages(numFeat: c.numFeat, family: "DAT")
        } else {
            c.upsampler = .pixelShuffleDirect
            let up = try r.convShape("upsample.0"), s = Int(Double(up.out / 3).squareRoot().rounded())
            guard s >= 1, 3 * s * s == up.out, up.in == dim else {
                throw NetworkError(r.source, "DAT upsample.0 is [\(up.out), \(up.in)], not [3·s², \(dim)] (only RGB "
                                   + "networks are supported)")
            }
            (c.numFeat, c.factors) = (dim, [s])
        }
        return c
    }

    /// The split sides `(a, b)`, `a ≤ b`, from `relative_position_index` `[a·b, a·b]` and
    /// `rpe_biases` `[(2a − 1)(2b − 1), 2]`; the larger must be a multiple of the smaller (the
    /// reference pads to the larger and cuts windows of both).
    private static func splitSides(_ r: ShapeReader, n: [Int], p: [Int]) throws -> (Int, Int) {
        let area = n.first ?? 0, rows = p.first ?? 0, sum = (4 * area + 1 - rows) / 2
        let root = Int(Double(max(sum * sum - 4 * area, 0)).squareRoot().rounded())
        let a = (sum - root) / 2, b = (sum + root) / 2
        guard n.count == 2, n[1] == area, p == [rows, 2], a >= 1, a * b == area, (2 * a - 1) * (2 * b - 1) == rows,
              b % a == 0 else {
            throw NetworkError(r.source, "DAT position tables \(n) and \(p) are not [h·w, h·w] and "
                               + "[(2h−1)(2w−1), 2] for split sides h, w, one a multiple of the other")
        }
        return (a, b)
    }

    static func makeNetwork(_ config: Config, _ scope: Scope) throws -> any NetworkBody {
        try Network(config, scope)
    }
}
