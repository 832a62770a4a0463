import XCTest
@testable import EnhanceTensor

/// The channel-packed 1×1 convolution (``PackedPointwise``) and the packed pixel shuffle to CHW,
/// against onnxruntime (`scripts/oracles/make_packed_tail_fixtures.py`: Concat + Conv + activation,
/// DepthToSpace CRD).
final class PackedPointwiseTests: XCTestCase {
    let pool = ThreadPool(threads: 2)
    let fx = OpFixtures.packedTail

    func testAcceptsPackedPointwiseShapes() {
        XCTAssertTrue(Conv2D.accepts(packed16: 192, 48, 1))
        XCTAssertTrue(Conv2D.accepts(packed16: 16, 16, 1))
        XCTAssertFalse(Conv2D.accepts(packed16: 24, 48, 1))
        XCTAssertFalse(Conv2D.accepts(packed16: 32, 12, 1))
        XCTAssertFalse(Conv2D.accepts(packed16: 32, 32, 5))
    }

    /// Several packed inputs, concatenated: SiLU, and identity with scale ½ and a packed residual,
    /// on every ISA variant's tile shape (and the automatic path).
    func testPackedPointwiseMatchesOnnxruntime() {
        for c in ["pw_cat", "pw_32"] {
            let xs = (0..<fx.attr(c, "inputs")).map { Packed16.pack(fx.tensor(c, "x\($0)"), pool: pool) }
            let (wShape, w) = fx.array(c, "w")
            let (k, cin) = (wShape[0], wShape[1])
            let conv = Conv2D(weight: w, bias: fx.values(c, "b"), inChannels: cin, outChannels: k, kernelSize: 1,
                              layout: .packed16)
            let res = Packed16.pack(fx.tensor(c, "res"), pool: pool)
            let silu = fx.values(c, "silu"), scaled = fx.values(c, "scaled")
            func check(_ y: Tensor, _ want: [Float], _ what: String) {
                XCTAssertEqual(y.layout, .packed16, what)
                XCTAssertEqual([y.channels, y.height, y.width], [k, xs[0].height, xs[0].width], what)
                assertClose(Packed16.unpack(y, pool: pool).data, want, rtol: 1e-5, atol: 1e-5 * peak(want), what)
            }
            check(conv(xs, activation: .silu, pool: pool), silu, "\(c) silu")
            check(conv(xs, outputScale: 0.5, residual: res, pool: pool), scaled, "\(c) scaled")
            for isa in KernelISA.allCases {
                check(conv.packed16(xs, activation: .silu, outputScale: 1, residual: nil, pool: pool, isa: isa), silu,
                      "\(c) \(isa) silu")
                check(conv.packed16(xs, activation: .identity, outputScale: 0.5, residual: res, pool: pool, isa: isa),
                      scaled, "\(c) \(isa) scaled")
            }
        }
    }

    /// A pool whose kernels are not prepared runs the 1×1 direct on CHW planes: same result, packed.
    func testUnpreparedPackedPointwise() {
        let c = "pw_cat", cold = ThreadPool(threads: 2, preparesKernels: false)
        let xs = (0..<2).map { Packed16.pack(fx.tensor(c, "x\($0)"), pool: pool) }
        let conv = Conv2D(weight: fx.values(c, "w"), bias: fx.values(c, "b"), inChannels: 32, outChannels: 48,
                          kernelSize: 1, layout: .packed16)
        let y = conv(xs, activation: .silu, pool: cold), want = fx.values(c, "silu")
        XCTAssertEqual(y.layout, .packed16)
        assertClose(Packed16.unpack(y, pool: pool).data, want, rtol: 1e-5, atol: 1e-5 * peak(want))
    }

    func testPixelShuffleToCHWIsDepthToSpace() {
        for r in [4, 2, 3] {
            let c = "shuffle_\(r)", x = fx.tensor(c, "x"), (shape, want) = fx.array(c, "y")
            let y = Packed16.pixelShuffleToCHW(Packed16.pack(x, pool: pool), r, pool: pool)
            XCTAssertEqual(y.layout, .chw)
            XCTAssertEqual([y.channels, y.height, y.width], Array(shape.suffix(3)), c)
            XCTAssertEqual(y.data, want, c)
        }
    }
}
