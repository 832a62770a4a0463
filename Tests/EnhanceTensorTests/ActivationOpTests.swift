import XCTest
@testable import EnhanceTensor

/// Activations, standalone and fused into convolution epilogues, against onnxruntime
/// (`make_op_fixtures.py`: Sigmoid, x·Sigmoid, Erf-decomposed GELU, Gelu(approximate=tanh), Tanh,
/// Relu, LeakyRelu, PRelu, Mish).
///
/// Tolerance: unary ops 1e-5 relative + 1e-6 absolute (our functions are within 4e-7 of libm,
/// onnxruntime's within a few ulp). Fused conv outputs: 1e-5 relative + 1e-5 · max |y| absolute,
/// since the convolution's float32 sums are ordered differently from onnxruntime's (Winograd for 3×3
/// loses about two digits more: 2e-4, as in ConvTests).
final class ActivationOpTests: XCTestCase {
    let fx = OpFixtures.shared
    let pool = ThreadPool(threads: 2)

    func activation(_ name: String, slopes: [Float]) -> Activation {
        switch name {
        case "sigmoid": return .sigmoid
        case "silu": return .silu
        case "gelu": return .gelu
        case "geluTanh": return .geluTanh
        case "tanh": return .tanh
        case "relu": return .relu
        case "leakyReLU": return .leakyReLU(0.2)
        case "prelu": return .prelu(slopes)
        case "mish": return .mish
        default: fatalError(name)
        }
    }

    static let names = ["sigmoid", "silu", "gelu", "geluTanh", "tanh", "relu", "leakyReLU", "prelu", "mish"]

    func testStandaloneActivations() {
        for name in Self.names {
            let c = "unary_\(name)", x = fx.tensor(c, "x")
            let act = activation(name, slopes: fx.values(c, "slope"))
            let want = fx.values(c, "y")
            assertClose(activate(x, act).data, want, name)
            assertClose(activate(x, act, pool: pool).data, want, "\(name) pooled")
            // The scalar oracle of the reference conv agrees too.
            assertClose((0..<x.data.count).map { act.apply(x.data[$0], channel: $0 / x.planeSize) }, want,
                        "\(name) scalar")
        }
    }

    func testStandaloneActivationsOnPacked16() {
        let c = "convact_3", x = fx.tensor(c, "x")  // 16 channels
        for name in Self.names {
            let act = activation(name, slopes: fx.values("convact_3", "slope").prefix(16).map { $0 })
            let packed = activate(Packed16.pack(x, pool: pool), act, pool: pool)
            XCTAssertEqual(packed.layout, .packed16)
            XCTAssertEqual(Packed16.unpack(packed, pool: pool), activate(x, act), name)
        }
    }

    func testFusedEpiloguesMatchOnnxruntime() {
        for k in [1, 3, 5] {
            let c = "convact_\(k)", x = fx.tensor(c, "x")
            let conv = Conv2D(weight: fx.values(c, "w"), bias: fx.values(c, "b"), inChannels: 16, outChannels: 32,
                              kernelSize: k)
            let packedConv = k == 3 ? Conv2D(weight: fx.values(c, "w"), bias: fx.values(c, "b"), inChannels: 16,
                                             outChannels: 32, kernelSize: 3, layout: .packed16) : nil
            let tol: Float = k == 3 ? 2e-4 : 1e-5
            for name in Self.names {
                let act = activation(name, slopes: fx.values(c, "slope")), want = fx.values(c, name)
                let atol = tol * peak(want)
                assertClose(conv(x, activation: act, pool: pool).data, want, rtol: tol, atol: atol, "\(k)² \(name)")
                // The reference conv with the scalar activation, and the fused = conv + standalone op.
                assertClose(conv.reference([x], activation: act, pool: pool).data, want, rtol: 1e-5,
                            atol: 1e-5 * peak(want), "\(k)² \(name) reference")
                let plain = conv(x, pool: pool)
                assertClose(conv(x, activation: act, pool: pool).data, activate(plain, act).data, rtol: 1e-6,
                            atol: 1e-6, "\(k)² \(name) fused vs separate")
                if let packedConv {
                    let y = Packed16.unpack(packedConv(Packed16.pack(x, pool: pool), activation: act, pool: pool),
                                            pool: pool)
                    assertClose(y.data, want, rtol: tol, atol: atol, "packed16 \(name)")
                }
            }
        }
    }

    func testFusedActivationWithScaleAndResidual() {
        let c = "convact_1", x = fx.tensor(c, "x")
        let conv = Conv2D(weight: fx.values(c, "w"), bias: fx.values(c, "b"), inChannels: 16, outChannels: 32,
                          kernelSize: 1)
        let res = Tensor(channels: 32, height: x.height, width: x.width, data: fx.values("convact_3", "gelu"))
        let want = zip(fx.values(c, "gelu"), res.data).map { 0.5 * $0 + $1 }
        assertClose(conv(x, activation: .gelu, outputScale: 0.5, residual: res, pool: pool).data, want,
                    atol: 1e-5 * peak(want))
    }
}
