import Foundation
import XCTest
import EnhanceImaging
@testable import EnhanceTUI

/// Frame-cost benchmark, skipped unless `ENHANCE_BENCH=1`: prints medians, asserts nothing.
/// Run: `ENHANCE_BENCH=1 swift test --filter ViewBenchmark`.
final class ViewBenchmark: XCTestCase {
    func testFrameCost() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["ENHANCE_BENCH"] == "1", "set ENHANCE_BENCH=1 to run")
        let img = gradientNoise(512, 512)
        var s = AppState(columns: 200, rows: 60, directory: "/tmp")
        s.screen = .preview
        var p = PreviewState(path: "/tmp/x.png", image: img, scale: 4)
        let big = Resample.bicubic(img, width: 2048, height: 2048)
        let region = PixelRect(x: 0, y: 0, width: 512, height: 512)
        p.cache.insert(MethodKey(.blend, alpha: 0), Tile(region: region, image: big))  // ladder ends: ≈ at α
        p.cache.insert(MethodKey(.blend, alpha: 1), Tile(region: region, image: big))
        s.preview = p
        func median(_ f: () -> Void) -> Double {
            var t = [Double]()
            for _ in 0..<7 { let t0 = Date(); f(); t.append(Date().timeIntervalSince(t0) * 1000) }
            return t.sorted()[3]
        }
        for zoom in [Zoom.fit, .factor(1)] {
            s.preview!.zoom = zoom
            var a: Float = 0
            let cache = RenderCache()
            let fresh = median { a += 0.01; s.preview!.alpha = a; _ = view(s, cache: cache) }
            let cached = median { _ = view(s, cache: cache) }
            print("view 200×60 \(zoom.title), 2048² ≈ ladder preview: new α \(fresh) ms, unchanged \(cached) ms"
                  + " (median of 7)")
        }
        let end = p.cache.tiles(MethodKey(.blend, alpha: 0))[0]
        let ms = median { _ = consistency(tiles: [end], view: end.region, input: img, scale: 4, key: MethodKey(.psnr)) }
        print("consistency 512² → \(ms) ms")
    }
}
