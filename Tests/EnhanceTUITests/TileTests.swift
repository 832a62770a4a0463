import Foundation
import XCTest
import EnhanceImaging
@testable import EnhanceTUI

/// Smooth gradient plus a deterministic pattern, so bicubic has structure to get wrong.
func gradientNoise(_ w: Int, _ h: Int) -> Image {
    var img = gradient(w, h)
    for y in 0..<h { for x in 0..<w { img[2, y, x] = Float((x * 7 + y * 13) % 11) / 10 } }
    return img
}

final class ConsistencyTests: XCTestCase {
    func testConsistencyByHand() {
        // Input 1×1 grey 0.5; result 4×4 with 8 samples 0.4 and 8 samples 0.8 per channel →
        // box mean 0.6, |0.6 − 0.5| = 0.1, MSE 0.01 → PSNR 10·log10(1/0.01) = 20 dB.
        let input = flat(1, 1, (0.5, 0.5, 0.5))
        var px = [Float]()
        for _ in 0..<3 { px += [Float](repeating: 0.4, count: 8) + [Float](repeating: 0.8, count: 8) }
        let tile = Tile(region: PixelRect(x: 0, y: 0, width: 1, height: 1),
                        image: Image(width: 4, height: 4, channelCount: 3, pixels: px))
        let c = consistency(tiles: [tile], view: tile.region, input: input, scale: 4, key: MethodKey(.gan))
        XCTAssertEqual(c.psnr, 20, accuracy: 1e-3)
        XCTAssertEqual(c.diff.pixels[0], 0.1, accuracy: 1e-6)
    }
}

final class ReducedTileTests: XCTestCase {
    func testTilesAreBoxReducedOnlyBelowFullDensity() {
        let big = Tile(region: PixelRect(x: 0, y: 0, width: 750, height: 750), image: flat(3000, 3000, (0.25, 0.5, 1)))
        let r = reduced(big, density: 0.1)
        XCTAssertEqual(r.image.width, 300)
        XCTAssertEqual(r.image.height, 300)
        XCTAssertEqual(r.image[0, 7, 9], 0.25, accuracy: 1e-6)
        XCTAssertEqual(r.image[2, 299, 299], 1, accuracy: 1e-6)
        XCTAssertEqual(r.density(scale: 4), 0.1, accuracy: 1e-9)
        XCTAssertEqual(reduced(big, density: 1).image.width, 3000)   // zoomed views keep full resolution
        let small = Tile(region: PixelRect(x: 0, y: 0, width: 10, height: 10), image: flat(40, 40, (0, 0, 0)))
        XCTAssertEqual(reduced(small, density: 0.1).image.width, 4)  // fit tiles are stored at screen density
    }

    func testFitAsksForScreenDensityInBackgroundTilesAndZoomNeedsFullResolution() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        writeFakeImage(dir + "/big.dat", 1000, 800)
        let h = Harness(directory: dir, columns: 40, rows: 8)
        h.keys(.enter)
        // Fit: 4000×3200 output in 40×6 cells → scale min(40/4000, 12/3200) = 0.00375, source
        // 10666.7 px wide over 80 sextant columns (0.0075/px), 3200 px over 18 rows (0.005625/px).
        // Bicubic is one region; the blend comes in ⌈1000/128⌉·⌈800/128⌉ = 8·7 = 56 tiles.
        var regions: [MethodKey: [PixelRect]] = [:]
        for case let .infer(_, _, key, region, d, priority) in h.effects {
            XCTAssertEqual(d, 0.0075, accuracy: 1e-9)
            XCTAssertEqual(priority, .visible)
            regions[key, default: []].append(region)
        }
        XCTAssertEqual(regions[MethodKey(.bicubic)], [PixelRect(x: 0, y: 0, width: 1000, height: 800)])
        let tiles = regions[MethodKey(.blend, alpha: 0.5)] ?? []
        XCTAssertEqual(tiles.count, 56)
        XCTAssertEqual(tiles.reduce(0) { $0 + $1.area }, 1000 * 800)  // they tile the image
        // The centre tile first: x 384…511 holds 500, y 384…511 holds 400.
        XCTAssertEqual(tiles.first, PixelRect(x: 384, y: 384, width: 128, height: 128))
        XCTAssertEqual(viewProgress(h.state, h.state.preview!), "exact 0%", "no speed measured yet: no ETA")
        h.finishJobs(only: { $0.method == .bicubic })
        XCTAssertEqual(viewProgress(h.state, h.state.preview!), "exact 0%", "bicubic is not a network tile")
        var n = 0
        h.finishJobs(only: { _ in n += 1; return n <= 14 })  // 14 of the 56 tiles, 0.25 s each
        // The share of the image's area now exact; the ETA is the area left at the speed of the
        // largest finished job (a full 128² tile: 0.25 s / 16384 px).
        let done = tiles.prefix(14).reduce(0) { $0 + $1.area }
        let eta = formatSeconds(Double(1000 * 800 - done) * 0.25 / 16384)
        XCTAssertEqual(viewProgress(h.state, h.state.preview!), "exact \(done * 100 / (1000 * 800))% ETA \(eta)")
        // A job waiting for a first pass of whole-map statistics: no ETA (the speed does not cover it).
        let waiting = try XCTUnwrap(h.state.preview!.jobs.values.first { $0.key.method == .blend }).id
        h.send(.inferProgress(job: waiting, fraction: statisticsPending))
        XCTAssertEqual(viewProgress(h.state, h.state.preview!), "exact \(done * 100 / (1000 * 800))% · statistics pass")
        h.send(.inferProgress(job: waiting, fraction: 0))
        XCTAssertEqual(viewProgress(h.state, h.state.preview!), "exact \(done * 100 / (1000 * 800))% ETA \(eta)")
        h.finishJobs()
        XCTAssertNil(viewProgress(h.state, h.state.preview!))
        XCTAssertEqual(h.screen.text(row: 0).trimmingCharacters(in: .whitespaces), "blend α=0.50")
        // Reduced tiles satisfy fit but not 1:1.
        h.effects = []
        h.send(.resize(columns: 40, rows: 8))
        XCTAssertTrue(h.effects.isEmpty, "\(h.effects.count)")
        h.type("z")
        let zoomed = h.effects.compactMap { e -> Double? in
            if case let .infer(_, _, _, _, d, _) = e { return d } else { return nil }
        }
        XCTAssertEqual(zoomed, [1, 1])
    }
}
