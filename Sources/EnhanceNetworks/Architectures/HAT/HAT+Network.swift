import EnhanceCheckpoints
import EnhanceTensor

extension HAT {
    /// `RHAG`: the ``HAB``s of `residual_group.blocks`, the ``OCAB`` `residual_group.overlap_attn`,
    /// then `conv` (3×3, `1conv`; none for `identity`) on the image, plus the group's input. Two
    /// transposes (tokens → CHW → tokens) per group besides each block's channel attention.
    struct ResidualGroup {
        let blocks: [HAB]
        let overlap: OCAB
        let conv: Conv?

        init(_ s: Scope, _ c: Config, group i: Int) throws {
            let g = s["residual_group"]
            blocks = try (0..<c.depths[i]).map { j in
                try HAB(g["blocks"][j], c, heads: c.heads[i], shift: j % 2 == 1 ? c.shift : 0)
            }
            overlap = try OCAB(g["overlap_attn"], c, heads: c.heads[i])
            conv = c.convResidual ? try s.conv("conv", in: c.embedDim, out: c.embedDim, k: 3) : nil
        }

        func callAsFunction(_ x: Matrix, height h: Int, width w: Int, mask: [Float]?, pool: ThreadPool,
                            cancel: CancellationToken?, statistics: StatisticsPass) throws -> Matrix {
            var t = x
            for block in blocks {
                try cancel.check()
                t = try block(t, height: h, width: w, mask: mask, pool: pool, statistics: statistics)
            }
            try cancel.check()
            t = overlap(t, height: h, width: w, pool: pool)
            guard let conv else { return add(t, x, pool: pool) }
            let image = conv(Tensor(tokens: t, height: h, width: w, pool: pool), pool: pool)
            return add(Matrix(tokensOf: image, pool: pool), x, pool: pool)
        }
    }

    /// The pixel-shuffle reconstruction, CHW: `conv_before_upsample.0` (LeakyReLU 0.01), the stages
    /// `upsample.0, .2, …` (conv, pixel shuffle), `conv_last`.
    struct Tail {
        let before: Conv
        let ups: [Conv]
        let factors: [Int]
        let last: Conv

        init(_ s: Scope, _ c: Config) throws {
            before = try s["conv_before_upsample"].conv("0", in: c.embedDim, out: c.numFeat, k: 3)
            factors = c.stages
            var r = 1.0
            ups = try factors.enumerated().map { i, f in
                defer { r *= Double(f) }
                return try s["upsample"].conv(String(2 * i), in: c.numFeat, out: f * f * c.numFeat, k: 3, resolution: r)
            }
            last = try s.conv("conv_last", in: c.numFeat, out: 3, k: 3, resolution: r)
        }

        /// Receptive radius in trunk rows (a strip's halo): each 3×3 conv's one pixel at its resolution.
        var radius: Int {
            var r = 1.0, res = 1.0
            for f in factors { r += 1 / res; res *= Double(f) }
            return Int((r + 1 / res).rounded(.up)) + 1
        }

        func callAsFunction(_ body: Tensor, pool: ThreadPool) -> Tensor {
            var u = before(body, activation: .leakyReLU(0.01), pool: pool)
            for (conv, f) in zip(ups, factors) { u = pixelShuffle(conv(u, pool: pool), f) }
            return last(u, pool: pool)
        }
    }

    /// The whole network: CHW around token-major RHAGs (``ResidualGroup``).
    final class Network: NetworkBody, @unchecked Sendable {
        let config: Config
        let first: Conv
        let patchNorm: (weight: [Float], bias: [Float])?
        let layers: [ResidualGroup]
        let norm: (weight: [Float], bias: [Float])
        let afterBody: Conv?
        let tail: Tail

        init(_ c: Config, _ s: Scope) throws {
            config = c
            let ws = c.windowSize, n = ws * ws
            try s.derivedBuffer("relative_position_index_SA", shape: [n, n])
            try s.derivedBuffer("relative_position_index_OCA", shape: [n, c.overlapWindow * c.overlapWindow])
            first = try s.conv("conv_first", in: 3, out: c.embedDim, k: 3)
            patchNorm = c.patchNorm ? try s["patch_embed"].layerNorm("norm", count: c.embedDim) : nil
            layers = try c.depths.indices.map { try ResidualGroup(s["layers"][$0], c, group: $0) }
            norm = try s.layerNorm("norm", count: c.embedDim)
            afterBody = c.convResidual ? try s.conv("conv_after_body", in: c.embedDim, out: c.embedDim, k: 3) : nil
            tail = try Tail(s, c)
        }

        func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                     options: ForwardOptions) throws -> Tensor {
            let c = config, ws = c.windowSize, h0 = x.height, w0 = x.width
            // The reference's check_image_size: reflect-pad the bottom and right to window multiples.
            let padded = reflectPad(x, top: 0, left: 0, bottom: (ws - h0 % ws) % ws, right: (ws - w0 % ws) % ws)
            let feat = first(binary(padded, perChannel: HAT.mean, .sub, pool: pool), pool: pool)
            let statistics = StatisticsPass(options.statistics)
            let body = try trunk(feat, pool: pool, cancel: cancel, statistics: statistics)
            try statistics.finish()
            try cancel.check()
            // The tail's high-resolution maps would dominate a tile's memory: strips of rows starting on
            // multiples of 4, so every stage keeps the whole map's Winograd grid.
            let rows = options.tailStripRows ?? StripedTail.rows(width: body.width)
            var y = try StripedTail.run(height: body.height, scale: c.scale, halo: tail.radius, stripRows: rows,
                                        align: 4, cancel: cancel) { r in
                tail(body.rows(r), pool: pool)
            }
            y = binary(y, perChannel: HAT.mean, .add, pool: pool)
            return y.cropped(y: 0, x: 0, height: h0 * c.scale, width: w0 * c.scale)
        }

        /// `conv_first`'s features → `conv_after_body(norm(RHAGs(embed(feat)))) + feat`, CHW.
        private func trunk(_ feat: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                           statistics: StatisticsPass) throws -> Tensor {
            let h = feat.height, w = feat.width, c = config
            var t = Matrix(tokensOf: feat, pool: pool)
            if let p = patchNorm { t = layerNormRows(t, weight: p.weight, bias: p.bias, pool: pool) }
            let mask = shiftedWindowMask(height: h, width: w, window: c.windowSize, shift: c.shift)
            for layer in layers {
                t = try layer(t, height: h, width: w, mask: mask, pool: pool, cancel: cancel, statistics: statistics)
            }
            t = layerNormRows(t, weight: norm.weight, bias: norm.bias, pool: pool)
            let image = Tensor(tokens: t, height: h, width: w, pool: pool)
            guard let afterBody else { return add(image, feat, pool: pool) }
            return afterBody(image, residual: feat, pool: pool)
        }
    }
}
