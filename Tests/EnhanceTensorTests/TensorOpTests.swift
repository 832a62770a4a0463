import XCTest
@testable import EnhanceTensor

/// Binary, channel, convolution and normalisation ops against onnxruntime (`make_op_fixtures.py`).
///
/// Tolerance: exact-in-float ops (slices, +, −, ·) 1e-6 relative; sums (conv, norms, pooling)
/// 1e-5 relative + 1e-5 · max |y| absolute, since float32 sums in another order differ by that.
final class TensorOpTests: XCTestCase {
    let fx = OpFixtures.shared
    let pool = ThreadPool(threads: 2)

    func testBinaryBroadcast() {
        for (name, op) in [("add", BinaryOp.add), ("sub", .sub), ("mul", .mul)] {
            let c = "binary_\(name)", a = fx.tensor(c, "a"), b = fx.tensor(c, "b")
            assertClose(binary(a, b, op).data, fx.values(c, "same"), rtol: 1e-6, atol: 0, name)
            assertClose(binary(a, perChannel: fx.values(c, "v"), op, pool: pool).data, fx.values(c, "channel"),
                        rtol: 1e-6, atol: 0, "\(name) per channel")
            assertClose(binary(a, scalar: fx.values(c, "s")[0], op).data, fx.values(c, "scalar"), rtol: 1e-6, atol: 0,
                        "\(name) scalar")
        }
        let c = "binary_add", a = fx.tensor(c, "a"), b = fx.tensor(c, "b")
        XCTAssertEqual(add(a, b), binary(a, b, .add))
        XCTAssertEqual(sub(a, b), binary(a, b, .sub))
        XCTAssertEqual(mul(a, b), binary(a, b, .mul))
    }

    func testBinaryOnPacked16() {
        var rng = SplitMix(seed: 9)
        let a = Tensor(channels: 32, height: 3, width: 5, data: rng.floats(480, scale: 1))
        let b = Tensor(channels: 32, height: 3, width: 5, data: rng.floats(480, scale: 1))
        let v = rng.floats(32, scale: 1)
        let pa = Packed16.pack(a, pool: pool), pb = Packed16.pack(b, pool: pool)
        XCTAssertEqual(Packed16.unpack(binary(pa, pb, .mul), pool: pool), binary(a, b, .mul))
        XCTAssertEqual(Packed16.unpack(binary(pa, perChannel: v, .sub), pool: pool), binary(a, perChannel: v, .sub))
        XCTAssertEqual(Packed16.unpack(pa.channels(16..<32), pool: pool), a.channels(16..<32))
    }

    func testChannelSplitSliceConcat() {
        let x = fx.tensor("channels", "x")
        XCTAssertEqual(x.splitChannels([3, 4, 3])[1].data, fx.values("channels", "split1"))
        XCTAssertEqual(x.channels(2..<7).data, fx.values("channels", "slice27"))
        XCTAssertEqual(concatChannels([x, x]).data, fx.values("channels", "concat"))
        XCTAssertEqual(concatChannels(x.splitChannels([3, 4, 3])), x)
    }

    func testGroupedDepthwiseAndLargeConvolutions() {
        for name in ["group2_k3", "group3_k5", "dw_k3", "dw_k7_m2", "dw_k13", "dense_k1", "dense_k13", "dense_k17"] {
            let c = "conv_\(name)", x = fx.tensor(c, "x"), w = fx.array(c, "w"), want = fx.values(c, "y")
            let groups = fx.attr(c, "groups"), k = fx.attr(c, "k")
            let conv = Conv2D(weight: w.values, bias: fx.values(c, "b"), inChannels: w.shape[1] * groups,
                              outChannels: w.shape[0], kernelSize: k, groups: groups)
            XCTAssertEqual(conv.macsPerPixel, w.values.count)
            let atol = 1e-5 * peak(want)
            assertClose(conv(x, pool: pool).data, want, atol: atol, name)
            assertClose(conv.reference([x], pool: pool).data, want, atol: atol, "\(name) reference")
            // Fused activation + residual, against the reference loop nest.
            let res = Tensor(channels: conv.outChannels, height: x.height, width: x.width, data: want)
            assertClose(conv(x, activation: .leakyReLU(0.1), outputScale: 0.5, residual: res, pool: pool).data,
                        conv.reference([x], activation: .leakyReLU(0.1), outputScale: 0.5, residual: res,
                                       pool: pool).data, atol: atol, "\(name) epilogue")
            // Split inputs (the channel concatenation is implicit).
            let parts = x.splitChannels([x.channels - x.channels / 2, x.channels / 2].filter { $0 > 0 })
            assertClose(conv(parts, pool: pool).data, want, atol: atol, "\(name) split inputs")
            if k != 3 {  // every micro-kernel variant
                for isa in KernelISA.allCases {
                    let y = conv.run([x], activation: .identity, outputScale: 1, residual: nil, pool: pool,
                                     algorithm: .automatic, isa: isa)
                    assertClose(y.data, want, atol: atol, "\(name) \(isa)")
                }
            }
        }
    }

    func testPartialLargeKernel() {
        let c = "conv_partial17", x = fx.tensor(c, "x")
        let conv = Conv2D(weight: fx.values(c, "w"), bias: fx.values(c, "b"), inChannels: 4, outChannels: 4,
                          kernelSize: 17)
        let want = fx.values(c, "y")
        assertClose(conv(leadingChannelsOf: x, pool: pool).data, want, atol: 1e-5 * peak(want))
    }

    /// The partial conv and GroupNorm on channel-packed maps (RealPLKSR's packed trunk), against the
    /// same onnxruntime outputs as CHW: GroupNorm groups of half a packed group and of a whole one.
    func testPartialConvAndGroupNormPacked16() {
        let c = "conv_partial16of32", x = fx.tensor(c, "x"), xp = Packed16.pack(x, pool: pool)
        let conv = Conv2D(weight: fx.values(c, "w"), bias: fx.values(c, "b"), inChannels: 16, outChannels: 16,
                          kernelSize: 5)
        var want = fx.values(c, "y")
        let y = conv(leadingChannelsOf: xp, pool: pool)
        XCTAssertEqual(y.layout, .packed16)
        assertClose(Packed16.unpack(y, pool: pool).data, want, atol: 1e-5 * peak(want), c)
        for groups in [4, 2] {
            let g = "groupnorm32_g\(groups)"
            want = fx.values(g, "y")
            XCTAssertEqual(fx.attr(g, "groups"), groups)
            let n = groupNorm(xp, groups: groups, weight: fx.values(g, "g"), bias: fx.values(g, "b"), pool: pool)
            XCTAssertEqual(n.layout, .packed16)
            assertClose(Packed16.unpack(n, pool: pool).data, want, atol: 1e-5 * peak(want), g)
            let chw = groupNorm(x, groups: groups, weight: fx.values(g, "g"), bias: fx.values(g, "b"), pool: pool)
            assertClose(chw.data, want, atol: 1e-5 * peak(want), g + " CHW")
        }
    }

    func testNormalisationAndPooling() {
        var c = "layernorm_channels"
        var want = fx.values(c, "y")
        assertClose(layerNormChannels(fx.tensor(c, "x"), weight: fx.values(c, "g"), bias: fx.values(c, "b"),
                                      pool: pool).data, want, atol: 1e-5 * peak(want), c)
        c = "layernorm_rows"
        want = fx.values(c, "y")
        assertClose(layerNormRows(fx.matrix(c, "x"), weight: fx.values(c, "g"), bias: fx.values(c, "b"), eps: 1e-6,
                                  pool: pool).data, want, atol: 1e-5 * peak(want), c)
        c = "groupnorm"
        want = fx.values(c, "y")
        assertClose(groupNorm(fx.tensor(c, "x"), groups: fx.attr(c, "groups"), weight: fx.values(c, "g"),
                              bias: fx.values(c, "b"), pool: pool).data, want, atol: 1e-5 * peak(want), c)
        let gap = globalAveragePool(fx.tensor("gap", "x"), pool: pool)
        XCTAssertEqual([gap.channels, gap.height, gap.width], [12, 1, 1])
        assertClose(gap.data, fx.values("gap", "y"), atol: 1e-6, "gap")
    }

    /// Sizes past the fixtures': the threaded paths (≥ 32 Ki floats) and depthwise row bands.
    func testLargeInputsThreaded() {
        var rng = SplitMix(seed: 17)
        let x = Tensor(channels: 3, height: 300, width: 45, data: rng.floats(3 * 300 * 45, scale: 6))
        for act in [Activation.gelu, .mish, .prelu([0.1, 0.2, 0.3])] {
            let want = (0..<x.data.count).map { act.apply(x.data[$0], channel: $0 / x.planeSize) }
            assertClose(activate(x, act, pool: pool).data, want, "\(act)")
        }
        let g = rng.floats(3, scale: 1), b = rng.floats(3, scale: 1)
        XCTAssertEqual(layerNormChannels(x, weight: g, bias: b, pool: pool), layerNormChannels(x, weight: g, bias: b))
        // Depthwise 9×9 with 2 outputs per channel: 300 rows of 45 are several bands.
        let dw = Conv2D(weight: rng.floats(6 * 81, scale: 0.1), bias: rng.floats(6, scale: 1), inChannels: 3,
                        outChannels: 6, kernelSize: 9, groups: 3)
        let want = dw.reference([x], activation: .silu, pool: pool).data
        assertClose(dw(x, activation: .silu, pool: pool).data, want, atol: 1e-5 * peak(want))
    }
}
