import XCTest
@testable import EnhanceTensor

final class OpsTests: XCTestCase {
    func testPixelShuffleHandCase() {
        // PyTorch: pixel_shuffle(arange(4).view(1,4,1,1), 2) == [[0, 1], [2, 3]].
        let x = Tensor(channels: 4, height: 1, width: 1, data: [0, 1, 2, 3])
        let y = pixelShuffle(x, 2)
        XCTAssertEqual([y.channels, y.height, y.width], [1, 2, 2])
        XCTAssertEqual(y.data, [0, 1, 2, 3])
        // Two columns: out[0, i, 2w + j] = in[2i + j, 0, w].
        let x2 = Tensor(channels: 4, height: 1, width: 2, data: [0, 10, 1, 11, 2, 12, 3, 13])
        XCTAssertEqual(pixelShuffle(x2, 2).data, [0, 1, 10, 11, 2, 3, 12, 13])
    }

    func testPixelShuffleDefinitionAndRoundTrip() {
        for (c, h, w, r) in [(2, 3, 5, 2), (1, 1, 1, 3), (3, 2, 7, 4)] {
            var rng = SplitMix(seed: UInt64(c * 100 + w))
            let x = Tensor(channels: c * r * r, height: h, width: w, data: rng.floats(c * r * r * h * w, scale: 1))
            let y = pixelShuffle(x, r)
            XCTAssertEqual([y.channels, y.height, y.width], [c, h * r, w * r])
            for oc in 0..<c { for i in 0..<r { for j in 0..<r { for yy in 0..<h { for xx in 0..<w {
                XCTAssertEqual(y[oc, yy * r + i, xx * r + j], x[oc * r * r + i * r + j, yy, xx])
            } } } } }
            XCTAssertEqual(pixelUnshuffle(y, r), x)
            XCTAssertEqual(pixelShuffle(pixelUnshuffle(y, r), r), y)
        }
    }

    func testPixelUnshuffleHandCase() {
        // 1×2×4 → 4×1×2: channel i·2 + j holds rows i, columns j, j + 2.
        let x = Tensor(channels: 1, height: 2, width: 4, data: [0, 1, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(pixelUnshuffle(x, 2).data, [0, 2, 1, 3, 4, 6, 5, 7])
    }

    func testUpsampleNearest() {
        let x = Tensor(channels: 2, height: 1, width: 2, data: [1, 2, 3, 4])
        let y = upsampleNearest(x, factor: 2)
        XCTAssertEqual(y.data, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
        var rng = SplitMix(seed: 4)
        let z = Tensor(channels: 3, height: 5, width: 3, data: rng.floats(45, scale: 1))
        let u = upsampleNearest(z, factor: 3)
        for c in 0..<3 { for yy in 0..<15 { for xx in 0..<9 { XCTAssertEqual(u[c, yy, xx], z[c, yy / 3, xx / 3]) } } }
    }

    func testAddScaledConcatBlend() {
        var rng = SplitMix(seed: 5)
        // 70001: several 16 Ki-float slices over the pool, the last ragged.
        for n in [1, 15, 16, 17, 100, 70001] {
            let a = Tensor(channels: 1, height: 1, width: n, data: rng.floats(n, scale: 2))
            let b = Tensor(channels: 1, height: 1, width: n, data: rng.floats(n, scale: 2))
            let s = addScaled(a, b, scale: 0.2)
            for i in 0..<n { XCTAssertEqual(s.data[i], a.data[i] + 0.2 * b.data[i], accuracy: 1e-6) }
            XCTAssertEqual(addScaled(a, b, scale: 0.2, pool: ThreadPool(threads: 2)), s)
            let c = concatChannels([a, b])
            XCTAssertEqual(c.channels, 2)
            XCTAssertEqual(c.data, a.data + b.data)
            let pool = ThreadPool(threads: 2)
            XCTAssertEqual(blend(a.data, b.data, alpha: 0, pool: pool), a.data)
            XCTAssertEqual(blend(a.data, b.data, alpha: 1, pool: pool), b.data)
            let m = blend(a.data, b.data, alpha: 0.25)
            for i in 0..<n { XCTAssertEqual(m[i], 0.75 * a.data[i] + 0.25 * b.data[i], accuracy: 1e-6) }
        }
        let big = 300_001
        let a = (0..<big).map { Float($0) }, b = (0..<big).map { Float(-$0) }
        var out = [Float](repeating: .nan, count: big)
        blend(a, b, alpha: 0.5, into: &out, pool: ThreadPool(threads: 2))
        XCTAssertEqual(out.max(), 0)
        XCTAssertEqual(out.min(), 0)
    }
}
