import EnhanceCheckpoints
import EnhanceTensor

extension SwinIR {
    /// The whole network: CHW around token-major RSTBs (``ResidualGroup``).
    final class Network: NetworkBody, @unchecked Sendable {
        let config: Config
        let first: Conv
        let patchNorm: (weight: [Float], bias: [Float])?
        let layers: [ResidualGroup]
        let norm: (weight: [Float], bias: [Float])
        let afterBody: ResidualConv
        let tail: TransformerTail

        init(_ c: Config, _ s: Scope) throws {
            config = c
            first = try s.conv("conv_first", in: 3, out: c.embedDim, k: 3)
            patchNorm = c.patchNorm ? try s["patch_embed"].layerNorm("norm", count: c.embedDim) : nil
            layers = try c.depths.indices.map { try ResidualGroup(s["layers"][$0], c, layer: $0) }
            norm = try s.layerNorm("norm", count: c.embedDim)
            afterBody = try ResidualConv(s, "conv_after_body", dim: c.embedDim, threeConv: c.threeConv)
            tail = try TransformerTail(s, c.upsampler, dim: c.embedDim, numFeat: c.numFeat,
                                        factors: c.upsampler.factors(scale: c.scale))
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
            var y = try tail.run(body, input: input, options: options, pool: pool, cancel: cancel)
            if range != 1 { y = binary(y, scalar: 1 / range, .mul, pool: pool) }
            y = binary(y, perChannel: SwinIR.mean, .add, pool: pool)
            return y.cropped(y: 0, x: 0, height: h0 * c.scale, width: w0 * c.scale)
        }

        /// `conv_first`'s features → `conv_after_body(norm(RSTBs(embed(feat)))) + feat`, CHW.
        private func trunk(_ feat: Tensor, pool: ThreadPool, cancel: CancellationToken?) throws -> Tensor {
            let h = feat.height, w = feat.width, c = config
            var t = Matrix(tokensOf: feat)
            if let p = patchNorm { t = layerNormRows(t, weight: p.weight, bias: p.bias, pool: pool) }
            let windows = WindowLayout(height: h, width: w, window: c.windowSize, shift: c.shift)
            for layer in layers {
                t = try layer(t, height: h, width: w, windows: windows, pool: pool, cancel: cancel)
            }
            t = layerNormRows(t, weight: norm.weight, bias: norm.bias, pool: pool)
            return afterBody(Tensor(tokens: t, height: h, width: w), residual: feat, pool: pool)
        }
    }
}
