import EnhanceCheckpoints
import EnhanceTensor
import Foundation

extension DAT {
    /// `DynamicPosBias` (`pos`, not residual): `pos3(pos2(pos1(pos_proj(offsets))))`, each `posN` a
    /// LayerNorm, ReLU and Linear (`.0`, `.2`), on the `(2h − 1)(2w − 1)` relative offsets `(dy, dx)`
    /// of an `h × w` window: the position bias table `[(2h − 1)(2w − 1), heads]`. It runs once per
    /// build on the (blended) weights, so a blend's table is the blended MLP's.
    static func dynamicPosBias(_ s: Scope, dim pd: Int, heads: Int, window: (Int, Int)) throws -> [Float] {
        func dense(_ x: [Float], _ leaf: String, _ n: Int, _ m: Int) throws -> [Float] {
            let w = try s.tensor(leaf + ".weight", shape: [m, n]), b = try s.vector(leaf + ".bias", count: m)
            let rows = x.count / n
            return (0..<(rows * m)).map { i in
                let r = i / m, o = i % m
                return (0..<n).reduce(b[o]) { $0 + w[o * n + $1] * x[r * n + $1] }
            }
        }
        func normReLU(_ x: [Float], _ leaf: String) throws -> [Float] {
            let (w, b) = try s.layerNorm(leaf, count: pd)
            return layerNormRows(Matrix(rows: x.count / pd, columns: pd, data: x), weight: w, bias: b).data.map {
                max(0, $0)
            }
        }
        let (wh, ww) = window
        var offsets: [Float] = []
        for dy in (1 - wh)..<wh { for dx in (1 - ww)..<ww { offsets += [Float(dy), Float(dx)] } }
        var pos = try dense(offsets, "pos_proj", 2, pd)
        pos = try dense(try normReLU(pos, "pos1.0"), "pos1.2", pd, pd)
        pos = try dense(try normReLU(pos, "pos2.0"), "pos2.2", pd, pd)
        return try dense(try normReLU(pos, "pos3.0"), "pos3.2", pd, heads)
    }

    /// The parts every DAT attention shares: `qkv`, `proj`, the depthwise conv branch on `v`
    /// (`dwconv.0`, BatchNorm `dwconv.1` folded, GELU) and the adaptive interaction module's channel
    /// map (`channel_interaction`: mean, `.1` with BatchNorm `.2`, GELU, `.4`, sigmoid) and spatial
    /// map (`spatial_interaction`: `.0` with BatchNorm `.1`, GELU, `.3` to one value, sigmoid).
    struct Interaction {
        let qkv, proj: LinearLayer
        let dwconv: Conv
        let channelMap: ChannelAttention
        let spatial0, spatial3: LinearLayer

        init(_ s: Scope, _ c: Config) throws {
            let dim = c.embedDim
            qkv = try s.linear("qkv", in: dim, out: 3 * dim, optionalBias: !c.qkvBias)
            dwconv = try s["dwconv"].conv("0", in: dim, out: dim, k: 3, groups: dim, batchNorm: s["dwconv"]["1"])
            channelMap = try ChannelAttention(s["channel_interaction"], channels: dim, squeezed: dim / 8, down: "1",
                                              up: "4", batchNorm: "2", activation: .gelu)
            let si = s["spatial_interaction"]
            spatial0 = try si.pointwise("0", in: dim, out: dim / 16, batchNorm: si["1"])
            spatial3 = try si.pointwise("3", in: dim / 16, out: 1)
            proj = try s.linear("proj", in: dim, out: dim)
        }

        /// The depthwise branch on `v` (columns `2·dim ..< 3·dim` of `qkv`'s output), tokens.
        func convBranch(_ t: Matrix, height h: Int, width w: Int, pool: ThreadPool) -> Matrix {
            let dim = t.columns / 3
            let v = Tensor(tokens: tokenColumns(t, height: h, width: w, columns: [(2 * dim)..<(3 * dim)]),
                           height: h, width: w, pool: pool)
            return Matrix(tokensOf: dwconv(v, activation: .gelu, pool: pool), pool: pool)
        }

        /// σ(spatial map) per token of `x`.
        func spatialGate(_ x: Matrix, pool: ThreadPool) -> [Float] {
            spatial3(spatial0(x, activation: .gelu, pool: pool), activation: .sigmoid, pool: pool).data
        }

        /// σ(channel map) per feature of `x`, its means from `statistics`.
        func channelGate(_ x: Matrix, statistics: StatisticsPass) throws -> [Float] {
            channelMap.scales(means: try statistics.channelMeans(x))
        }
    }

    /// `Adaptive_Spatial_Attention` on token-major `[H·W, dim]`: the two window branches (see
    /// ``DAT``), `attended ⊙ σ(channel map of the conv branch) + conv ⊙ σ(spatial map of attended)`,
    /// then `proj`.
    struct SpatialAttention {
        let parts: Interaction
        /// Per branch, `[heads/2][N][N]` from the (blended) ``DynamicPosBias``.
        let biases: [[Float]]
        let windows: [(Int, Int)]
        let heads: Int
        let shifted: Bool
        let scale: Float

        init(_ s: Scope, _ c: Config, heads: Int, split: (Int, Int), shifted: Bool) throws {
            let half = c.embedDim / 2
            (self.heads, self.shifted) = (heads, shifted)
            scale = Float(pow(Double(half / (heads / 2)), -0.5))
            windows = [split, (split.1, split.0)]
            var biases: [[Float]] = []
            for (i, win) in windows.enumerated() {
                let a = s["attns"][i], n = win.0 * win.1
                try a.derivedBuffer("rpe_biases", shape: [(2 * win.0 - 1) * (2 * win.1 - 1), 2])
                try a.derivedBuffer("relative_position_index", shape: [n, n])
                let table = try dynamicPosBias(a["pos"], dim: half / 4 / 4, heads: heads / 2, window: win)
                biases.append(relativePositionBias(table: table, window: win, heads: heads / 2))
                if shifted { try s.derivedBuffer("attn_mask_\(i)", shape: [c.maskWindows, n, n]) }
            }
            self.biases = biases
            parts = try Interaction(s, c)
        }

        func callAsFunction(_ x: Matrix, height h: Int, width w: Int, pool: ThreadPool,
                            statistics: StatisticsPass) throws -> Matrix {
            let dim = x.columns, half = dim / 2, t = parts.qkv(x, pool: pool)
            let side = max(windows[0].0, windows[0].1)
            let padded = ((h + side - 1) / side * side, (w + side - 1) / side * side)
            let branches = windows.enumerated().map { i, win in
                let cols = (0..<3).map { (($0 * dim) + i * half)..<(($0 * dim) + (i + 1) * half) }
                let shift = shifted ? (win.0 / 2, win.1 / 2) : (0, 0)
                let q = windowPartition(tokenColumns(t, height: h, width: w, columns: cols, padded: padded),
                                        height: padded.0, width: padded.1, window: win, shift: shift)
                let mask = shifted ? shiftedWindowMask(height: padded.0, width: padded.1, window: win, shift: shift)
                    : nil
                let a = windowAttention(qkv: q, windowTokens: win.0 * win.1, heads: heads / 2, scale: scale,
                                        bias: biases[i], mask: mask, pool: pool)
                return cropTokens(windowReverse(a, height: padded.0, width: padded.1, window: win, shift: shift),
                                  padded: padded, height: h, width: w)
            }
            let attended = concatColumns(branches)
            let conv = parts.convBranch(t, height: h, width: w, pool: pool)
            let channel = try parts.channelGate(conv, statistics: statistics)
            let mixed = scaledSum(attended, rowScale: nil, columnScale: channel, conv,
                                  rowScale: parts.spatialGate(attended, pool: pool), columnScale: nil)
            return parts.proj(mixed, pool: pool)
        }
    }

    /// `Adaptive_Channel_Attention` on token-major `[H·W, dim]`: per head, `softmax(temperature ·
    /// cos(q, k))` between features over all tokens (a whole-map statistic) applied to `v`, then
    /// `attended ⊙ σ(spatial map of the conv branch) + conv ⊙ σ(channel map of attended)`, `proj`.
    struct ChannelSelfAttention {
        let parts: Interaction
        let temperature: [Float]
        let heads: Int

        init(_ s: Scope, _ c: Config, heads: Int) throws {
            self.heads = heads
            temperature = try s.tensor("temperature", shape: [heads, 1, 1])
            parts = try Interaction(s, c)
        }

        func callAsFunction(_ x: Matrix, height h: Int, width w: Int, pool: ThreadPool,
                            statistics: StatisticsPass) throws -> Matrix {
            let dim = x.columns, d = dim / heads, t = parts.qkv(x, pool: pool)
            let weights = try statistics.values(heads * d * d, "channel attention") {
                var s = channelCosineScores(t, queries: 0..<dim, keys: dim..<(2 * dim), heads: heads, pool: pool)
                for i in s.indices { s[i] *= temperature[i / (d * d)] }
                return softmaxRows(Matrix(rows: heads * d, columns: d, data: s)).data
            }
            let attended = attendChannels(t, columns: (2 * dim)..<(3 * dim), attention: weights, heads: heads,
                                          pool: pool)
            let conv = parts.convBranch(t, height: h, width: w, pool: pool)
            let channel = try parts.channelGate(attended, statistics: statistics)
            let mixed = scaledSum(attended, rowScale: parts.spatialGate(conv, pool: pool), columnScale: nil, conv,
                                  rowScale: nil, columnScale: channel)
            return parts.proj(mixed, pool: pool)
        }
    }
}
