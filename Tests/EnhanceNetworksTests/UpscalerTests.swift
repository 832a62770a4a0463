import EnhanceCheckpoints
import EnhanceImaging
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

final class UpscalerTests: XCTestCase {
    private func model(_ name: String) throws -> LoadedModel {
        try LoadedModel(stateDict: Fixture.safetensors(name + ".weights.safetensors"), name: name)
    }

    private func image(width: Int, height: Int, alpha: Bool = false, seed: UInt64 = 11) -> Image {
        let c = alpha ? 4 : 3
        return Image(width: width, height: height, channelCount: c,
                     pixels: randomTensor(channels: c, height: height, width: width, seed: seed).data)
    }

    private func maxDiff(_ a: [Float], _ b: [Float]) -> Float {
        XCTAssertEqual(a.count, b.count)
        return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    private func crop(_ im: Image, x: Int, y: Int, width: Int, height: Int) -> [Float] {
        var out: [Float] = []
        for c in 0..<im.channelCount { for r in y..<(y + height) {
            let s = c * im.planeSize + r * im.width + x
            out += im.pixels[s..<(s + width)]
        } }
        return out
    }

    func testTiledUpscaleMatchesNetworkAndReportsProgress() throws {
        let m = try model("msrresnet_x4")
        let img = image(width: 37, height: 29)
        let opts = UpscaleOptions(tileSize: 12, tileOverlap: m.network.receptiveRadius, threads: 2)
        var fractions: [Double] = []
        let out = try Upscaler(.model(m), options: opts).upscale(img, progress: { fractions.append($0) })
        XCTAssertEqual([out.width, out.height, out.channelCount], [148, 116, 3])
        let ref = try m.network.forward(Tensor(channels: 3, height: 29, width: 37, data: img.pixels),
                                        pool: ThreadPool(threads: 2), cancel: nil)
        XCTAssertLessThan(maxDiff(out.pixels, ref.data.map { min(1, max(0, $0)) }), 1e-4)
        XCTAssertEqual(fractions.last, 1)
        XCTAssertEqual(fractions, fractions.sorted())
        XCTAssertGreaterThan(fractions.count, 4)
    }

    func testRegionMatchesFullUpscale() throws {
        for name in ["srvgg_x4", "rrdbnet_x2_basicsr"] {
            let m = try model(name)
            let s = m.scale
            let img = image(width: 41, height: 35)  // odd sizes: exercises unshuffle padding for ×2
            let opts = UpscaleOptions(tileSize: 16, tileOverlap: m.network.receptiveRadius)
            let up = try Upscaler(.model(m), options: opts)
            let full = try up.upscale(img)
            XCTAssertEqual([full.width, full.height], [41 * s, 35 * s])
            for (x, y, w, h) in [(5, 7, 13, 9), (30, 20, 11, 15), (0, 0, 41, 35)] {
                let r = try up.upscaleRegion(img, x: x, y: y, width: w, height: h)
                XCTAssertEqual([r.width, r.height], [w * s, h * s])
                let d = maxDiff(r.pixels, crop(full, x: x * s, y: y * s, width: w * s, height: h * s))
                XCTAssertLessThan(d, 1e-4, "\(name) region \(x),\(y) \(w)×\(h)")
            }
            XCTAssertThrowsError(try up.upscaleRegion(img, x: 40, y: 0, width: 5, height: 5))
        }
    }

    func testAlphaByModelAndByBicubic() throws {
        let m = try model("srvgg_x4")
        let img = image(width: 10, height: 9, alpha: true)
        let net = m.network
        let a = img.alphaPlane
        let ref = try net.forward(Tensor(channels: 3, height: 9, width: 10, data: a + a + a),
                                  pool: ThreadPool(threads: 1), cancel: nil)
        let n = 40 * 36
        let expected = (0..<n).map { min(1, max(0, (ref.data[$0] + ref.data[n + $0] + ref.data[2 * n + $0]) / 3)) }
        let byModel = try Upscaler(.model(m), options: UpscaleOptions(alpha: .model)).upscale(img)
        XCTAssertEqual(byModel.channelCount, 4)
        XCTAssertLessThan(maxDiff(byModel.alphaPlane, expected), 1e-5)
        let byBicubic = try Upscaler(.model(m), options: UpscaleOptions(alpha: .bicubic)).upscale(img)
        let bic = Resample.bicubic(img, width: 40, height: 36).alphaPlane.map { min(1, max(0, $0)) }
        XCTAssertLessThan(maxDiff(byBicubic.alphaPlane, bic), 1e-6)
        XCTAssertEqual(Array(byBicubic.pixels[0..<(3 * n)]), Array(byModel.pixels[0..<(3 * n)]))
    }

    func testBicubicMethodAndRegion() throws {
        let img = image(width: 23, height: 17, alpha: true)
        let up = try Upscaler(.bicubic(scale: 3))
        let full = try up.upscale(img)
        let ref = Resample.bicubic(img, width: 69, height: 51)
        XCTAssertLessThan(maxDiff(full.pixels, ref.pixels.map { min(1, max(0, $0)) }), 1e-6)
        let r = try up.upscaleRegion(img, x: 4, y: 5, width: 9, height: 7)
        XCTAssertLessThan(maxDiff(r.pixels, crop(full, x: 12, y: 15, width: 27, height: 21)), 1e-5)
    }

    func testBlendEndpointsEqualTheModels() throws {
        let a = try model("rrdbnet_x4_basicsr")
        var sd = a.detected.stateDict
        for k in sd.keys { sd[k]!.values = sd[k]!.values.map { $0 * 0.9 + 0.001 } }
        let b = try LoadedModel(stateDict: sd, name: "b")
        let img = image(width: 12, height: 10)
        let pair = try ModelBlender(psnr: a, gan: b)
        for (alpha, m) in [(Float(0), a), (Float(1), b)] {
            let blended = try Upscaler(.blend(pair, alpha: alpha)).upscale(img)
            let single = try Upscaler(.model(m)).upscale(img)
            XCTAssertLessThan(maxDiff(blended.pixels, single.pixels), 1e-5)
        }
        let mid = try Upscaler(.blend(pair, alpha: 0.5)).upscale(img)
        XCTAssertGreaterThan(maxDiff(mid.pixels, try Upscaler(.model(a)).upscale(img).pixels), 1e-4)
    }

    func testConcurrentCallsOnOneUpscalerAgree() throws {
        let up = try Upscaler(.model(try model("rrdbnet_x4_basicsr")),
                              options: UpscaleOptions(tileSize: 16, tileOverlap: 8, threads: 2))
        let img = image(width: 30, height: 26)
        let reference = try up.upscale(img)
        let results = Locked<[Image?]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            let r = try? up.upscale(img)
            results.withLock { $0.append(r) }
        }
        let values = results.withLock { $0 }
        XCTAssertEqual(values.count, 3)
        for r in values {
            XCTAssertLessThan(maxDiff(try XCTUnwrap(r).pixels, reference.pixels), 1e-6)
        }
    }

    func testCancellationBetweenTiles() throws {
        let m = try model("srvgg_x4")
        let token = CancellationToken()
        let up = try Upscaler(.model(m), options: UpscaleOptions(tileSize: 8, tileOverlap: 4, threads: 1))
        XCTAssertThrowsError(try up.upscale(image(width: 40, height: 40), progress: { f in
            if f > 0.2 { token.cancel() }
        }, cancel: token)) { XCTAssertTrue($0 is CancellationError, "\($0)") }
    }

    func testDefaultTileSizeFollowsMemory() throws {
        let net = try model("rrdbnet_x4_basicsr").network
        let small = UpscaleOptions.defaultTileSize(for: net, margin: 10, availableBytes: 64 << 20)
        let big = UpscaleOptions.defaultTileSize(for: net, margin: 10, availableBytes: 16 << 30)
        XCTAssertLessThan(small, big)
        XCTAssertGreaterThanOrEqual(small, 32)
        XCTAssertLessThanOrEqual(big, 1024)
    }
}
