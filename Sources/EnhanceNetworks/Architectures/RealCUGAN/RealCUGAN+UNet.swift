import EnhanceCheckpoints
import EnhanceTensor

extension RealCUGAN {
    /// The resolution recorded for the squeeze-excitation convs, which run once per image on a
    /// 1×1 map (no MACs per input pixel, no receptive field).
    static let perImage = 1e-9

    /// `SEBlock(c, reduction 8, bias)`: `x · σ(conv2(relu(conv1(mean_hw(x)))))`, the means taken
    /// from the pass's statistics (the map's own, or an image's first pass). CHW or packed16.
    struct SEBlock {
        let conv1, conv2: Conv

        init(_ s: Scope, channels c: Int) throws {
            conv1 = try s.conv("conv1", in: c, out: c / 8, k: 1, resolution: perImage)
            conv2 = try s.conv("conv2", in: c / 8, out: c, k: 1, resolution: perImage)
        }

        func callAsFunction(_ x: Tensor, pool: ThreadPool, statistics: StatisticsPass) throws -> Tensor {
            let m = Tensor(channels: x.channels, height: 1, width: 1, data: try statistics.channelMeans(x, pool: pool))
            let g = conv2(conv1(m, activation: .relu, pool: pool), activation: .sigmoid, pool: pool)
            return binary(x, perChannel: g.data, .mul, pool: pool)
        }
    }

    /// `UNetConv`: `conv.0` and `conv.2`, valid 3×3 convs with LeakyReLU(0.1), then the optional
    /// `seblock`. `[in, H, W]` → `[out, H − 4, W − 4]`, each conv in its layout in a network of
    /// `layout` (``layout(_:_:_:_:)``: packed16 unless its channels are few; an RGB `conv.0` there
    /// writes its packed result directly, ``Conv2D/validToPacked16(_:activation:pool:)``).
    struct UNetConv {
        let conv0, conv2: Conv
        let se: SEBlock?
        /// `conv.0` reads a CHW input of few channels and writes packed16.
        let conv0Packs: Bool

        init(_ s: Scope, in i: Int, mid: Int, out o: Int, se hasSE: Bool, resolution r: Double,
             layout: TensorLayout) throws {
            let c = s["conv"]
            conv0 = try c.conv("0", in: i, out: mid, k: 3, resolution: r, layout: RealCUGAN.layout(layout, i, mid, 3))
            conv2 = try c.conv("2", in: mid, out: o, k: 3, resolution: r, layout: RealCUGAN.layout(layout, mid, o, 3))
            se = hasSE ? try SEBlock(s["seblock"], channels: o) : nil
            conv0Packs = layout == .packed16 && conv0.layout == .chw && Conv2D.accepts(fewToPacked16: i, mid, 3)
        }

        func callAsFunction(_ x: Tensor, pool: ThreadPool, statistics: StatisticsPass) throws -> Tensor {
            let a = conv0Packs && x.layout == .chw ? conv0.op!.validToPacked16(x, activation: leaky, pool: pool)
                : valid(conv0, x, activation: leaky, pool: pool)
            let z = valid(conv2, a, activation: leaky, pool: pool)
            return try se.map { try $0(z, pool: pool, statistics: statistics) } ?? z
        }
    }

    /// `UNet1` (2×, 4×) or `UNet1x3` (3×): one stride-2 level, ending in the transposed conv
    /// `conv_bottom` (4×4 stride 2 padding 3, or 5×5 stride 3 padding 2). `[in, n, n]` →
    /// `[out, 2n − 32, …]` (`[out, 3n − 44, …]` for 3×), `n` even; packed16 inside a packed16 network,
    /// its few-channel ends CHW.
    struct UNet1 {
        let conv1, conv2: UNetConv
        let conv1Down: StridedConv
        let conv2Up, convBottom: TransposedConv
        let conv3: Conv

        init(_ s: Scope, in i: Int, out o: Int, times3: Bool, layout: TensorLayout) throws {
            conv1 = try UNetConv(s["conv1"], in: i, mid: 32, out: 64, se: false, resolution: 1, layout: layout)
            conv1Down = try StridedConv(s, "conv1_down", in: 64, out: 64, resolution: 1, layout: layout)
            conv2 = try UNetConv(s["conv2"], in: 64, mid: 128, out: 64, se: true, resolution: 0.5, layout: layout)
            conv2Up = try TransposedConv(s, "conv2_up", in: 64, out: 64, kernel: 2, stride: 2, padding: 0,
                                         resolution: 0.5, layout: layout)
            conv3 = try s.conv("conv3", in: 64, out: 64, k: 3, layout: RealCUGAN.layout(layout, 64, 64, 3))
            let (k, st, p) = times3 ? (5, 3, 2) : (4, 2, 3)
            convBottom = try TransposedConv(s, "conv_bottom", in: 64, out: o, kernel: k, stride: st, padding: p,
                                            resolution: 1, layout: layout)
        }

        func callAsFunction(_ x: Tensor, pool: ThreadPool, statistics: StatisticsPass) throws -> Tensor {
            let x1 = try conv1(x, pool: pool, statistics: statistics)
            let down = conv1Down(x1, activation: leaky, pool: pool)
            // `x1` cropped by 4 + leaky(conv2_up(…)), in one pass.
            let sum = conv2Up(try conv2(down, pool: pool, statistics: statistics), activation: leaky, adding: x1,
                              pool: pool)
            let x3 = valid(conv3, sum, activation: leaky, pool: pool)
            return convBottom(x3, pool: pool)
        }
    }

    /// `UNet2`: two stride-2 levels, three SE blocks, a valid 3×3 `conv_bottom`, run at `r` times
    /// the network input's resolution. `[in, n, n]` → `[out, n − 40, …]`, `n − 36` a multiple of 4;
    /// packed16 inside a packed16 network, its few-channel ends CHW.
    struct UNet2 {
        let conv1, conv2, conv3, conv4: UNetConv
        let conv1Down, conv2Down: StridedConv
        let conv3Up, conv4Up: TransposedConv
        let conv5, convBottom: Conv

        init(_ s: Scope, in i: Int, out o: Int, resolution r: Double, layout: TensorLayout) throws {
            conv1 = try UNetConv(s["conv1"], in: i, mid: 32, out: 64, se: false, resolution: r, layout: layout)
            conv1Down = try StridedConv(s, "conv1_down", in: 64, out: 64, resolution: r, layout: layout)
            conv2 = try UNetConv(s["conv2"], in: 64, mid: 64, out: 128, se: true, resolution: r / 2, layout: layout)
            conv2Down = try StridedConv(s, "conv2_down", in: 128, out: 128, resolution: r / 2, layout: layout)
            conv3 = try UNetConv(s["conv3"], in: 128, mid: 256, out: 128, se: true, resolution: r / 4, layout: layout)
            conv3Up = try TransposedConv(s, "conv3_up", in: 128, out: 128, kernel: 2, stride: 2, padding: 0,
                                         resolution: r / 4, layout: layout)
            conv4 = try UNetConv(s["conv4"], in: 128, mid: 64, out: 64, se: true, resolution: r / 2, layout: layout)
            conv4Up = try TransposedConv(s, "conv4_up", in: 64, out: 64, kernel: 2, stride: 2, padding: 0,
                                         resolution: r / 2, layout: layout)
            conv5 = try s.conv("conv5", in: 64, out: 64, k: 3, resolution: r,
                               layout: RealCUGAN.layout(layout, 64, 64, 3))
            convBottom = try s.conv("conv_bottom", in: 64, out: o, k: 3, resolution: r,
                                    layout: RealCUGAN.layout(layout, 64, o, 3))
        }

        func callAsFunction(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                            statistics s: StatisticsPass) throws -> Tensor {
            let x1 = try conv1(x, pool: pool, statistics: s)
            let x2 = try conv2(conv1Down(x1, activation: leaky, pool: pool), pool: pool, statistics: s)
            try cancel.check()
            // The skips `crop(x2, 4) + x3` and `crop(x1, 16) + x4` are added in the up-convs' passes.
            let sum3 = conv3Up(try conv3(conv2Down(x2, activation: leaky, pool: pool), pool: pool, statistics: s),
                               activation: leaky, adding: x2, pool: pool)
            try cancel.check()
            let sum4 = conv4Up(try conv4(sum3, pool: pool, statistics: s), activation: leaky, adding: x1, pool: pool)
            let x5 = valid(conv5, sum4, activation: leaky, pool: pool)
            return valid(convBottom, x5, pool: pool)
        }
    }
}
