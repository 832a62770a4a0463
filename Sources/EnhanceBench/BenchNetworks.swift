import EnhanceTensor

/// A benchmark network: the same layer sequence as the `EnhanceNetworks` architectures, built from
/// ``Conv2D`` with seeded random weights (timing does not depend on weight values).
protocol BenchNetwork {
    /// Name used in reports and for the onnxruntime graph (`rrdbnet`, `msrresnet`).
    var name: String { get }
    /// Multiply-accumulates per input pixel.
    var macsPerPixel: Double { get }
    func forward(_ x: Tensor, pool: ThreadPool) -> Tensor
}

/// Seeded uniform weights (SplitMix64) scaled like a He-uniform init so activations stay finite.
struct WeightSource {
    var state: UInt64
    mutating func conv(_ cin: Int, _ cout: Int, _ k: Int) -> Conv2D {
        let bound = (6 / Float(cin * k * k)).squareRoot() * 0.5
        let w = (0..<(cout * cin * k * k)).map { _ in uniform() * bound }
        let b = (0..<cout).map { _ in uniform() * 0.01 }
        return Conv2D(weight: w, bias: b, inChannels: cin, outChannels: cout, kernelSize: k)
    }
    mutating func uniform() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Float((z ^ (z >> 31)) >> 40) / Float(1 << 24) * 2 - 1
    }
}

/// ESRGAN RRDBNet ×4 (BasicSR): conv_first, `blocks` RRDBs of three 5-conv dense blocks
/// (growth `gc`, scale 0.2), conv_body + skip, two nearest×2 + conv + LeakyReLU(0.2), conv_hr, conv_last.
struct BenchRRDBNet: BenchNetwork {
    let name = "rrdbnet"
    let first, body, up1, up2, hr, last: Conv2D
    let rdbs: [[Conv2D]]

    init(blocks: Int = 23, nf: Int = 64, gc: Int = 32, seed: UInt64 = 1) {
        var ws = WeightSource(state: seed)
        first = ws.conv(3, nf, 3)
        rdbs = (0..<(3 * blocks)).map { _ in
            (0..<5).map { c in ws.conv(nf + c * gc, c == 4 ? nf : gc, 3) }
        }
        body = ws.conv(nf, nf, 3); up1 = ws.conv(nf, nf, 3); up2 = ws.conv(nf, nf, 3)
        hr = ws.conv(nf, nf, 3); last = ws.conv(nf, 3, 3)
    }

    var macsPerPixel: Double {
        let trunk = ([first, body] + rdbs.flatMap { $0 }).reduce(0) { $0 + $1.macsPerPixel }
        return Double(trunk) + 4 * Double(up1.macsPerPixel)
            + 16 * Double(up2.macsPerPixel + hr.macsPerPixel + last.macsPerPixel)
    }

    func forward(_ x: Tensor, pool: ThreadPool) -> Tensor {
        let lrelu = Activation.leakyReLU(0.2)
        let feat = first(x, pool: pool)
        var trunk = feat
        for b in stride(from: 0, to: rdbs.count, by: 3) {
            var t = trunk
            for c in rdbs[b..<(b + 3)] {
                let x1 = c[0]([t], activation: lrelu, pool: pool)
                let x2 = c[1]([t, x1], activation: lrelu, pool: pool)
                let x3 = c[2]([t, x1, x2], activation: lrelu, pool: pool)
                let x4 = c[3]([t, x1, x2, x3], activation: lrelu, pool: pool)
                t = c[4]([t, x1, x2, x3, x4], outputScale: 0.2, residual: t, pool: pool)
            }
            trunk = addScaled(trunk, t, scale: 0.2)
        }
        var y = body(trunk, residual: feat, pool: pool)
        y = up1(upsampleNearest(y, factor: 2), activation: lrelu, pool: pool)
        y = up2(upsampleNearest(y, factor: 2), activation: lrelu, pool: pool)
        y = hr(y, activation: lrelu, pool: pool)
        return last(y, pool: pool)
    }
}

/// BasicSR MSRResNet ×4: conv_first + LeakyReLU(0.1), `blocks` conv-ReLU-conv residual blocks,
/// two (conv 64→256, pixel shuffle ×2, LeakyReLU 0.1), conv_hr + LeakyReLU, conv_last, plus the
/// bilinearly upsampled input.
struct BenchMSRResNet: BenchNetwork {
    let name = "msrresnet"
    let first, up1, up2, hr, last: Conv2D
    let res: [(Conv2D, Conv2D)]

    init(blocks: Int = 16, nf: Int = 64, seed: UInt64 = 2) {
        var ws = WeightSource(state: seed)
        first = ws.conv(3, nf, 3)
        res = (0..<blocks).map { _ in (ws.conv(nf, nf, 3), ws.conv(nf, nf, 3)) }
        up1 = ws.conv(nf, 4 * nf, 3); up2 = ws.conv(nf, 4 * nf, 3)
        hr = ws.conv(nf, nf, 3); last = ws.conv(nf, 3, 3)
    }

    var macsPerPixel: Double {
        let trunk = res.reduce(first.macsPerPixel + up1.macsPerPixel) { $0 + $1.0.macsPerPixel + $1.1.macsPerPixel }
        return Double(trunk) + 4 * Double(up2.macsPerPixel) + 16 * Double(hr.macsPerPixel + last.macsPerPixel)
    }

    func forward(_ x: Tensor, pool: ThreadPool) -> Tensor {
        let lrelu = Activation.leakyReLU(0.1)
        var f = first(x, activation: lrelu, pool: pool)
        for (c1, c2) in res { f = c2(c1(f, activation: .relu, pool: pool), residual: f, pool: pool) }
        f = pixelShuffle(up1(f, activation: lrelu, pool: pool), 2)
        f = pixelShuffle(up2(f, activation: lrelu, pool: pool), 2)
        f = hr(f, activation: lrelu, pool: pool)
        return last(f, residual: benchBilinear(x, factor: 4), pool: pool)
    }
}
