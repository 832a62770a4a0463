import EnhanceCheckpoints
import EnhanceImaging
@testable import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// A blend of a network with whole-image statistics replays, at α other than 0, ½ and 1, the
/// quadratic through the blend's own first passes at those three α (``Upscaler/statistics(of:cancel:node:)``),
/// and every way of running it (one piece, tiles, a region) replays the same values.
/// The pair: the spandrel-made `realplksr_x4` fixture (GroupNorm) and a copy with every weight
/// scaled by a seeded factor in [0.2, 1.8].
final class BlendStatisticsTests: XCTestCase {
    private func pair() throws -> ModelBlender {
        let a = try LoadedModel(stateDict: Fixture.safetensors("realplksr_x4.weights.safetensors"), name: "psnr")
        let sd = a.detected.stateDict
        var b = StateDict()
        for (i, k) in sd.keys.enumerated() {
            let t = sd[k]!
            let u = randomTensor(channels: 1, height: 1, width: t.values.count, seed: 29 &+ UInt64(i)).data
            b[k] = WeightTensor(shape: t.shape, values: zip(t.values, u).map { $0 * (0.2 + 1.6 * $1) })
        }
        return try ModelBlender(psnr: a, gan: LoadedModel(stateDict: b, name: "gan"))
    }

    private func image(_ w: Int, _ h: Int) -> Image {
        Image(width: w, height: h, channelCount: 3,
              pixels: randomTensor(channels: 3, height: h, width: w, seed: 5).data)
    }

    private func options(tile: Int? = nil) -> UpscaleOptions {
        var o = UpscaleOptions(tileSize: tile, threads: 2)
        o.statisticsSide = 24
        return o
    }

    /// At α ¼ every recorded value is 3/8·s(0) + 3/4·s(½) − 1/8·s(1) (the quadratic's Lagrange
    /// weights at ¼), s(a) the blend's own first pass at a; at a node, its own pass.
    func testStatisticsAreTheQuadraticThroughTheNodes() throws {
        let p = try pair(), img = image(40, 30)
        func own(_ a: Float) throws -> WholeImageStatistics {
            try XCTUnwrap(try Upscaler(.blend(p, alpha: a), options: options()).firstPass(of: img)).rgb
        }
        let s0 = try own(0), sh = try own(0.5), s1 = try own(1)
        XCTAssertFalse(s0.layers.isEmpty)
        XCTAssertNotEqual(s0.layers, s1.layers)
        let q = try XCTUnwrap(try Upscaler(.blend(p, alpha: 0.25), options: options()).statistics(of: img)).rgb
        XCTAssertEqual(q.layers.count, s0.layers.count)
        for l in q.layers.indices {
            for i in q.layers[l].indices {
                let want = 0.375 * s0.layers[l][i] + 0.75 * sh.layers[l][i] - 0.125 * s1.layers[l][i]
                XCTAssertEqual(q.layers[l][i], want, accuracy: 1e-9 * max(1, abs(want)), "layer \(l) value \(i)")
            }
        }
        let node = try XCTUnwrap(try Upscaler(.blend(p, alpha: 0.5), options: options()).statistics(of: img)).rgb
        XCTAssertEqual(node.layers, sh.layers)
    }

    /// The blend at α 0.3 of an image no larger than the statistics side: one piece, 12 px tiles and
    /// a region all replay the interpolated statistics (one piece does not take its own).
    func testEveryRunReplaysTheSameStatistics() throws {
        let p = try pair(), img = image(20, 18)
        var o = options()
        o.statisticsSide = 64
        let whole = try Upscaler(.blend(p, alpha: 0.3), options: o).upscale(img)
        var tiled = o
        tiled.tileSize = 12
        let tiles = try Upscaler(.blend(p, alpha: 0.3), options: tiled).upscale(img)
        XCTAssertLessThanOrEqual(maxDifference(whole.pixels, tiles.pixels), 1e-5)
        let region = try Upscaler(.blend(p, alpha: 0.3), options: o)
            .upscaleRegion(img, x: 4, y: 3, width: 9, height: 7, progress: nil, cancel: nil)
        var worst: Float = 0
        for c in 0..<3 { for y in 0..<28 { for x in 0..<36 {
            worst = max(worst, abs(region[c, y, x] - whole[c, 12 + y, 16 + x]))
        } } }
        XCTAssertLessThanOrEqual(worst, 1e-5)
        // Its own statistics (the pass a single model would take) give another image.
        let net = try p.network(alpha: 0.3)
        let x = ImageTensor.window(img, channels: [0, 1, 2], x0: 0, y0: 0, x1: 20, y1: 18, multiple: net.windowMultiple)
        let own = try net.forward(x, pool: ThreadPool(threads: 2), cancel: nil)
        XCTAssertGreaterThan(maxDifference(own.data.map { min(max($0, 0), 1) }, whole.pixels), 1e-4)
    }

    private func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}
