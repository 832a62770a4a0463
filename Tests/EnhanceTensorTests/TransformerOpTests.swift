import Foundation
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

    /// The fixture's windows with the bias, the mask, both or neither left out, against attention
    /// written out in scalar loops here (the numpy case above covers both present).
    func testWindowAttentionOptionalTerms() {
        let c = "attention", heads = fx.attr(c, "heads"), n = fx.attr(c, "window") * fx.attr(c, "window")
        let qkv = fx.matrix(c, "qkv"), ch = qkv.columns / 3, d = ch / heads, nW = qkv.rows / n
        let scale = 1 / Float(d).squareRoot(), bias = fx.values(c, "bias"), mask = fx.values(c, "mask")
        for (b, m) in [(bias, nil), (nil, mask), (nil, nil)] as [([Float]?, [Float]?)] {
            let y = windowAttention(qkv: qkv, windowTokens: n, heads: heads, scale: scale, bias: b, mask: m, pool: pool)
            var want = [Float](repeating: 0, count: nW * n * ch)
            for w in 0..<nW { for h in 0..<heads { for i in 0..<n {
                let qi = (w * n + i) * 3 * ch + h * d
                var e = (0..<n).map { j -> Float in
                    let kj = (w * n + j) * 3 * ch + ch + h * d
                    var s: Float = 0
                    for t in 0..<d { s += qkv.data[qi + t] * qkv.data[kj + t] }
                    return s * scale + (b?[(h * n + i) * n + j] ?? 0) + (m?[(w * n + i) * n + j] ?? 0)
                }
                let top = e.max()!
                e = e.map { Foundation.exp($0 - top) }
                let total = e.reduce(0, +)
                for t in 0..<d {
                    var acc: Float = 0
                    for j in 0..<n { acc += e[j] / total * qkv.data[(w * n + j) * 3 * ch + 2 * ch + h * d + t] }
                    want[(w * n + i) * ch + h * d + t] = acc
                }
            } } }
            assertClose(y.data, want, atol: 1e-5 * peak(want))
        }
    }

    /// The pooled token ops against element loops written here: chunked over 3 threads, with a tail
    /// shorter than a vector, and a transpose whose token count is not a multiple of its blocks.
    func testPooledTokenOps() {
        let threeWay = ThreadPool(threads: 3), n = 2 * (1 << 14) + 21
        let a = Matrix(rows: n, columns: 1, data: (0..<n).map { Float($0 % 97) * 0.25 - 7 })
        let b = Matrix(rows: n, columns: 1, data: (0..<n).map { Float($0 % 31) * 0.5 + 1 })
        XCTAssertEqual(add(a, b, pool: threeWay).data, (0..<n).map { a.data[$0] + b.data[$0] })
        XCTAssertEqual(mul(a, b, pool: threeWay).data, (0..<n).map { a.data[$0] * b.data[$0] })
        let x = Tensor(channels: 5, height: 9, width: 15, data: (0..<(5 * 9 * 15)).map { Float($0) })
        let m = Matrix(tokensOf: x, pool: threeWay)
        for t in 0..<(9 * 15) { for f in 0..<5 { XCTAssertEqual(m.data[t * 5 + f], x.data[f * 135 + t]) } }
        XCTAssertEqual(Tensor(tokens: m, height: 9, width: 15, pool: threeWay), x)
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
