import EnhanceCheckpoints
import EnhanceImaging
@testable import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// Local measurement (not CI; minutes per image on real-size models): how far tiled upscales are
/// from the untiled pass with the image's own statistics, (a) replaying a first pass on the image
/// reduced to each `ENHANCE_STATS_SIDES` side, untiled and in `ENHANCE_STATS_TILE` px tiles with
/// the default margin, and (b) with each tile's own statistics, as before. The figures in README
/// come from it:
///
///     ENHANCE_REAL_SIZE_DIR=/tmp/enhance-real-size ENHANCE_SET14_DIR=…/benchmarks/Set14 \
///         swift test --skip-build --filter FirstPassMeasurementTests
///
/// (`ENHANCE_STATS_MODELS`, `ENHANCE_STATS_IMAGES`, `ENHANCE_STATS_SIDES`, `ENHANCE_STATS_TILE`
/// and `ENHANCE_STATS_TILED_SIDES`, the sides also run in tiles, choose what runs; a side no
/// smaller than the image makes the first pass the image itself: tiles then differ from the
/// untiled pass only by the margin.)
final class FirstPassMeasurementTests: XCTestCase {
    private let env = ProcessInfo.processInfo.environment

    private func list(_ key: String, _ fallback: String) -> [String] {
        (env[key] ?? fallback).split(separator: ",").map(String.init)
    }

    func testMeasureFirstPassAgainstUntiled() throws {
        guard let dir = env["ENHANCE_REAL_SIZE_DIR"], let set14 = env["ENHANCE_SET14_DIR"] else {
            throw XCTSkip("set ENHANCE_REAL_SIZE_DIR and ENHANCE_SET14_DIR to measure")
        }
        let sides = list("ENHANCE_STATS_SIDES", "64,128,256").compactMap { Int($0) }
        let tile = Int(env["ENHANCE_STATS_TILE"] ?? "") ?? 128
        let tiledSides = Set(list("ENHANCE_STATS_TILED_SIDES", "128").compactMap { Int($0) })
        let pool = ThreadPool(threads: 2)
        for name in list("ENHANCE_STATS_MODELS", "realplksr_real,rcan_real,realcugan_x2_real") {
            let m = try ModelLoader.load(path: "\(dir)/\(name).pth"), net = m.network
            let margin = UpscaleOptions().margin(for: net)
            for file in list("ENHANCE_STATS_IMAGES", "comic,face,foreman") {
                let img = try ImageFile.read(path: "\(set14)/\(file).png")
                let (w, h, s) = (img.width, img.height, net.scale)
                let x = ImageTensor.window(img, channels: [0, 1, 2], x0: 0, y0: 0, x1: w, y1: h,
                                           multiple: net.windowMultiple)
                var start = Date()
                let exact = try net.forward(x, pool: pool, cancel: nil)
                let whole = Date().timeIntervalSince(start)
                func report(_ what: String, _ y: Tensor) {
                    let d = levelDifference(y, exact, height: h * s, width: w * s)
                    print(String(format: "%@ %@ %dx%d: %@: max %d/255, mean %.3f/255", name, file, w, h, what,
                                 d.max, d.mean))
                }
                print(String(format: "%@ %@ %dx%d: untiled pass %.1f s", name, file, w, h, whole))
                report("own statistics per tile (\(tile) px, margin \(margin))",
                       try Tiler.run(net, x, tileSize: tile, margin: margin, pool: pool))
                for side in sides {
                    var o = UpscaleOptions(threads: 2)
                    o.statisticsSide = side
                    start = Date()
                    let stats = try XCTUnwrap(try Upscaler(.model(m), options: o).statistics(of: img))
                    let cost = Date().timeIntervalSince(start)
                    let replay = ForwardOptions(statistics: .replay(stats.rgb))
                    print(String(format: "%@ %@: first pass on %dx%d: %.2f s (%.1f %% of the untiled pass)", name,
                                 file, stats.rgb.width, stats.rgb.height, cost, 100 * cost / whole))
                    report("first pass of side \(side), untiled", try net.forward(x, pool: pool, cancel: nil,
                                                                                  options: replay))
                    if tiledSides.contains(side) {
                        report("first pass of side \(side), tiles of \(tile) px (margin \(margin))",
                               try Tiler.run(net, x, tileSize: tile, margin: margin, pool: pool, options: replay))
                    }
                }
            }
        }
    }
}
