import EnhanceCheckpoints
import EnhanceTensor

/// RealPLKSR (neosr's PLKSR for real-world degradations), as spandrel's `PLKSR` folder loads it:
/// the ``PLKSR`` trunk with a DCCM mixer using Mish (`channel_mixer.0/2`, 3×3 → 3×3), optional
/// `layer_norm` before it (LayerNorm over channels, eps 1e-6) and, when there is none, `norm`
/// after `refine` (GroupNorm, 4 groups — not detectable, spandrel's and neosr's default — eps
/// 1e-5); `feats.n+1` is a dropout (no tensors), `feats.n+2` the dim → 3·s² conv; `to_img` is a
/// pixel shuffle or, when `to_img.init_pos` exists, ``DySample``.
///
/// **Tiles and GroupNorm.** GroupNorm normalises each block's output by statistics over the whole
/// map it is given, so a forward pass's result depends on how much of the image it sees. Each norm
/// takes its group means and variances from the pass's ``StatisticsSource``: the ``Upscaler``
/// records them in one first pass per image (the image itself up to
/// ``UpscaleOptions/statisticsSide``, else a reduced copy) and every tile, TUI view and export band
/// replays them, so tiles equal the untiled pass (up to the margin) and previews equal exports. A
/// bare forward pass uses its own map's, as chaiNNer does per tile. How far a reduced copy's
/// statistics are from the image's own: docs/architectures.md. The LayerNorm variant normalises
/// per pixel and tiles exactly.
enum RealPLKSR: NetworkArchitecture {
    static let name = "RealPLKSR"
    static let canonicalLayout = "PLKSR"
    static let detection = KeyCondition.all([
        .has("feats.0.weight"), .has("feats.1.lk.conv.weight"), .has("feats.1.refine.weight"),
        .has("feats.1.channel_mixer.0.weight"),
    ])
    static let benchmarks = [
        BenchmarkEntry(name: "realplksr", label: "RealPLKSR-64x28",
                       config: Config(trunk: PLKBlocks.Trunk(scale: 4, dim: 64, blocks: 28, kernelSize: 17,
                                                             partialChannels: 16, useEA: true),
                                      layerNorm: false, dySample: false)),
    ]
    /// GroupNorm groups (spandrel's and neosr's default; the checkpoint does not say).
    static let normGroups = 4

    @dynamicMemberLookup
    struct Config: ArchitectureConfig {
        var trunk: PLKBlocks.Trunk
        /// LayerNorm before the mixer instead of GroupNorm after `refine`.
        var layerNorm: Bool
        var dySample: Bool

        subscript<T>(dynamicMember field: KeyPath<PLKBlocks.Trunk, T>) -> T { trunk[keyPath: field] }
        var scale: Int { trunk.scale }
        var hyperParameters: [(name: String, value: Int)] {
            trunk.rows + [("layer_norm", layerNorm ? 1 : 0), ("dysample", dySample ? 1 : 0)]
        }
        var peakFloatsPerInputPixel: Double { trunk.peakFloats }
        /// GroupNorm normalises by the whole map's statistics.
        var wholeImageStatistics: Bool { !layerNorm }
    }

    static func config(_ r: ShapeReader) throws -> Config {
        let (dim, blocks) = try PLKBlocks.trunk(r)
        let lk = try r.convShape("feats.1.lk.conv")
        let layerNorm = r.has("feats.1.layer_norm.weight")
        guard layerNorm || dim % normGroups == 0 else {
            throw NetworkError(r.source, "RealPLKSR GroupNorm needs dim divisible by \(normGroups), not \(dim)")
        }
        let trunk = PLKBlocks.Trunk(scale: try PLKBlocks.scale(r, lastConv: "feats.\(blocks + 2)"), dim: dim,
                                    blocks: blocks, kernelSize: lk.k, partialChannels: lk.out,
                                    useEA: r.has("feats.1.attn.f.0.weight"))
        return Config(trunk: trunk, layerNorm: layerNorm, dySample: r.has("to_img.init_pos"))
    }

    static func makeNetwork(_ c: Config, _ s: Scope) throws -> any NetworkBody {
        let feats = s["feats"], d = c.dim
        // The trunk runs channel-packed when its convs can and the partial conv takes whole 16-channel
        // groups (RealPLKSR 64: 16); the LayerNorm variant normalises per pixel on CHW.
        let packed = !c.layerNorm && c.partialChannels % 16 == 0
            && s.packed16([(d, 2 * d, 3), (2 * d, d, 3), (d, d, 3), (d, d, 1)])
        return PLKBlocks.Network(first: try feats.conv("0", in: 3, out: c.dim, k: 3),
                                 blocks: try (1...c.blocks).map { try Block(feats[$0], c, packed ? .packed16 : .chw) },
                                 packed: packed,
                                 tail: try PLKBlocks.Tail(feats, last: c.blocks + 2,
                                                          dySample: c.dySample ? s["to_img"] : nil, dim: c.dim,
                                                          scale: c.scale))
    }

    /// One block: `x + norm(refine(attn(lk(mixer(layer_norm(x))))))`.
    struct Block: PLKBlock {
        let layerNorm: (weight: [Float], bias: [Float])?
        let mixer0, mixer2: Conv
        let lk: Conv
        let attn: Conv?
        let refine: Conv
        let norm: (weight: [Float], bias: [Float])?

        /// `layout`: the trunk's (the large kernel runs CHW on the leading channels either way).
        init(_ s: Scope, _ c: Config, _ layout: TensorLayout) throws {
            let d = c.dim, ln = s["layer_norm"], gn = s["norm"]
            layerNorm = c.layerNorm ? (try ln.vector("weight", count: d), try ln.vector("bias", count: d)) : nil
            mixer0 = try s["channel_mixer"].conv("0", in: d, out: 2 * d, k: 3, layout: layout)
            mixer2 = try s["channel_mixer"].conv("2", in: 2 * d, out: d, k: 3, layout: layout)
            lk = try s["lk"].conv("conv", in: c.partialChannels, out: c.partialChannels, k: c.kernelSize)
            attn = c.useEA ? try s["attn"]["f"].conv("0", in: d, out: d, k: 3, layout: layout) : nil
            refine = try s.conv("refine", in: d, out: d, k: 1, layout: layout)
            norm = c.layerNorm ? nil : (try gn.vector("weight", count: d), try gn.vector("bias", count: d))
        }

        func callAsFunction(_ x: Tensor, pool: ThreadPool, statistics: StatisticsPass) throws -> Tensor {
            var h = layerNorm.map { layerNormChannels(x, weight: $0.weight, bias: $0.bias, eps: 1e-6, pool: pool) } ?? x
            h = mixer2(mixer0(h, activation: .mish, pool: pool), pool: pool)
            h = lk(leadingChannelsOf: h, pool: pool)
            if let attn { h = mul(h, attn(h, activation: .sigmoid, pool: pool), pool: pool) }
            guard let norm else { return refine(h, residual: x, pool: pool) }
            let n = try statistics.groupNorm(refine(h, pool: pool), groups: RealPLKSR.normGroups,
                                             weight: norm.weight, bias: norm.bias, pool: pool)
            return add(n, x, pool: pool)
        }
    }
}
