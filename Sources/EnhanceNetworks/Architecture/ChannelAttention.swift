import EnhanceTensor

/// Squeeze-excitation channel attention (a `CALayer` or `ChannelAttention` module):
/// `x · σ(up(act(down(mean(x)))))` per channel, `down` and `up` the 1×1 convs (with bias) of the
/// block's `Sequential` at the given indices, `act` ReLU (or GELU, after a BatchNorm folded into
/// `down`: a dual-aggregation block's channel interaction). The convs act on one `[C, 1, 1]` vector per forward
/// pass, so they are plain dot products on weights read as tensors (blended as they are read; no
/// prepared kernels, no layer in the MAC count: their cost does not grow with the image). The mean
/// is a whole-map statistic, taken from the pass's ``StatisticsPass``.
struct ChannelAttention {
    let down, up: [Float]
    let downBias, upBias: [Float]
    let channels, squeezed: Int
    let activation: Activation

    /// The convs `s.down` (`[m, c, 1, 1]`) and `s.up` (`[c, m, 1, 1]`), the BatchNorm `s.batchNorm`
    /// after `down` folded into it (after blending, for a blend), `activation` between them.
    init(_ s: Scope, channels c: Int, squeezed m: Int, down dk: String, up uk: String, batchNorm bk: String? = nil,
         activation: Activation = .relu) throws {
        (channels, squeezed, self.activation) = (c, m, activation)
        var w = try s.tensor(dk + ".weight", shape: [m, c, 1, 1])
        var b: [Float]? = try s.vector(dk + ".bias", count: m)
        if let bk {
            let bn = try ["weight", "bias", "running_mean", "running_var"].map { try s[bk].vector($0, count: m) }
            Scope.fold(&w, &b, bn, outChannels: m)
            s[bk].markBuffers(["running_mean", "running_var"])
        }
        (down, downBias) = (w, b!)
        up = try s.tensor(uk + ".weight", shape: [c, m, 1, 1])
        upBias = try s.vector(uk + ".bias", count: c)
    }

    /// The per-channel factors for CHW or packed `x` `[C, H, W]`: `C` values in (0, 1), from the
    /// channel means `statistics` gives (the map's own, or an image's first pass).
    func scales(_ x: Tensor, pool: ThreadPool, statistics: StatisticsPass) throws -> [Float] {
        scales(means: try statistics.channelMeans(x, pool: pool))
    }

    /// The per-channel factors for channel means `mean` (`C` values).
    func scales(means mean: [Float]) -> [Float] {
        let hidden = (0..<squeezed).map { o in
            activation.apply((0..<channels).reduce(downBias[o]) { $0 + down[o * channels + $1] * mean[$1] }, channel: o)
        }
        return (0..<channels).map { o in
            Activation.sigmoid.apply((0..<squeezed).reduce(upBias[o]) { $0 + up[o * squeezed + $1] * hidden[$1] },
                                     channel: o)
        }
    }
}
