import EnhanceCheckpoints
import EnhanceTensor

/// PLKSR, "Partial Large Kernel CNNs for Efficient Super-Resolution" (dslisleedh), as spandrel's
/// `PLKSR` folder loads it; its sibling ``RealPLKSR`` (neosr's variant) shares the blocks.
///
/// Keys: `feats.0` (3 → dim conv), `feats.1…n` blocks, `feats.n+1` (dim → 3·s² conv); a block is
/// `channe_mixer.0/2` (sic: the reference spells it so; CCM 3×3 → 1×1, ICCM 1×1 → 3×3 or DCCM
/// 3×3 → 3×3, GELU between, dim → 2·dim → dim), `lk.conv` (the partial large kernel: a k×k conv on
/// the first `pdim` = dim·split_ratio channels, the others passed through), optional `attn.f.0`
/// (element-wise attention `x · σ(conv3×3 x)`), `refine` (1×1) and the block's residual. The
/// output is `pixel_shuffle(feats(x) + repeat_interleave(x, s²))`. Every hyper-parameter is read
/// from tensor shapes; `with_idt` cannot be (spandrel assumes false, so does Enhance). The sparse
/// large-kernel ablations (`lk.convs.N`, `lk.mn_conv`: ``LargeKernel``) run as the one square
/// kernel they sum to. No normalisation: tiles with a margin of the receptive radius are exact.
///
/// The large kernel (17×17 on 16 of 64 channels in the usual configuration) runs as an
/// overlap-save FFT convolution (``Conv2D``'s path from 9×9 on, 64×64 transforms): profiled before
/// on the direct GEMM kernel (96² map, 2 AVX2 cores) it was 47 % of a block's time for 28 % of
/// its MACs; the FFT runs it ~10× faster.
enum PLKSR: NetworkArchitecture {
    static let name = "PLKSR"
    static let canonicalLayout = "PLKSR"
    static let detection = KeyCondition.all([
        .has("feats.0.weight"),
        .any([.has("feats.1.lk.conv.weight"), .has("feats.1.lk.convs.0.weight"), .has("feats.1.lk.mn_conv.weight")]),
        .has("feats.1.refine.weight"),
        .has("feats.1.channe_mixer.0.weight"),
    ])

    /// The convolutional channel mixer's kernel sizes (first, second conv).
    enum Mixer: Int, Sendable {
        case ccm = 31, iccm = 13, dccm = 33
        var kernels: (Int, Int) { (rawValue / 10, rawValue % 10) }
    }

    @dynamicMemberLookup
    struct Config: ArchitectureConfig {
        var trunk: PLKBlocks.Trunk
        var mixer: Mixer
        var largeKernel: LargeKernel = .plk

        subscript<T>(dynamicMember field: KeyPath<PLKBlocks.Trunk, T>) -> T { trunk[keyPath: field] }
        var scale: Int { trunk.scale }
        var hyperParameters: [(name: String, value: Int)] {
            trunk.rows + [("mixer_kernels", mixer.rawValue), ("lk_type", largeKernel.rawValue)]
        }
        var peakFloatsPerInputPixel: Double { trunk.peakFloats }
    }

    static func config(_ r: ShapeReader) throws -> Config {
        let (dim, blocks) = try PLKBlocks.trunk(r)
        let lk = try largeKernel(r)
        let k0 = try r.convShape("feats.1.channe_mixer.0").k, k2 = try r.convShape("feats.1.channe_mixer.2").k
        guard let mixer = Mixer(rawValue: 10 * k0 + k2) else {
            throw NetworkError(r.source, "PLKSR channel mixer with \(k0)×\(k0) and \(k2)×\(k2) convs; expected CCM "
                               + "(3, 1), ICCM (1, 3) or DCCM (3, 3)")
        }
        let scale = try PLKBlocks.scale(r, lastConv: "feats.\(blocks + 1)")
        let trunk = PLKBlocks.Trunk(scale: scale, dim: dim, blocks: blocks, kernelSize: lk.k,
                                    partialChannels: lk.channels, useEA: r.has("feats.1.attn.f.0.weight"))
        return Config(trunk: trunk, mixer: mixer, largeKernel: lk.0)
    }

    static func makeNetwork(_ c: Config, _ s: Scope) throws -> any NetworkBody {
        let feats = s["feats"]
        return PLKBlocks.Network(first: try feats.conv("0", in: 3, out: c.dim, k: 3),
                                 blocks: try (1...c.blocks).map { try Block(feats[$0], c) },
                                 tail: try PLKBlocks.Tail(feats, last: c.blocks + 1, dySample: nil, dim: c.dim,
                                                          scale: c.scale))
    }

    /// One block: `x + refine(attn(lk(mixer(x))))`.
    struct Block: PLKBlock {
        let mixer0, mixer2: Conv
        let lk: Conv
        let attn: Conv?
        let refine: Conv

        init(_ s: Scope, _ c: Config) throws {
            let (k0, k2) = c.mixer.kernels, m = s["channe_mixer"]
            mixer0 = try m.conv("0", in: c.dim, out: 2 * c.dim, k: k0)
            mixer2 = try m.conv("2", in: 2 * c.dim, out: c.dim, k: k2)
            lk = try PLKSR.largeKernelConv(s, c)
            attn = c.useEA ? try s["attn"]["f"].conv("0", in: c.dim, out: c.dim, k: 3) : nil
            refine = try s.conv("refine", in: c.dim, out: c.dim, k: 1)
        }

        func callAsFunction(_ x: Tensor, pool: ThreadPool, statistics: StatisticsPass) -> Tensor {
            var h = mixer2(mixer0(x, activation: .gelu, pool: pool), pool: pool)
            h = lk(leadingChannelsOf: h, pool: pool)
            if let attn { h = mul(h, attn(h, activation: .sigmoid, pool: pool), pool: pool) }
            return refine(h, residual: x, pool: pool)
        }
    }
}
