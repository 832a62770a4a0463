import EnhanceCheckpoints
import EnhanceTensor

extension SwinIR {
    /// The reconstruction module's convolutions (``Upsampler``), all CHW.
    struct Tail {
        let upsampler: Upsampler
        /// `conv_before_upsample.0` (pixelshuffle, nearest+conv).
        let before: Conv?
        /// `upsample.0, .2, …` (pixelshuffle), `upsample.0` (pixelshuffledirect), `conv_up1…` (nearest+conv).
        let ups: [Conv]
        /// Their factors (2 or 3; the direct upsampler's one factor is the scale).
        let factors: [Int]
        /// `conv_hr` (nearest+conv).
        let hr: Conv?
        /// `conv_last` (all but pixelshuffledirect).
        let last: Conv?

        init(_ s: Scope, _ c: Config) throws {
            upsampler = c.upsampler
            let dim = c.embedDim, nf = c.numFeat
            var before: Conv?, ups: [Conv] = [], factors: [Int] = [], hr: Conv?, last: Conv?
            switch c.upsampler {
            case .pixelShuffle:
                before = try s["conv_before_upsample"].conv("0", in: dim, out: nf, k: 3)
                factors = c.scale == 3 ? [3] : Array(repeating: 2, count: c.scale.trailingZeroBitCount)
                var r = 1.0
                for (i, f) in factors.enumerated() {
                    ups.append(try s["upsample"].conv(String(2 * i), in: nf, out: f * f * nf, k: 3, resolution: r))
                    r *= Double(f)
                }
                last = try s.conv("conv_last", in: nf, out: 3, k: 3, resolution: r)
            case .pixelShuffleDirect:
                factors = [c.scale]
                ups = [try s["upsample"].conv("0", in: dim, out: 3 * c.scale * c.scale, k: 3)]
            case .nearestConv:
                before = try s["conv_before_upsample"].conv("0", in: dim, out: nf, k: 3)
                factors = Array(repeating: 2, count: c.scale.trailingZeroBitCount)
                ups = try factors.indices.map { i in
                    try s.conv("conv_up\(i + 1)", in: nf, out: nf, k: 3, resolution: Double(2 << i))
                }
                hr = try s.conv("conv_hr", in: nf, out: nf, k: 3, resolution: Double(c.scale))
                last = try s.conv("conv_last", in: nf, out: 3, k: 3, resolution: Double(c.scale))
            case .none:
                last = try s.conv("conv_last", in: dim, out: 3, k: 3)
            }
            (self.before, self.ups, self.factors, self.hr, self.last) = (before, ups, factors, hr, last)
        }

        /// Receptive radius in trunk rows (a strip's halo): each 3×3 conv's one pixel at its resolution.
        var radius: Int {
            var r = before == nil ? 0.0 : 1.0, res = 1.0
            for f in factors {
                if upsampler == .nearestConv { res *= Double(f) }
                r += 1 / res
                if upsampler != .nearestConv { res *= Double(f) }
            }
            r += (hr == nil ? 0 : 1 / res) + (last == nil ? 0 : 1 / res)
            return Int(r.rounded(.up)) + 1
        }

        /// `body` (CHW `[dim, h, w]`, `conv_after_body` plus the first features) → `[3, h·s, w·s]`,
        /// still normalised; `input` is the normalised image (the ×1 tail adds it).
        func callAsFunction(_ body: Tensor, input: Tensor, pool: ThreadPool) -> Tensor {
            switch upsampler {
            case .pixelShuffle:
                var u = before!(body, activation: .leakyReLU(0.01), pool: pool)
                for (conv, f) in zip(ups, factors) { u = pixelShuffle(conv(u, pool: pool), f) }
                return last!(u, pool: pool)
            case .pixelShuffleDirect:
                return pixelShuffle(ups[0](body, pool: pool), factors[0])
            case .nearestConv:
                var u = before!(body, activation: .leakyReLU(0.01), pool: pool)
                for conv in ups {
                    u = conv(upsampleNearest(u, factor: 2, pool: pool), activation: .leakyReLU(0.2), pool: pool)
                }
                return last!(hr!(u, activation: .leakyReLU(0.2), pool: pool), pool: pool)
            case .none:
                return last!(body, residual: input, pool: pool)
            }
        }
    }

    /// The whole network: CHW around token-major RSTBs (``ResidualGroup``).
    final class Network: NetworkBody, @unchecked Sendable {
        let config: Config
        let first: Conv
        let patchNorm: (weight: [Float], bias: [Float])?
        let layers: [ResidualGroup]
        let norm: (weight: [Float], bias: [Float])
        let afterBody: ResidualConv
        let tail: Tail

        init(_ c: Config, _ s: Scope) throws {
            config = c
            first = try s.conv("conv_first", in: 3, out: c.embedDim, k: 3)
            patchNorm = c.patchNorm ? try s["patch_embed"].layerNorm("norm", count: c.embedDim) : nil
            layers = try c.depths.indices.map { try ResidualGroup(s["layers"][$0], c, layer: $0) }
            norm = try s.layerNorm("norm", count: c.embedDim)
            afterBody = try ResidualConv(s, "conv_after_body", dim: c.embedDim, threeConv: c.threeConv)
            tail = try Tail(s, c)
        }

        func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                     options: ForwardOptions) throws -> Tensor {
            let c = config, ws = c.windowSize, h0 = x.height, w0 = x.width, range = c.imgRange
            // The reference's check_image_size: reflect-pad the bottom and right to window multiples.
            let padded = reflectPad(x, top: 0, left: 0, bottom: (ws - h0 % ws) % ws, right: (ws - w0 % ws) % ws)
            var input = binary(padded, perChannel: SwinIR.mean, .sub, pool: pool)
            if range != 1 { input = binary(input, scalar: range, .mul, pool: pool) }
            let feat = first(input, pool: pool)
            let body = try trunk(feat, pool: pool, cancel: cancel)
            try cancel.check()
            var y: Tensor
            if c.upsampler == .pixelShuffle || c.upsampler == .nearestConv {
                // The tail's high-resolution maps (num_feat at s²) would dominate a tile's memory: strips
                // of rows starting on multiples of 4, so every stage keeps the whole map's Winograd grid.
                let rows = options.tailStripRows ?? StripedTail.rows(width: body.width)
                y = try StripedTail.run(height: body.height, scale: c.scale, halo: tail.radius, stripRows: rows,
                                        align: 4, cancel: cancel) { r in
                    tail(body.rows(r), input: input, pool: pool)
                }
            } else {
                y = tail(body, input: input, pool: pool)
            }
            if range != 1 { y = binary(y, scalar: 1 / range, .mul, pool: pool) }
            y = binary(y, perChannel: SwinIR.mean, .add, pool: pool)
            return y.cropped(y: 0, x: 0, height: h0 * c.scale, width: w0 * c.scale)
        }

        /// `conv_first`'s features → `conv_after_body(norm(RSTBs(embed(feat)))) + feat`, CHW.
        private func trunk(_ feat: Tensor, pool: ThreadPool, cancel: CancellationToken?) throws -> Tensor {
            let h = feat.height, w = feat.width, c = config
            var t = Matrix(tokensOf: feat)
            if let p = patchNorm { t = layerNormRows(t, weight: p.weight, bias: p.bias, pool: pool) }
            let mask = c.shift > 0 ? shiftedWindowMask(height: h, width: w, window: c.windowSize, shift: c.shift) : nil
            for layer in layers {
                t = try layer(t, height: h, width: w, mask: mask, pool: pool, cancel: cancel)
            }
            t = layerNormRows(t, weight: norm.weight, bias: norm.bias, pool: pool)
            return afterBody(Tensor(tokens: t, height: h, width: w), residual: feat, pool: pool)
        }
    }
}
