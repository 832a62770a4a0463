import EnhanceCheckpoints
import EnhanceTensor

/// BasicSR MSRResNet / SRResNet: `conv_first` + LeakyReLU 0.1, `body.N` residual blocks
/// (conv1, ReLU, conv2, residual scale 1), `upconv1` (+ `upconv2` for ×4) each followed by pixel
/// shuffle and LeakyReLU 0.1, `conv_hr` + LeakyReLU 0.1, `conv_last`, plus the bilinear
/// (align_corners=False) upsampled input. Scales 2, 3 and 4.
enum MSRResNet: NetworkArchitecture {
    static let name = "MSRResNet"
    static let canonicalLayout = "BasicSR"
    static let detection = KeyCondition.all([.has("conv_first.weight"), .has("upconv1.weight")])
    static let benchmarks = [
        BenchmarkEntry(name: "msrresnet", label: "MSRResNet-16",
                       config: Config(scale: 4, numFeat: 64, numBlocks: 16)),
    ]

    struct Config: ArchitectureConfig {
        var scale: Int
        var numFeat: Int
        var numBlocks: Int

        var hyperParameters: [(name: String, value: Int)] { [("num_feat", numFeat), ("blocks", numBlocks)] }
        /// Pixel-shuffle factors of the upsampling convs.
        var upsampling: [Int] { scale == 4 ? [2, 2] : [scale] }

        /// The body's peak (the tail runs in strips, a fixed cost): features, the residual branch and
        /// the output, with a wide margin (9·nf floats). Measured on the bundled nf-32 model (RSS of
        /// `enhance upscale` 768² minus 128², untiled) about 2.7·nf plus the output image; a tighter
        /// 4·nf let the streamed 4000×3000 export grow from 762 to 876 MiB, past its tile budget.
        var peakFloatsPerInputPixel: Double { Double(numFeat) * 9 }
    }

    static func config(_ r: ShapeReader) throws -> Config {
        let first = try r.convShape("conv_first"), up1 = try r.convShape("upconv1")
        let nf = first.out
        let nb = r.indices(prefix: "body.", suffix: ".conv1.weight")
        guard nb == Array(0..<nb.count) else {
            throw NetworkError(r.source, "MSRResNet body blocks are not numbered 0…n-1")
        }
        let scale: Int
        if r.has("upconv2.weight") {
            guard up1.out == nf * 4 else {
                throw NetworkError(r.source, "MSRResNet upconv1 has \(up1.out) outputs, expected \(nf * 4) for ×4")
            }
            scale = 4
        } else if up1.out == nf * 4 || up1.out == nf * 9 {
            scale = up1.out == nf * 4 ? 2 : 3
        } else {
            throw NetworkError(r.source, "MSRResNet upconv1 has \(up1.out) outputs for \(nf) features; "
                               + "expected 4× or 9×")
        }
        try r.requireRGB(first.in, "conv_first")
        return Config(scale: scale, numFeat: nf, numBlocks: nb.count)
    }

    static func makeNetwork(_ config: Config, _ scope: Scope) throws -> any NetworkBody {
        try Network(config, scope)
    }

    /// A residual block: `x + conv2(relu(conv1(x)))`.
    struct ResidualBlock {
        let conv1, conv2: Conv

        init(_ s: Scope, nf: Int, layout: TensorLayout) throws {
            conv1 = try s.conv("conv1", in: nf, out: nf, k: 3, layout: layout)
            conv2 = try s.conv("conv2", in: nf, out: nf, k: 3, layout: layout)
        }

        func callAsFunction(_ x: Tensor, pool: ThreadPool) -> Tensor {
            conv2(conv1(x, activation: .relu, pool: pool), residual: x, pool: pool)
        }
    }

    /// The whole network; the body runs channel-packed with F(6×6) when its width allows.
    final class Network: NetworkBody, @unchecked Sendable {
        let config: Config
        let convFirst, convHR, convLast: Conv
        let body: [ResidualBlock]
        /// Upsampling convs with their pixel-shuffle factors.
        let upconvs: [(Conv, Int)]
        let layout: TensorLayout
        /// Whether the upsampling tail runs channel-packed (sub-position-major shuffles, conv_last
        /// reading packed input) rather than CHW.
        let tailPacked: Bool

        init(_ c: Config, _ s: Scope) throws {
            config = c
            let nf = c.numFeat
            let layout: TensorLayout = s.packed16([(nf, nf, 3)]) ? .packed16 : .chw
            self.layout = layout
            // The tail stays packed when every upconv runs packed and conv_last reads packed input.
            tailPacked = layout == .packed16 && s.packed16(c.upsampling.map { (nf, nf * $0 * $0, 3) })
                && Conv2D.accepts(packedInput: nf, 3, 3)
            convFirst = try s.conv("conv_first", in: 3, out: nf, k: 3)
            body = try (0..<c.numBlocks).map { try ResidualBlock(s["body"][$0], nf: nf, layout: layout) }
            var res = 1.0, ups: [(Conv, Int)] = []
            for (i, f) in c.upsampling.enumerated() {
                ups.append((try Self.upconv(s, "upconv\(i + 1)", nf: nf, factor: f, resolution: res,
                                            packed: tailPacked), f))
                res *= Double(f)
            }
            upconvs = ups
            convHR = try s.conv("conv_hr", in: nf, out: nf, k: 3, resolution: res,
                                layout: tailPacked ? .packed16 : .chw)
            convLast = try s.conv("conv_last", in: nf, out: 3, k: 3, resolution: res)
        }

        /// An upsampling conv (nf → nf·f²); packed, its outputs are reordered sub-position-major so
        /// that ``Packed16/pixelShuffle(_:_:pool:)`` follows it (blended first, then reordered).
        private static func upconv(_ s: Scope, _ leaf: String, nf: Int, factor f: Int, resolution: Double,
                                   packed: Bool) throws -> Conv {
            let out = nf * f * f
            guard packed else { return try s.conv(leaf, in: nf, out: out, k: 3, resolution: resolution) }
            let info = LayerInfo(name: s.key(leaf), inChannels: nf, outChannels: out, kernelSize: 3,
                                 resolution: resolution, layout: .packed16)
            return try s.derivedConv(info, tensors: [("\(leaf).weight", [out, nf, 3, 3]), ("\(leaf).bias", [out])]) {
                (Packed16.subPositionMajor($0[0], channels: nf, factor: f),
                 Packed16.subPositionMajor($0[1], channels: nf, factor: f))
            }
        }

        func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                     options: ForwardOptions) throws -> Tensor {
            let lrelu = Activation.leakyReLU(0.1)
            var feat = convFirst(x, activation: lrelu, pool: pool)
            if layout == .packed16 { feat = Packed16.pack(feat, pool: pool) }
            for block in body {
                try cancel.check()
                feat = block(feat, pool: pool)
            }
            if layout == .packed16 && !tailPacked { feat = Packed16.unpack(feat, pool: pool) }
            try cancel.check()
            // The upsampling tail runs on strips of rows (its high-resolution activations would
            // otherwise dominate a tile's memory); a halo of 2 rows covers its convs and the bilinear.
            // Most of the work is in the tail, so strips are taller (halo cost ≤ 12 %).
            let rows = options.tailStripRows ?? StripedTail.rows(width: feat.width, pixels: 16384, minimum: 32)
            let scale = config.scale
            return try StripedTail.run(height: feat.height, scale: scale, halo: 2, stripRows: rows,
                                       cancel: cancel) { r in
                var t = feat.rows(r)
                for (c, f) in upconvs {
                    // LeakyReLU commutes with the pixel shuffle, so it is fused into the conv.
                    let up = c(t, activation: lrelu, pool: pool)
                    t = tailPacked ? Packed16.pixelShuffle(up, f, pool: pool) : pixelShuffle(up, f)
                }
                t = convHR(t, activation: lrelu, pool: pool)
                let skip = upsampleBilinear(x.rows(r), factor: scale, pool: pool)
                return convLast(t, residual: skip, pool: pool)
            }
        }
    }
}
