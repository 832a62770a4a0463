import XCTest
@testable import EnhanceTensor

/// The channel-packed (``Packed16``) ops a U-Net needs, against onnxruntime (`make_op_fixtures.py`,
/// section 10): the 1×1 convolution (``PackedPointwise``), the unpadded 3×3 convolution
/// (``Conv2D/valid(_:activation:pool:)``) and from few CHW channels
/// (``Conv2D/validToPacked16(_:activation:pool:)``), the 1×1 conv fused with a pixel unshuffle or
/// shuffle (ONNX 2×2 stride-2 `Conv` and `ConvTranspose`, the latter also with a skip's centre added:
/// `Slice` + `Add`), the pixel unshuffle (ONNX `SpaceToDepth`), and crops against their definition.
///
/// Tolerance: 1e-5 relative + 1e-5 · max |y| for the 1×1 (float32 sums in another order); the F(6×6)
/// 3×3 2e-4 of both (``ActivationOpTests``).
final class PackedOpsOracleTests: XCTestCase {
    let fx = OpFixtures.shared
    let pool = ThreadPool(threads: 2)
    let leaky = Activation.leakyReLU(0.1)

    func peak(_ v: [Float]) -> Float { v.reduce(0) { max($0, abs($1)) } }

    func conv(_ c: String, k: Int) -> Conv2D {
        let x = fx.tensor(c, "x"), b = fx.values(c, "b")
        return Conv2D(weight: fx.values(c, "w"), bias: b, inChannels: x.channels, outChannels: b.count, kernelSize: k,
                      layout: .packed16)
    }

    /// Every ISA's block shape (8, 6 and 8 pixels: 91 pixels leave a short last block), the input
    /// as one tensor and as two (groups concatenated), the residual added after the activation.
    func testPointwiseConvMatchesOnnxruntime() {
        let c = "conv1x1_packed", x = fx.tensor(c, "x"), want = fx.values(c, "y"), conv = conv(c, k: 1)
        let atol = 1e-5 * peak(want)
        for isa in KernelISA.allCases {
            let y = conv.packed16([Packed16.pack(x, pool: pool)], activation: leaky, outputScale: 1, residual: nil,
                                  pool: pool, isa: isa)
            assertClose(Packed16.unpack(y, pool: pool).data, want, atol: atol, "1×1 \(isa)")
        }
        let parts = [x.channels(0..<32), x.channels(32..<48)].map { Packed16.pack($0, pool: pool) }
        let y = conv(parts, activation: leaky, pool: pool)
        XCTAssertEqual([y.channels, y.height, y.width, y.layout == .packed16 ? 1 : 0], [32, 7, 13, 1])
        assertClose(Packed16.unpack(y, pool: pool).data, want, atol: atol, "1×1 two inputs")
        let r = Tensor(channels: 32, height: 7, width: 13, data: (0..<(32 * 91)).map { Float($0 % 7) - 3 })
        let z = conv(Packed16.pack(x, pool: pool), activation: leaky, residual: Packed16.pack(r, pool: pool),
                     pool: pool)
        assertClose(Packed16.unpack(z, pool: pool).data, zip(want, r.data).map(+), atol: atol, "1×1 residual")
    }

    /// Every ISA's tile shape, and a pool that makes no kernels (the padded conv, cropped).
    func testValidConvMatchesOnnxruntime() {
        for c in ["conv_valid", "conv_valid_small"] {
            let x = fx.tensor(c, "x"), want = fx.values(c, "y"), conv = conv(c, k: 3)
            let p = Packed16.pack(x, pool: pool), tol: Float = 2e-4, atol = tol * peak(want)
            for isa in KernelISA.allCases {
                let y = conv.packed16([p], activation: leaky, outputScale: 1, residual: nil, padding: 0, pool: pool,
                                      isa: isa)
                XCTAssertEqual([y.channels, y.height, y.width], [conv.outChannels, x.height - 2, x.width - 2], c)
                assertClose(Packed16.unpack(y, pool: pool).data, want, rtol: tol, atol: atol, "\(c) \(isa)")
            }
            let y = conv.valid([p], activation: leaky, pool: pool)
            assertClose(Packed16.unpack(y, pool: pool).data, want, rtol: tol, atol: atol, "\(c) valid")
            let direct = conv.valid([p], activation: leaky, pool: ThreadPool(threads: 2, preparesKernels: false))
            assertClose(Packed16.unpack(direct, pool: pool).data, want, rtol: 1e-5, atol: 1e-5 * peak(want),
                        "\(c) unprepared")
        }
    }

    /// From a CHW input of few channels straight to a packed result (rows of 12 and of 4 outputs),
    /// and on a pool that makes no kernels.
    func testFewChannelValidConvToPackedMatchesOnnxruntime() {
        for c in ["conv_valid_few", "conv_valid_few_small"] {
            let x = fx.tensor(c, "x"), want = fx.values(c, "y"), b = fx.values(c, "b")
            let conv = Conv2D(weight: fx.values(c, "w"), bias: b, inChannels: x.channels, outChannels: b.count,
                              kernelSize: 3)
            XCTAssertTrue(Conv2D.accepts(fewToPacked16: x.channels, b.count, 3))
            for q in [pool, ThreadPool(threads: 2, preparesKernels: false)] {
                let y = conv.validToPacked16(x, activation: leaky, pool: q)
                XCTAssertEqual([y.channels, y.height, y.width], [b.count, x.height - 2, x.width - 2], c)
                XCTAssertEqual(y.layout, .packed16)
                assertClose(Packed16.unpack(y, pool: pool).data, want, atol: 1e-5 * peak(want), c)
            }
        }
        XCTAssertFalse(Conv2D.accepts(fewToPacked16: 16, 32, 3))
    }

    /// A 2×2 stride-2 conv as the 1×1 conv of the unshuffled input, read in place, on every ISA's
    /// block (rows of 7 conv pixels: a short block after a full one, or only a short one).
    func testUnshuffledPointwiseMatchesStridedConv() {
        let c = "conv_2x2_stride2", x = fx.tensor(c, "x"), w = fx.values(c, "w"), b = fx.values(c, "b")
        let (o, ci) = (b.count, x.channels), want = fx.values(c, "y")
        var reordered = [Float](repeating: 0, count: w.count)
        for oc in 0..<o { for cc in 0..<ci { for s in 0..<4 {
            reordered[oc * 4 * ci + s * ci + cc] = w[(oc * ci + cc) * 4 + s]
        } } }
        let conv = Conv2D(weight: reordered, bias: b, inChannels: 4 * ci, outChannels: o, kernelSize: 1,
                          layout: .packed16)
        let p = Packed16.pack(x, pool: pool)
        for isa in KernelISA.allCases {
            let y = conv.fusedPointwise(p, inFactor: 2, outFactor: 1, activation: leaky, pool: pool, isa: isa)
            XCTAssertEqual([y.channels, y.height, y.width], [o, x.height / 2, x.width / 2])
            assertClose(Packed16.unpack(y, pool: pool).data, want, atol: 1e-5 * peak(want), "\(c) \(isa)")
        }
        for q in [pool, ThreadPool(threads: 1, preparesKernels: false)] {
            let y = conv.unshuffledPointwise(p, factor: 2, activation: leaky, pool: q)
            assertClose(Packed16.unpack(y, pool: pool).data, want, atol: 1e-5 * peak(want), c)
        }
    }

    /// Fixture `c`'s 2×2 stride-2 ConvTranspose (weights `[in, out, 2, 2]`) as a packed 1×1 conv with
    /// `4·out` outputs, sub-position-major (what the shuffled 1×1 writes), its input and the oracle's output.
    private func shuffledConv(_ c: String) -> (conv: Conv2D, x: Tensor, outs: Int, want: [Float]) {
        let x = fx.tensor(c, "x"), w = fx.values(c, "w"), b = fx.values(c, "b")
        let (o, ci) = (b.count, x.channels)
        var reordered = [Float](repeating: 0, count: w.count), bias = [Float](repeating: 0, count: 4 * o)
        for s in 0..<4 { for oc in 0..<o {
            bias[s * o + oc] = b[oc]
            for cc in 0..<ci { reordered[(s * o + oc) * ci + cc] = w[(cc * o + oc) * 4 + s] }
        } }
        let conv = Conv2D(weight: reordered, bias: bias, inChannels: ci, outChannels: 4 * o, kernelSize: 1,
                          layout: .packed16)
        return (conv, x, o, fx.values(c, "y"))
    }

    /// A 2×2 stride-2 transposed conv as a 1×1 conv whose outputs are shuffled as they are written.
    func testShuffledPointwiseMatchesTransposedConv() {
        let c = "convtranspose_2x2_stride2", (conv, x, o, want) = shuffledConv(c)
        let p = Packed16.pack(x, pool: pool)
        for isa in KernelISA.allCases {
            let y = conv.fusedPointwise(p, inFactor: 1, outFactor: 2, activation: leaky, pool: pool, isa: isa)
            XCTAssertEqual([y.channels, y.height, y.width], [o, 2 * x.height, 2 * x.width])
            assertClose(Packed16.unpack(y, pool: pool).data, want, atol: 1e-5 * peak(want), "\(c) \(isa)")
        }
        for q in [pool, ThreadPool(threads: 1, preparesKernels: false)] {
            let y = conv.shuffledPointwise(p, factor: 2, activation: leaky, pool: q)
            assertClose(Packed16.unpack(y, pool: pool).data, want, atol: 1e-5 * peak(want), c)
        }
    }

    /// The same with the centre of a larger map added after the activation in the conv's pass (a
    /// U-Net skip, ``Conv2D/shuffledPointwise(_:factor:activation:adding:pool:)``), on every ISA's block
    /// and on a pool that makes no kernels (shuffle, crop and add as separate ops).
    func testShuffledPointwiseAddsTheCroppedSkip() {
        let c = "convtranspose_2x2_stride2_skip", (conv, x, o, want) = shuffledConv(c)
        let p = Packed16.pack(x, pool: pool), skip = Packed16.pack(fx.tensor(c, "skip"), pool: pool)
        for isa in KernelISA.allCases {
            let y = conv.fusedPointwise(p, inFactor: 1, outFactor: 2, activation: leaky, skip: skip, pool: pool,
                                        isa: isa)
            XCTAssertEqual([y.channels, y.height, y.width], [o, 2 * x.height, 2 * x.width])
            assertClose(Packed16.unpack(y, pool: pool).data, want, atol: 1e-5 * peak(want), "\(c) \(isa)")
        }
        for q in [pool, ThreadPool(threads: 1, preparesKernels: false)] {
            let y = conv.shuffledPointwise(p, factor: 2, activation: leaky, adding: skip, pool: q)
            assertClose(Packed16.unpack(y, pool: pool).data, want, atol: 1e-5 * peak(want), c)
        }
    }

    func testPixelUnshuffleMatchesSpaceToDepth() {
        let c = "space_to_depth", x = fx.tensor(c, "x"), want = fx.tensor(c, "y")
        let y = Packed16.pixelUnshuffle(Packed16.pack(x, pool: pool), 2, pool: pool)
        XCTAssertEqual([y.channels, y.height, y.width], [want.channels, want.height, want.width])
        XCTAssertEqual(Packed16.unpack(y, pool: pool).data, want.data)
    }

    /// Windows of a packed tensor, element by element from the definition, and equal to the CHW crop.
    func testPackedCropMatchesDefinition() {
        var rng = SplitMix(seed: 12)
        let t = Tensor(channels: 32, height: 9, width: 11, data: rng.floats(32 * 99, scale: 1))
        let p = Packed16.pack(t, pool: pool)
        for (y0, x0, h, w) in [(1, 2, 5, 7), (0, 0, 9, 11), (4, 4, 1, 1), (3, 0, 6, 11)] {
            for q in [nil, pool] {
                let r = p.cropped(y: y0, x: x0, height: h, width: w, pool: q)
                XCTAssertEqual(r.layout, .packed16)
                let u = Packed16.unpack(r, pool: pool)
                XCTAssertEqual([u.channels, u.height, u.width], [32, h, w])
                for c in 0..<32 { for y in 0..<h { for x in 0..<w {
                    XCTAssertEqual(u[c, y, x], t[c, y0 + y, x0 + x])
                } } }
                XCTAssertEqual(u, t.cropped(y: y0, x: x0, height: h, width: w))
            }
        }
    }
}
