import EnhanceCheckpoints
import EnhanceTensor
import Foundation

extension SwinIR {
    /// `SwinTransformerBlock` on token-major `[H·W, dim]` (token `y · W + x`):
    /// `x + proj(attention(windows(LN₁(x))))` (windows shifted by ``shift`` and rolled back), then
    /// `x + fc2(GELU(fc1(LN₂(x))))`. LayerNorm and the Linears act per token, so they run on the
    /// windowed tokens as well as on the image's.
    struct SwinBlock {
        let norm1, norm2: (weight: [Float], bias: [Float])
        let qkv, proj, fc1, fc2: LinearLayer
        /// `[heads][N][N]`, gathered from the (blended) `relative_position_bias_table`.
        let bias: [Float]
        let heads, window, shift: Int
        /// `head_dim^−½` (the reference's `qk_scale` is None).
        let scale: Float

        init(_ s: Scope, _ c: Config, heads: Int, shift: Int) throws {
            let dim = c.embedDim, ws = c.windowSize, n = ws * ws
            (self.heads, window, self.shift) = (heads, ws, shift)
            scale = Float(pow(Double(dim / heads), -0.5))
            norm1 = try s.layerNorm("norm1", count: dim)
            let attn = s["attn"]
            let table = try attn.tensor("relative_position_bias_table", shape: [(2 * ws - 1) * (2 * ws - 1), heads])
            try attn.derivedBuffer("relative_position_index", shape: [n, n])
            qkv = try attn.linear("qkv", in: dim, out: 3 * dim)
            proj = try attn.linear("proj", in: dim, out: dim)
            norm2 = try s.layerNorm("norm2", count: dim)
            fc1 = try s["mlp"].linear("fc1", in: dim, out: c.mlpHidden)
            fc2 = try s["mlp"].linear("fc2", in: c.mlpHidden, out: dim)
            if shift > 0 { try s.derivedBuffer("attn_mask", shape: [c.maskWindows, n, n]) }
            bias = relativePositionBias(table: table, window: ws, heads: heads)
        }

        /// The block on `x` `[H·W, dim]` (`H`, `W` multiples of the window, ``WindowLayout``'s): the
        /// attention half one window at a time (``windowAttentionBlock``), the MLP's LayerNorm run
        /// as `fc1` packs its input.
        func callAsFunction(_ x: Matrix, windows: WindowLayout, pool: ThreadPool) -> Matrix {
            let y = windowAttentionBlock(x, layerNorm: norm1, qkv: qkv.op!, proj: proj.op!,
                                         order: shift > 0 ? windows.shifted : windows.plain,
                                         windowTokens: window * window, heads: heads, scale: scale, bias: bias,
                                         mask: shift > 0 ? windows.mask : nil, pool: pool)
            return fc2(fc1(y, layerNorm: norm2, activation: .gelu, pool: pool), residual: y, pool: pool)
        }
    }

    /// What the blocks of one padded input size share: the window order of the plain and the
    /// shifted blocks (``windowOrder(height:width:window:shift:)``) and the shifted blocks' mask.
    struct WindowLayout {
        let plain: [Int], shifted: [Int]
        let mask: [Float]?

        init(height h: Int, width w: Int, window: Int, shift: Int) {
            plain = windowOrder(height: h, width: w, window: window)
            shifted = shift > 0 ? windowOrder(height: h, width: w, window: window, shift: shift) : plain
            mask = shift > 0 ? shiftedWindowMask(height: h, width: w, window: window, shift: shift) : nil
        }
    }

    /// `RSTB`: the Swin blocks of `residual_group`, then ``ResidualConv`` `conv` on the image, plus
    /// the RSTB's input. Two transposes (tokens → CHW → tokens) per RSTB, none per block.
    struct ResidualGroup {
        let blocks: [SwinBlock]
        let conv: ResidualConv

        init(_ s: Scope, _ c: Config, layer i: Int) throws {
            let b = s["residual_group"]["blocks"]
            blocks = try (0..<c.depths[i]).map { j in
                try SwinBlock(b[j], c, heads: c.heads[i], shift: j % 2 == 1 ? c.shift : 0)
            }
            conv = try ResidualConv(s, "conv", dim: c.embedDim, threeConv: c.threeConv)
        }

        func callAsFunction(_ x: Matrix, height h: Int, width w: Int, windows: WindowLayout, pool: ThreadPool,
                            cancel: CancellationToken?) throws -> Matrix {
            var t = x
            for block in blocks {
                try cancel.check()
                t = block(t, windows: windows, pool: pool)
            }
            return add(Matrix(tokensOf: conv(Tensor(tokens: t, height: h, width: w), pool: pool)), x)
        }
    }
}
