import EnhanceCheckpoints
import EnhanceTensor

/// What ``PLKSR`` and ``RealPLKSR`` share: the trunk's shape reading, the partial large-kernel
/// conv, the tail (`feats(x) + repeat_interleave(x, s²)`, then pixel shuffle or ``DySample``) and
/// the activation-memory estimate.
enum PLKBlocks {
    /// The hyper-parameters both families have (``PLKSR/Config`` and ``RealPLKSR/Config`` read them
    /// through `c.dim`, `c.blocks`, …).
    struct Trunk: Sendable {
        var scale: Int
        var dim: Int
        var blocks: Int
        var kernelSize: Int
        /// Channels the large kernel convolves (`int(dim · split_ratio)`).
        var partialChannels: Int
        var useEA: Bool

        /// The rows `models inspect` prints for them.
        var rows: [(name: String, value: Int)] {
            [("dim", dim), ("n_blocks", blocks), ("kernel_size", kernelSize), ("split_channels", partialChannels),
             ("use_ea", useEA ? 1 : 0)]
        }

        /// ``PLKBlocks/peakFloats(dim:scale:)``.
        var peakFloats: Double { PLKBlocks.peakFloats(dim: dim, scale: scale) }
    }

    /// `dim` (from `feats.0`, which must read RGB) and the number of blocks `feats.1…n` (numbered by
    /// their `refine` convs).
    static func trunk(_ r: ShapeReader) throws -> (dim: Int, blocks: Int) {
        let first = try r.convShape("feats.0")
        try r.requireRGB(first.in, "feats.0")
        let n = try r.consecutive(prefix: "feats.", suffix: ".refine.weight", from: 1, what: "PLKSR blocks")
        return (first.out, n)
    }

    /// The upscaling factor `s` of the last conv `name` (dim → 3·s²).
    static func scale(_ r: ShapeReader, lastConv name: String) throws -> Int {
        let out = try r.convShape(name).out
        let s = Int(Double(out / 3).squareRoot().rounded())
        guard s >= 1, 3 * s * s == out else {
            throw NetworkError(r.source, "PLKSR last conv '\(name)' has \(out) outputs, not 3·s²")
        }
        return s
    }

    /// Activation floats per input pixel at the peak of a forward pass: the larger of a block's
    /// (its input kept for the residual, the normalised input, the mixer's 2·dim hidden map, its dim
    /// output and the partial conv's copies: 6·dim) and the tail's (features, the last conv's 3·s²
    /// output, the repeated input and the result: dim + 9·s²); DySample runs in strips of rows
    /// (a fixed cost), Winograd and padding scratch is per worker. Measured on a RealPLKSR (dim 64,
    /// 28 blocks, ×4 pixel shuffle), peak RSS of `enhance upscale` 256² minus 128² untiled: 1.51 KB
    /// (378 floats) per input pixel, output image included; on the packed trunk, 512² minus 256²:
    /// 360 floats; this estimate 384 floats.
    static func peakFloats(dim: Int, scale s: Int) -> Double {
        Double(max(6 * dim, dim + 9 * s * s))
    }

    /// The last conv (with the repeated input as its residual) and the upsampler.
    struct Tail {
        let last: Conv
        let dySample: DySample?
        let scale: Int

        /// `feats[last]` is the dim → 3·s² conv; `dySample` the scope of `to_img` when DySample upsamples.
        init(_ feats: Scope, last: Int, dySample: Scope?, dim: Int, scale: Int) throws {
            self.last = try feats.conv(String(last), in: dim, out: 3 * scale * scale, k: 3)
            self.dySample = try dySample.map { try DySample($0, scale: scale) }
            self.scale = scale
        }

        /// `to_img(last(h) + repeat_interleave(x, s²))`: CHW `[dim, H, W]` features and the `[3, H, W]`
        /// input → `[3, H·s, W·s]`.
        func callAsFunction(_ h: Tensor, input x: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                            options: ForwardOptions) throws -> Tensor {
            let n = scale * scale
            let repeated = concatChannels((0..<3).flatMap { c in Array(repeating: x.channels(c..<(c + 1)), count: n) })
            let y = last(h, residual: repeated, pool: pool)
            guard let dySample else { return pixelShuffle(y, scale) }
            return try dySample(y, stripRows: options.tailStripRows, pool: pool, cancel: cancel)
        }
    }
}

extension Conv {
    /// This `c → c` convolution on the first `c` channels of `x`, the rest passed through
    /// (``Conv2D/callAsFunction(leadingChannelsOf:activation:pool:)``). CHW or packed16.
    func callAsFunction(leadingChannelsOf x: Tensor, pool: ThreadPool) -> Tensor {
        op!(leadingChannelsOf: x, pool: pool)
    }
}

/// One block of either family: `x` → `x + …` at the trunk's width; a GroupNorm takes its
/// statistics from `statistics`.
protocol PLKBlock: Sendable {
    func callAsFunction(_ x: Tensor, pool: ThreadPool, statistics: StatisticsPass) throws -> Tensor
}

extension PLKBlocks {
    /// `feats.0`, the blocks, then the ``Tail``: the whole network of either family. With `packed`
    /// the blocks take and return ``TensorLayout/packed16`` maps (packed after `feats.0`, unpacked
    /// before the tail); else CHW.
    final class Network: NetworkBody, @unchecked Sendable {
        let first: Conv
        let blocks: [any PLKBlock]
        let packed: Bool
        let tail: Tail

        init(first: Conv, blocks: [any PLKBlock], packed: Bool = false, tail: Tail) {
            (self.first, self.blocks, self.packed, self.tail) = (first, blocks, packed, tail)
        }

        func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                     options: ForwardOptions) throws -> Tensor {
            let statistics = StatisticsPass(options.statistics)
            var h = first(x, pool: pool)
            if packed { h = Packed16.pack(h, pool: pool) }
            for block in blocks {
                try cancel.check()
                h = try block(h, pool: pool, statistics: statistics)
            }
            try cancel.check()
            if packed { h = Packed16.unpack(h, pool: pool) }
            try statistics.finish()
            return try tail(h, input: x, pool: pool, cancel: cancel, options: options)
        }
    }
}
