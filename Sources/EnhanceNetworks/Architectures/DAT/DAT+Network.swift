import EnhanceCheckpoints
import EnhanceTensor

extension DAT {
    /// `SGFN` (`ffn`) on token-major `[H·W, dim]`: `fc1` with GELU, the halves `x₁ ⊙
    /// sg.conv(sg.norm(x₂))` (a LayerNorm, then a depthwise 3×3 conv on the image), `fc2`.
    struct SpatialGateFFN {
        let fc1, fc2: LinearLayer
        let norm: (weight: [Float], bias: [Float])
        let conv: Conv

        init(_ s: Scope, _ c: Config) throws {
            let half = c.ffnHidden / 2
            fc1 = try s.linear("fc1", in: c.embedDim, out: c.ffnHidden)
            norm = try s["sg"].layerNorm("norm", count: half)
            conv = try s["sg"].conv("conv", in: half, out: half, k: 3, groups: half)
            fc2 = try s.linear("fc2", in: half, out: c.embedDim)
        }

        func callAsFunction(_ x: Matrix, height h: Int, width w: Int, pool: ThreadPool) -> Matrix {
            let hidden = fc1(x, activation: .gelu, pool: pool), half = hidden.columns / 2
            let x2 = layerNormRows(tokenColumns(hidden, height: h, width: w, columns: [half..<(2 * half)]),
                                   weight: norm.weight, bias: norm.bias, pool: pool)
            let image = Tensor(tokens: x2, height: h, width: w, pool: pool)
            let gate = Matrix(tokensOf: conv(image, pool: pool), pool: pool)
            let first = tokenColumns(hidden, height: h, width: w, columns: [0..<half])
            return fc2(mul(first, gate, pool: pool), pool: pool)
        }
    }

    /// `DATB`: `x + attn(norm1(x))` (``SpatialAttention`` in even blocks, ``ChannelSelfAttention`` in
    /// odd ones), then `x + ffn(norm2(x))`.
    struct Block {
        let norm1, norm2: (weight: [Float], bias: [Float])
        let spatial: SpatialAttention?
        let channel: ChannelSelfAttention?
        let ffn: SpatialGateFFN

        init(_ s: Scope, _ c: Config, heads: Int, split: (Int, Int), group g: Int, block b: Int) throws {
            norm1 = try s.layerNorm("norm1", count: c.embedDim)
            if b % 2 == 0 {
                spatial = try SpatialAttention(s["attn"], c, heads: heads, split: split,
                                               shifted: Config.shifted(group: g, block: b))
                channel = nil
            } else {
                (spatial, channel) = (nil, try ChannelSelfAttention(s["attn"], c, heads: heads))
            }
            ffn = try SpatialGateFFN(s["ffn"], c)
            norm2 = try s.layerNorm("norm2", count: c.embedDim)
        }

        func callAsFunction(_ x: Matrix, height h: Int, width w: Int, pool: ThreadPool,
                            statistics: StatisticsPass) throws -> Matrix {
            let normed = layerNormRows(x, weight: norm1.weight, bias: norm1.bias, pool: pool)
            let a = try spatial?(normed, height: h, width: w, pool: pool, statistics: statistics)
                ?? channel!(normed, height: h, width: w, pool: pool, statistics: statistics)
            let y = add(x, a, pool: pool)
            return add(y, ffn(layerNormRows(y, weight: norm2.weight, bias: norm2.bias, pool: pool), height: h,
                              width: w, pool: pool), pool: pool)
        }
    }

    /// `ResidualGroup`: the blocks, then ``ResidualConv`` `conv` on the image, plus the group's input.
    struct ResidualGroup {
        let blocks: [Block]
        let conv: ResidualConv

        init(_ s: Scope, _ c: Config, split: (Int, Int), group g: Int) throws {
            blocks = try (0..<c.depths[g]).map { b in
                try Block(s["blocks"][b], c, heads: c.heads[g], split: split, group: g, block: b)
            }
            conv = try ResidualConv(s, "conv", dim: c.embedDim, threeConv: c.threeConv)
        }

        func callAsFunction(_ x: Matrix, height h: Int, width w: Int, pool: ThreadPool, cancel: CancellationToken?,
                            statistics: StatisticsPass) throws -> Matrix {
            var t = x
            for block in blocks {
                try cancel.check()
                t = try block(t, height: h, width: w, pool: pool, statistics: statistics)
            }
            let image = conv(Tensor(tokens: t, height: h, width: w, pool: pool), pool: pool)
            return add(Matrix(tokensOf: image, pool: pool), x, pool: pool)
        }
    }

    /// The whole network: CHW around token-major residual groups.
    final class Network: NetworkBody, @unchecked Sendable {
        let config: Config
        let first: Conv
        let beforeNorm, norm: (weight: [Float], bias: [Float])
        let layers: [ResidualGroup]
        let afterBody: ResidualConv
        let tail: TransformerTail

        init(_ c: Config, _ s: Scope) throws {
            config = c
            // The shapes cannot tell the split sides' order; a build reads it from the offsets
            // (`rpe_biases`' last row is (h − 1, w − 1) of the first branch's window).
            var split = c.split
            let offsets = s["layers"][0]["blocks"][0]["attn"]["attns"][0].derivedBufferValues("rpe_biases")
            if let o = offsets, o.count >= 2, Int(o[o.count - 2].rounded()) + 1 == split.1,
               Int(o[o.count - 1].rounded()) + 1 == split.0 {
                split = (split.1, split.0)
            }
            first = try s.conv("conv_first", in: 3, out: c.embedDim, k: 3)
            beforeNorm = try s["before_RG"].layerNorm("1", count: c.embedDim)
            layers = try c.depths.indices.map { try ResidualGroup(s["layers"][$0], c, split: split, group: $0) }
            norm = try s.layerNorm("norm", count: c.embedDim)
            afterBody = try ResidualConv(s, "conv_after_body", dim: c.embedDim, threeConv: c.threeConv)
            tail = try TransformerTail(s, c.upsampler, dim: c.embedDim, numFeat: c.numFeat, factors: c.factors)
        }

        func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                     options: ForwardOptions) throws -> Tensor {
            let input = binary(x, perChannel: DAT.mean, .sub, pool: pool)
            let feat = first(input, pool: pool), h = feat.height, w = feat.width
            let statistics = StatisticsPass(options.statistics)
            var t = layerNormRows(Matrix(tokensOf: feat, pool: pool), weight: beforeNorm.weight, bias: beforeNorm.bias,
                                  pool: pool)
            for layer in layers {
                t = try layer(t, height: h, width: w, pool: pool, cancel: cancel, statistics: statistics)
            }
            try statistics.finish()
            t = layerNormRows(t, weight: norm.weight, bias: norm.bias, pool: pool)
            let body = afterBody(Tensor(tokens: t, height: h, width: w, pool: pool), residual: feat, pool: pool)
            try cancel.check()
            let y = try tail.run(body, input: input, options: options, pool: pool, cancel: cancel)
            return binary(y, perChannel: DAT.mean, .add, pool: pool)
        }
    }
}
