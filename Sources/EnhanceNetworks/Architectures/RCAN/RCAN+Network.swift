import EnhanceCheckpoints
import EnhanceTensor
import Foundation

extension RCAN {
    /// Residual channel attention block: `body.0` (conv, ReLU), `body.2` (conv), `body.3` (`CALayer`,
    /// a ``ChannelAttention`` with its 1×1 convs at `conv_du.0` and `conv_du.2`),
    /// `x + ca(h)`.
    struct RCAB {
        let conv0, conv2: Conv
        let attention: ChannelAttention

        init(_ s: Scope, _ c: Config, resolution: Double, layout: TensorLayout) throws {
            let body = s["body"], nf = c.nFeats, k = c.kernelSize
            conv0 = try body.conv("0", in: nf, out: nf, k: k, resolution: resolution, layout: layout)
            conv2 = try body.conv("2", in: nf, out: nf, k: k, resolution: resolution, layout: layout)
            attention = try ChannelAttention(body["3"]["conv_du"], channels: nf, squeezed: nf / c.reduction,
                                             down: "0", up: "2")
        }

        func callAsFunction(_ x: Tensor, pool: ThreadPool, statistics: StatisticsPass) throws -> Tensor {
            let h = conv2(conv0(x, activation: .relu, pool: pool), pool: pool)
            let scales = try attention.scales(h, pool: pool, statistics: statistics)
            return add(binary(h, perChannel: scales, .mul, pool: pool), x, pool: pool)
        }
    }

    /// Residual group: `body.0…n−1` (RCABs), `body.n` (conv), plus the group's input.
    struct ResidualGroup {
        let blocks: [RCAB]
        let last: Conv

        init(_ s: Scope, _ c: Config, resolution: Double, layout: TensorLayout) throws {
            let body = s["body"]
            blocks = try (0..<c.blocks).map { try RCAB(body[$0], c, resolution: resolution, layout: layout) }
            last = try body.conv(String(c.blocks), in: c.nFeats, out: c.nFeats, k: c.kernelSize,
                                 resolution: resolution, layout: layout)
        }

        func callAsFunction(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                            statistics: StatisticsPass) throws -> Tensor {
            var h = x
            for block in blocks {
                try cancel.check()
                h = try block(h, pool: pool, statistics: statistics)
            }
            return last(h, residual: x, pool: pool)
        }
    }

    /// The whole network. The body (every RCAB, group and body conv) runs channel-packed (F(6×6)
    /// on 16-channel vectors) when its width allows it (64 features: spandrel's default) and the
    /// build allows it; the head, the mean shifts and the tail run CHW, the tail in strips of rows.
    final class Network: NetworkBody, @unchecked Sendable {
        let config: Config
        /// `sub_mean` with the input's ×255 folded in (nil without `norm`).
        let subMean: Conv?
        let head: Conv
        let groups: [ResidualGroup]
        let bodyLast: Conv
        let upsamplers: [Conv]
        /// `tail.1`, with `add_mean` and the ÷255 folded in when `norm`.
        let last: Conv
        let layout: TensorLayout

        init(_ c: Config, _ s: Scope) throws {
            config = c
            let nf = c.nFeats, k = c.kernelSize, d = c.unshuffle, res = 1 / Double(d)
            let layout: TensorLayout = s.packed16([(nf, nf, k)]) ? .packed16 : .chw
            self.layout = layout
            subMean = c.norm ? try Self.meanShift(s, "sub_mean", inputScale: RCAN.rgbRange) : nil
            head = try s["head"].conv(d == 1 ? "0" : "1", in: 3 * d * d, out: nf, k: k, resolution: res)
            let body = s["body"]
            groups = try (0..<c.groups).map { try ResidualGroup(body[$0], c, resolution: res, layout: layout) }
            bodyLast = try body.conv(String(c.groups), in: nf, out: nf, k: k, resolution: res, layout: layout)
            var r = res
            upsamplers = try c.stages.enumerated().map { i, f in
                defer { r *= Double(f) }
                return try s["tail"]["0"].conv(String(2 * i), in: nf, out: f * f * nf, k: 3, resolution: r)
            }
            let info = LayerInfo(name: "tail.1", inChannels: nf, outChannels: 3, kernelSize: k, resolution: r,
                                 layout: .chw)
            let tail = [("tail.1.weight", [3, nf, k, k]), ("tail.1.bias", [3])]
            if c.norm {
                last = try s.derivedConv(info, tensors: tail + [("add_mean.weight", [3, 3, 1, 1]),
                                                                ("add_mean.bias", [3])]) { v in
                    Self.addMeanFolded(weight: v[0], bias: v[1], shift: v[2], shiftBias: v[3])
                }
            } else {
                last = try s["tail"].conv("1", in: nf, out: 3, k: k, resolution: r)
            }
        }

        /// The 1×1 `MeanShift` conv `name` (3 → 3) applied to `inputScale · x`.
        private static func meanShift(_ s: Scope, _ name: String, inputScale: Float) throws -> Conv {
            let info = LayerInfo(name: name, inChannels: 3, outChannels: 3, kernelSize: 1, resolution: 1, layout: .chw)
            return try s.derivedConv(info, tensors: [(name + ".weight", [3, 3, 1, 1]), (name + ".bias", [3])]) { v in
                (v[0].map { $0 * inputScale }, v[1])
            }
        }

        /// `(A · tail(x) + a) / 255` as one conv: OIHW `weight` `[3, nf, k, k]`, `shift` `A` `[3, 3, 1, 1]`.
        private static func addMeanFolded(weight w: [Float], bias b: [Float], shift a: [Float], shiftBias c: [Float])
            -> (weight: [Float], bias: [Float]?) {
            let per = w.count / 3, range = RCAN.rgbRange
            var out = [Float](repeating: 0, count: w.count), bias = [Float](repeating: 0, count: 3)
            for o in 0..<3 {
                var bo = Double(c[o])
                for j in 0..<3 {
                    let f = a[o * 3 + j]
                    for i in 0..<per { out[o * per + i] += f * w[j * per + i] / range }
                    bo += Double(f) * Double(b[j])
                }
                bias[o] = Float(bo / Double(range))
            }
            return (out, bias)
        }

        func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                     options: ForwardOptions) throws -> Tensor {
            let statistics = StatisticsPass(options.statistics)
            let y = try trunk(x, pool: pool, cancel: cancel, statistics: statistics)
            try statistics.finish()
            // The tail's high-resolution maps (4·nf channels at ×2 for ×4) would dominate a tile's memory:
            // run it on strips of rows with a halo of its receptive radius in trunk rows, starting on
            // multiples of 4 rows so every stage (the first at trunk resolution) keeps the whole map's
            // F(4×4) Winograd tile grid and the strips give the whole tail's result exactly.
            let c = config
            var radius = Double(c.kernelSize / 2) / Double(c.tailScale), r = 1.0
            for f in c.stages { radius += 1 / r; r *= Double(f) }
            let rows = options.tailStripRows ?? StripedTail.rows(width: y.width)
            return try StripedTail.run(height: y.height, scale: c.tailScale, halo: Int(radius.rounded(.up)),
                                       stripRows: rows, align: 4, cancel: cancel) { rows in
                var u = y.rows(rows)
                for (conv, f) in zip(upsamplers, c.stages) {
                    try cancel.check()
                    u = pixelShuffle(conv(u, pool: pool), f)
                }
                return last(u, pool: pool)
            }
        }

        /// Mean shift, head and body: the CHW `[nf, H/d, W/d]` features the tail upsamples.
        private func trunk(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                           statistics: StatisticsPass) throws -> Tensor {
            let shifted = subMean.map { $0(x, pool: pool) } ?? x
            let d = config.unshuffle
            let feat = head(d == 1 ? shifted : pixelUnshuffle(shifted, d), pool: pool)
            let start = layout == .packed16 ? Packed16.pack(feat, pool: pool) : feat
            var h = start
            for group in groups {
                try cancel.check()
                h = try group(h, pool: pool, cancel: cancel, statistics: statistics)
            }
            try cancel.check()
            let out = bodyLast(h, residual: start, pool: pool)
            return layout == .packed16 ? Packed16.unpack(out, pool: pool) : out
        }
    }
}
