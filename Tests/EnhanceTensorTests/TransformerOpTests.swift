import XCTest
@testable import EnhanceTensor

/// Token-major ops (Linear, matmul, softmax, windows, window attention) and the resamplers, against
/// onnxruntime (Gemm, MatMul, Softmax, DepthToSpace, Resize, GridSample) and numpy (window
/// partition with `np.roll`, SwinIR's mask, relative position index and attention, in float64).
///
/// Tolerance: 1e-5 relative + 1e-5 · max |y| absolute for sums; index shuffles exact; the
/// resamplers 1e-5 relative + 1e-6 absolute (a few float32 products per output).
final class TransformerOpTests: XCTestCase {
    let fx = OpFixtures.shared
    let pool = ThreadPool(threads: 2)

    func testLinearAndFusedGelu() {
        let c = "linear", w = fx.array(c, "w")
        let linear = Linear(weight: w.values, bias: fx.values(c, "b"), inFeatures: w.shape[1], outFeatures: w.shape[0])
        let x = fx.matrix(c, "x")
        for (name, act) in [("y", Activation.identity), ("gelu", .gelu)] {
            let want = fx.values(c, name), y = linear(x, activation: act, pool: pool)
            XCTAssertEqual([y.rows, y.columns], [37, 45])
            assertClose(y.data, want, atol: 1e-5 * peak(want), name)
        }
    }

    func testMatmulAndSoftmax() {
        let c = "matmul", want = fx.values(c, "y")
        let a = fx.matrix(c, "a"), b = fx.matrix(c, "b"), bt = fx.matrix(c, "bt")
        assertClose(matmul(a, b, batch: 3, pool: pool).data, want, atol: 1e-5 * peak(want))
        assertClose(matmul(a, bt, batch: 3, transposeB: true, pool: pool).data, want, atol: 1e-5 * peak(want), "ᵀ")
        assertClose(softmaxRows(fx.matrix("softmax", "x")).data, fx.values("softmax", "y"), atol: 1e-7, "softmax")
    }

    func testWindowPartitionReverseAndMask() {
        let c = "windows", x = fx.matrix(c, "x")
        let (h, w, ws, s) = (fx.attr(c, "height"), fx.attr(c, "width"), fx.attr(c, "window"), fx.attr(c, "shift"))
        XCTAssertEqual(windowPartition(x, height: h, width: w, window: ws).data, fx.values(c, "y0"))
        let shifted = windowPartition(x, height: h, width: w, window: ws, shift: s)
        XCTAssertEqual(shifted.data, fx.values(c, "y"))
        XCTAssertEqual(windowReverse(shifted, height: h, width: w, window: ws, shift: s), x)
        let a = "attention"
        XCTAssertEqual(shiftedWindowMask(height: fx.attr(a, "height"), width: fx.attr(a, "width"),
                                         window: fx.attr(a, "window"), shift: fx.attr(a, "shift")),
                       fx.values(a, "mask"))
        XCTAssertEqual(relativePositionBias(table: fx.values(a, "table"), window: fx.attr(a, "window"),
                                            heads: fx.attr(a, "heads")), fx.values(a, "bias"))
    }

    func testWindowAttention() {
        let c = "attention", heads = fx.attr(c, "heads"), n = fx.attr(c, "window") * fx.attr(c, "window")
        let qkv = fx.matrix(c, "qkv"), d = qkv.columns / 3 / heads
        let y = windowAttention(qkv: qkv, windowTokens: n, heads: heads, scale: 1 / Float(d).squareRoot(),
                                bias: fx.values(c, "bias"), mask: fx.values(c, "mask"), pool: pool)
        let want = fx.values(c, "y")
        assertClose(y.data, want, atol: 1e-5 * peak(want))
    }

    func testTokenConversions() {
        let x = fx.tensor("resize_2", "x")
        let m = Matrix(tokensOf: x)
        XCTAssertEqual([m.rows, m.columns], [x.planeSize, x.channels])
        XCTAssertEqual(m.data[7 * m.columns + 2], x[2, 1, 0])  // token 7 = (y 1, x 0) of width 7
        XCTAssertEqual(Tensor(tokens: m, height: x.height, width: x.width), x)
    }

    func testShuffleAndUpsampling() {
        XCTAssertEqual(pixelShuffle(fx.tensor("depth_to_space", "x"), 2).data, fx.values("depth_to_space", "y"))
        XCTAssertEqual(pixelUnshuffle(fx.tensor("space_to_depth_torch", "x"), 2).data,
                       fx.values("space_to_depth_torch", "y"))
        for f in [2, 3] {
            let c = "resize_\(f)", x = fx.tensor(c, "x")
            XCTAssertEqual(upsampleNearest(x, factor: f).data, fx.values(c, "nearest"))
            assertClose(upsampleBilinear(x, factor: f, pool: pool).data, fx.values(c, "linear"), "bilinear ×\(f)")
            assertClose(upsampleBicubic(x, factor: f, pool: pool).data, fx.values(c, "cubic"), "bicubic ×\(f)")
        }
    }

    func testGridSample() {
        let c = "grid_sample", x = fx.tensor(c, "x"), grid = fx.tensor(c, "grid")
        for (name, padding) in [("zeros", GridPadding.zeros), ("border", .border)] {
            let y = gridSample(x, grid: grid, padding: padding, pool: pool)
            XCTAssertEqual([y.channels, y.height, y.width], [3, 11, 13])
            assertClose(y.data, fx.values(c, name), name)
        }
    }
}
