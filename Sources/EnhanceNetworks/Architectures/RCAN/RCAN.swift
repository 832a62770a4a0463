import EnhanceCheckpoints
import EnhanceTensor

/// RCAN (Residual Channel Attention Network), as spandrel's `RCAN` loads it: `head` (a conv, or a
/// pixel unshuffle by 2 or 4 then a conv: the `unshuffle_mod` variant for ×2 and ×1), `body`
/// (`n_resgroups` residual groups, each `n_resblocks` RCABs and a conv, then a conv; a residual
/// around each group and around the whole body) and `tail` (`tail.0`, pixel-shuffle stages of a
/// 3×3 conv to 4·nf then ×2, or to 9·nf then ×3; `tail.1`, a conv to RGB).
///
/// An RCAB is `x + ca(conv(relu(conv(x))))`; its channel attention (`body.3`, a `CALayer`)
/// multiplies each channel by `σ(conv_du.2(relu(conv_du.0(mean over the map))))`. The mean is a
/// statistic of the whole feature map, so, like GroupNorm, it makes the output depend on how much
/// of the image one forward pass sees (docs/architectures.md, "Normalisation over the whole map").
///
/// **Tiles and channel attention.** Every channel attention takes its channel means from the pass's
/// ``StatisticsSource`` (as RealPLKSR's GroupNorm does): the ``Upscaler``'s first pass per image
/// records them and every tile, TUI view and export band replays them, so the output does not
/// depend on the tiles and previews equal exports; a bare forward pass uses its own map's (chaiNNer's
/// per-tile behaviour). Measured on spandrel's default ×4 with PyTorch's initial weights:
/// docs/architectures.md.
///
/// **Mean shift.** With `sub_mean`/`add_mean` in the checkpoint (spandrel's `norm`), the input is
/// multiplied by `rgb_range` = 255 — not in the file, spandrel assumes it — and goes through
/// `sub_mean` (a 1×1 conv 3 → 3 whose weights are read from the file); the output goes through
/// `add_mean` and is divided by 255. Enhance folds the 255 into `sub_mean`'s weights and
/// `add_mean` and the division into `tail.1` (exact: 1×1 affine maps after a conv). Without them
/// the range is 1 and there is no shift.
enum RCAN: NetworkArchitecture {
    static let name = "RCAN"
    static let canonicalLayout = "RCAN"
    /// spandrel's conditions: a head conv at `head.0` or (after a pixel unshuffle) `head.1`.
    static let detection = KeyCondition.all([
        .any([.has("head.0.weight"), .has("head.1.weight")]), .has("tail.1.weight"),
        .has("body.0.body.0.body.0.weight"), .has("body.0.body.0.body.3.conv_du.0.weight"),
    ])
    static let benchmarks = [
        BenchmarkEntry(name: "rcan", label: "RCAN-10x20",
                       config: Config(nFeats: 64, groups: 10, blocks: 20, reduction: 16, kernelSize: 3, norm: true,
                                      unshuffle: 1, stages: [2, 2])),
    ]
    /// spandrel's `rgb_range` with `norm` (not in the checkpoint).
    static let rgbRange: Float = 255

    struct Config: ArchitectureConfig {
        var nFeats: Int
        var groups: Int
        var blocks: Int
        /// Channel attention squeezes `nFeats` to `nFeats / reduction`.
        var reduction: Int
        var kernelSize: Int
        /// `sub_mean` / `add_mean` present (input scaled to 0…255 and mean-shifted).
        var norm: Bool
        /// The head's pixel-unshuffle factor (1: none; 2 or 4 in the `unshuffle_mod` variant).
        var unshuffle: Int
        /// The tail's pixel-shuffle factors, in order (`[2, 2]` for ×4, `[3]` for ×3, `[]` for ×1).
        var stages: [Int]

        /// The tail's factor over the trunk's resolution.
        var tailScale: Int { stages.reduce(1, *) }
        var scale: Int { tailScale / unshuffle }
        var inputMultiple: Int { unshuffle }
        var hyperParameters: [(name: String, value: Int)] {
            [("n_feats", nFeats), ("n_resgroups", groups), ("n_resblocks", blocks), ("reduction", reduction),
             ("kernel_size", kernelSize), ("norm", norm ? 1 : 0), ("downscale_factor", unshuffle)]
        }

        /// Per trunk pixel (1/unshuffle² of an input pixel), the trunk holds the body's input (the
        /// whole-body residual), a group's input, an RCAB's input, its two conv outputs and the
        /// attention-scaled one: 6·nf; the tail runs in strips of rows (a fixed cost). Plus the
        /// input and the output image (3 + 3·s²). Measured on nf 64 ×4 with one group of two RCABs
        /// (peak RSS of the debug `enhance upscale`, untiled, 128² → 256² → 384² → 512²): 0.68, 1.01,
        /// 1.28 KB per added input pixel, image pipeline included; ten groups keep one more nf map
        /// (a group's input), about 1.5 KB. This estimate: 435 floats, 1.74 KB.
        var peakFloatsPerInputPixel: Double {
            Double(6 * nFeats) / Double(unshuffle * unshuffle) + Double(3 + 3 * scale * scale)
        }
        /// Channel attention scales by each channel's mean over the whole map.
        var wholeImageStatistics: Bool { true }
    }

    static func config(_ r: ShapeReader) throws -> Config {
        let unshuffled = r.has("head.1.weight")
        let head = try r.convShape(unshuffled ? "head.1" : "head.0")
        var d = 1
        if unshuffled {
            d = Int(Double(head.in / 3).squareRoot().rounded())
            guard d == 2 || d == 4, 3 * d * d == head.in else {
                throw NetworkError(r.source, "RCAN head.1 reads \(head.in) channels, not 3·2² or 3·4² (an "
                                   + "unshuffled RGB image)")
            }
        } else {
            try r.requireRGB(head.in, "head.0")
        }
        let nf = head.out
        try r.requireRGB(try r.convShape("tail.1").out, "tail.1")
        var stages: [Int] = []
        for i in r.indices(prefix: "tail.0.", suffix: ".weight") {
            let up = try r.convShape("tail.0.\(i)"), f = Int(Double(up.out / nf).squareRoot().rounded())
            guard i == 2 * stages.count, up.in == nf, (f == 2 || f == 3), up.out == f * f * nf else {
                throw NetworkError(r.source, "RCAN upsampler conv tail.0.\(i) is [\(up.out), \(up.in)], not a "
                                   + "pixel-shuffle stage [4·\(nf) or 9·\(nf), \(nf)] at tail.0.\(2 * stages.count)")
            }
            stages.append(f)
        }
        // The unshuffle head always comes with the ×4 tail (the reference's scale is 4 / unshuffle).
        guard !stages.contains(3) || stages == [3], d == 1 || stages == [2, 2] else {
            throw NetworkError(r.source, "RCAN upsampler stages \(stages) are not ×2ⁿ or ×3"
                               + (d == 1 ? "" : " (×4 after a pixel unshuffle by \(d))"))
        }
        let du = try r.convShape("body.0.body.0.body.3.conv_du.0")
        guard du.out > 0, nf % du.out == 0 else {
            throw NetworkError(r.source, "RCAN channel attention squeezes \(nf) channels to \(du.out)")
        }
        let groups = try r.consecutive(prefix: "body.", suffix: ".body.0.body.0.weight", what: "RCAN residual groups")
        let blocks = try r.consecutive(prefix: "body.0.body.", suffix: ".body.0.weight", what: "RCAN RCABs")
        return Config(nFeats: nf, groups: groups, blocks: blocks, reduction: nf / du.out, kernelSize: head.k,
                      norm: r.has("sub_mean.weight"), unshuffle: d, stages: stages)
    }

    static func makeNetwork(_ config: Config, _ scope: Scope) throws -> any NetworkBody {
        try Network(config, scope)
    }
}
