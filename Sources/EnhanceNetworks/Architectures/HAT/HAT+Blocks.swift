import EnhanceCheckpoints
import EnhanceTensor
import Foundation

extension HAT {
    /// A token-wise MLP (`mlp.fc1`, GELU, `mlp.fc2`) after a LayerNorm, as a residual: `x + MLP(LN(x))`.
    struct FeedForward {
        let norm: (weight: [Float], bias: [Float])
        let fc1, fc2: LinearLayer

        init(_ s: Scope, norm leaf: String, _ c: Config) throws {
            norm = try s.layerNorm(leaf, count: c.embedDim)
            fc1 = try s["mlp"].linear("fc1", in: c.embedDim, out: c.mlpHidden)
            fc2 = try s["mlp"].linear("fc2", in: c.mlpHidden, out: c.embedDim)
        }

        func callAsFunction(_ x: Matrix, pool: ThreadPool) -> Matrix {
            let hidden = fc1(layerNormRows(x, weight: norm.weight, bias: norm.bias, pool: pool), activation: .gelu,
                             pool: pool)
            return fc2(hidden, residual: x, pool: pool)
        }
    }

    /// `CAB` (`conv_block.cab`): `.0` 3×3 conv to `embed_dim / compress_ratio`, GELU, `.2` 3×3 conv
    /// back, `.3` squeeze-excitation (``ChannelAttention`` at `attention.1` and `attention.3`), on CHW.
    struct ChannelAttentionBlock {
        let conv0, conv2: Conv
        let attention: ChannelAttention

        init(_ s: Scope, _ c: Config) throws {
            conv0 = try s.conv("0", in: c.embedDim, out: c.cabChannels, k: 3)
            conv2 = try s.conv("2", in: c.cabChannels, out: c.embedDim, k: 3)
            attention = try ChannelAttention(s["3"]["attention"], channels: c.embedDim, squeezed: c.squeezed,
                                             down: "1", up: "3")
        }

        /// `scale · CAB(x)` for CHW `x` `[dim, H, W]`.
        func callAsFunction(_ x: Tensor, scale: Float, pool: ThreadPool, statistics: StatisticsPass) throws -> Tensor {
            let h = conv2(conv0(x, activation: .gelu, pool: pool), pool: pool)
            let scales = try attention.scales(h, pool: pool, statistics: statistics).map { $0 * scale }
            return binary(h, perChannel: scales, .mul, pool: pool)
        }
    }

    /// `HAB` on token-major `[H·W, dim]` (token `y · W + x`): `x + proj(W-MSA(windows(LN₁(x)))) +
    /// conv_scale · CAB(LN₁(x))` (windows shifted by ``shift`` and rolled back, the attention exactly
    /// SwinIR's), then ``FeedForward``. The CAB runs on the image (a transpose there and back).
    struct HAB {
        let norm1: (weight: [Float], bias: [Float])
        let qkv, proj: LinearLayer
        let cab: ChannelAttentionBlock
        let mlp: FeedForward
        /// `[heads][N][N]`, gathered from the (blended) `relative_position_bias_table`.
        let bias: [Float]
        let heads, window, shift: Int
        /// `head_dim^−½` (`qk_scale` is None).
        let scale: Float

        init(_ s: Scope, _ c: Config, heads: Int, shift: Int) throws {
            let dim = c.embedDim, ws = c.windowSize
            (self.heads, window, self.shift) = (heads, ws, shift)
            scale = Float(pow(Double(dim / heads), -0.5))
            norm1 = try s.layerNorm("norm1", count: dim)
            let attn = s["attn"]
            let table = try attn.tensor("relative_position_bias_table", shape: [(2 * ws - 1) * (2 * ws - 1), heads])
            qkv = try attn.linear("qkv", in: dim, out: 3 * dim, optionalBias: !c.qkvBias)
            proj = try attn.linear("proj", in: dim, out: dim)
            cab = try ChannelAttentionBlock(s["conv_block"]["cab"], c)
            mlp = try FeedForward(s, norm: "norm2", c)
            bias = relativePositionBias(table: table, window: ws, heads: heads)
        }

        /// The block on `x` `[H·W, dim]` (`H`, `W` multiples of the window); `mask` is the shifted
        /// windows' mask for this `H × W` (used by shifted blocks only).
        func callAsFunction(_ x: Matrix, height h: Int, width w: Int, mask: [Float]?, pool: ThreadPool,
                            statistics: StatisticsPass) throws -> Matrix {
            let normed = layerNormRows(x, weight: norm1.weight, bias: norm1.bias, pool: pool)
            let conv = try cab(Tensor(tokens: normed, height: h, width: w, pool: pool), scale: HAT.convScale,
                               pool: pool, statistics: statistics)
            let windows = windowPartition(normed, height: h, width: w, window: window, shift: shift, pool: pool)
            let a = windowAttention(qkv: qkv(windows, pool: pool), windowTokens: window * window, heads: heads,
                                    scale: scale, bias: bias, mask: shift > 0 ? mask : nil, pool: pool)
            let attended = windowReverse(proj(a, pool: pool), height: h, width: w, window: window, shift: shift,
                                         adding: Matrix(tokensOf: conv, pool: pool), pool: pool)
            return mlp(add(x, attended, pool: pool), pool: pool)
        }
    }

    /// `OCAB` (`overlap_attn`) on token-major `[H·W, dim]`: queries in `window²` windows attend to
    /// the keys and values of the zero-padded `overlap window²` windows around them
    /// (``overlappingWindowPartition(_:height:width:window:overlapWindow:columns:)``) with the
    /// block's relative position bias, `x + proj(·)`, then ``FeedForward``.
    struct OCAB {
        let norm1: (weight: [Float], bias: [Float])
        let qkv, proj: LinearLayer
        let mlp: FeedForward
        /// `[heads][window²][overlap window²]` (``overlappingWindowBias(table:window:overlapWindow:heads:)``).
        let bias: [Float]
        let heads, window, overlapWindow: Int
        let scale: Float

        init(_ s: Scope, _ c: Config, heads: Int) throws {
            let dim = c.embedDim, ws = c.windowSize, ows = c.overlapWindow
            (self.heads, window, overlapWindow) = (heads, ws, ows)
            scale = Float(pow(Double(dim / heads), -0.5))
            norm1 = try s.layerNorm("norm1", count: dim)
            qkv = try s.linear("qkv", in: dim, out: 3 * dim, optionalBias: !c.qkvBias)
            let table = try s.tensor("relative_position_bias_table", shape: [(ws + ows - 1) * (ws + ows - 1), heads])
            proj = try s.linear("proj", in: dim, out: dim)
            mlp = try FeedForward(s, norm: "norm2", c)
            bias = overlappingWindowBias(table: table, window: ws, overlapWindow: ows, heads: heads)
        }

        func callAsFunction(_ x: Matrix, height h: Int, width w: Int, pool: ThreadPool) -> Matrix {
            let dim = x.columns, ws = window
            let t = qkv(layerNormRows(x, weight: norm1.weight, bias: norm1.bias, pool: pool), pool: pool)
            let queries = overlappingWindowPartition(t, height: h, width: w, window: ws, overlapWindow: ws,
                                                     columns: 0..<dim)
            let kv = overlappingWindowPartition(t, height: h, width: w, window: ws, overlapWindow: overlapWindow,
                                                columns: dim..<(3 * dim))
            let a = windowAttention(queries: queries, keysValues: kv, queryTokens: ws * ws,
                                    keyTokens: overlapWindow * overlapWindow, heads: heads, scale: scale, bias: bias,
                                    pool: pool)
            return mlp(proj(windowReverse(a, height: h, width: w, window: ws, pool: pool), residual: x, pool: pool),
                       pool: pool)
        }
    }
}
