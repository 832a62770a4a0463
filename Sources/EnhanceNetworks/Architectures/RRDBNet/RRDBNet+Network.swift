import EnhanceTensor

extension RRDBNet {
    /// A residual dense block: `conv1…conv5`, each reading the block input and all earlier outputs.
    struct RDB {
        let convs: [Conv]

        init(_ s: Scope, nf: Int, gc: Int, resolution: Double, layout: TensorLayout) throws {
            convs = try (1...5).map { c in
                try s.conv("conv\(c)", in: nf + (c - 1) * gc, out: c == 5 ? nf : gc, k: 3, resolution: resolution,
                           layout: layout)
            }
        }

        /// `x + 0.2 · conv5(x, x1…x4)`.
        func callAsFunction(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?) throws -> Tensor {
            var xs = [x]
            for conv in convs.dropLast() {
                try cancel.check()
                xs.append(conv(xs, activation: .leakyReLU(0.2), pool: pool))
            }
            try cancel.check()
            return convs[4](xs, outputScale: 0.2, residual: x, pool: pool)
        }
    }

    /// Residual in residual: `rdb1`, `rdb2`, `rdb3`, then `x + 0.2 · out`.
    struct RRDB {
        let rdb1, rdb2, rdb3: RDB

        init(_ s: Scope, nf: Int, gc: Int, resolution: Double, layout: TensorLayout) throws {
            rdb1 = try RDB(s["rdb1"], nf: nf, gc: gc, resolution: resolution, layout: layout)
            rdb2 = try RDB(s["rdb2"], nf: nf, gc: gc, resolution: resolution, layout: layout)
            rdb3 = try RDB(s["rdb3"], nf: nf, gc: gc, resolution: resolution, layout: layout)
        }

        func callAsFunction(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?) throws -> Tensor {
            let t = try rdb3(rdb2(rdb1(x, pool: pool, cancel: cancel), pool: pool, cancel: cancel),
                             pool: pool, cancel: cancel)
            return addScaled(x, t, scale: 0.2, pool: pool)
        }
    }

    /// The whole network. The trunk, `conv_body` and the upsampling convs (all but `conv_first` and
    /// `conv_last`) run channel-packed (F(6×6) on 16-channel vectors) when all their widths allow
    /// (RealESRGAN's: 64 features, 32 growth) and the build allows it.
    final class Network: NetworkBody, @unchecked Sendable {
        let config: Config
        let convFirst: Conv
        let body: [RRDB]
        let convBody, convUp1, convUp2, convHR, convLast: Conv
        let layout: TensorLayout

        init(_ c: Config, _ s: Scope) throws {
            config = c
            let (nf, gc, res) = (c.numFeat, c.numGrow, 1 / Double(c.unshuffle))
            let trunk = (0..<5).map { (nf + $0 * gc, $0 == 4 ? nf : gc, 3) } + [(nf, nf, 3)]
            let layout: TensorLayout = s.packed16(trunk) ? .packed16 : .chw
            self.layout = layout
            convFirst = try s.conv("conv_first", in: 3 * c.unshuffle * c.unshuffle, out: nf, k: 3,
                                   resolution: res)
            body = try (0..<c.numBlocks).map {
                try RRDB(s["body"][$0], nf: nf, gc: gc, resolution: res, layout: layout)
            }
            convBody = try s.conv("conv_body", in: nf, out: nf, k: 3, resolution: res, layout: layout)
            convUp1 = try s.conv("conv_up1", in: nf, out: nf, k: 3, resolution: 2 * res, layout: layout)
            convUp2 = try s.conv("conv_up2", in: nf, out: nf, k: 3, resolution: 4 * res, layout: layout)
            convHR = try s.conv("conv_hr", in: nf, out: nf, k: 3, resolution: 4 * res, layout: layout)
            convLast = try s.conv("conv_last", in: nf, out: 3, k: 3, resolution: 4 * res)
        }

        func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                     options: ForwardOptions) throws -> Tensor {
            let lrelu = Activation.leakyReLU(0.2)
            let input = config.unshuffle == 1 ? x : pixelUnshuffle(x, config.unshuffle)
            let feat = convFirst(input, pool: pool)
            // The trunk's input in the trunk's layout (the residual of `conv_body`).
            let start = layout == .packed16 ? Packed16.pack(feat, pool: pool) : feat
            var trunk = start
            for block in body {
                try cancel.check()
                trunk = try block(trunk, pool: pool, cancel: cancel)
            }
            try cancel.check()
            let y = convBody(trunk, residual: start, pool: pool)
            // The ×4 tail runs on strips of rows: its 16×-resolution activations would otherwise be
            // most of the memory of a tile (and bound the tile size); it is 8 % of the work, so strips
            // are thin (about 4096 low-resolution pixels), aligned to the tail's Winograd tiles.
            let rows = options.tailStripRows ?? StripedTail.rows(width: y.width)
            return try StripedTail.run(height: y.height, scale: 4, halo: 2, stripRows: rows,
                                       align: layout == .packed16 ? 3 : 2, cancel: cancel) { r in
                var u = y.rows(r)
                for conv in [convUp1, convUp2] {
                    try cancel.check()
                    u = conv(upsampleNearest(u, factor: 2, pool: pool), activation: lrelu, pool: pool)
                }
                u = convHR(u, activation: lrelu, pool: pool)
                return convLast(layout == .packed16 ? Packed16.unpack(u, pool: pool) : u, pool: pool)
            }
        }
    }
}
