import EnhanceCheckpoints
import EnhanceImaging
import EnhanceNetworks
import EnhanceTUI
@testable import EnhanceTUIEngine
import Foundation
import XCTest

/// A network with whole-map statistics (channel attention's means: a small RCAN from the networks'
/// test fixtures, spandrel-made weights) gets one first pass per image and method/α, which views,
/// refinements and the export all replay: so a view shows what the export writes.
final class EngineStatisticsTests: XCTestCase {
    private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("EnhanceNetworksTests/Fixtures").path

    /// Views (in one piece, context of the export margin) and refinements of a 40×30 image equal
    /// the same pixels of the exported 8-bit PNG within 1/255, the export running in 12 px tiles
    /// and the first pass on a 16 px copy of the image.
    func testViewsAndRefinementsEqualTheExport() throws {
        let m = try ModelLoader.load(path: fixtures + "/rcan_x4.weights.safetensors")
        XCTAssertTrue(m.network.hasWholeImageStatistics)
        var options = UpscaleOptions(tileSize: 12, threads: 2)
        options.statisticsSide = 16
        let engine = try UpscalerEngine(psnr: m, gan: nil, options: options, interactiveContext: nil)
        let img = gradientNoise(40, 30)
        let dir = NSTemporaryDirectory() + "enhance-stats-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try engine.export(img, method: .psnr, alpha: 0, to: dir + "/out.png", cancel: CancellationToken()) { _ in }
        let exported = try ImageFile.read(path: dir + "/out.png")
        XCTAssertEqual([exported.width, exported.height, exported.bitDepth], [160, 120, 8])
        func level(_ v: Float) -> Int { Int((min(1, max(0, v)) * 255).rounded()) }
        func worst(_ part: Image, at region: PixelRect) -> Int {
            var d = 0
            for c in 0..<3 { for y in 0..<part.height { for x in 0..<part.width {
                d = max(d, abs(level(part[c, y, x]) - level(exported[c, region.y * 4 + y, region.x * 4 + x])))
            } } }
            return d
        }
        for region in [PixelRect(x: 3, y: 5, width: 17, height: 11), PixelRect(x: 25, y: 18, width: 15, height: 12),
                       PixelRect(x: 0, y: 0, width: 40, height: 30)] {
            let view = try engine.upscale(img, region: region, method: .psnr, alpha: 0,
                                          cancel: CancellationToken()) { _ in }
            XCTAssertLessThanOrEqual(worst(view, at: region), 1, "view \(region)")
            let tile = try engine.refine(img, region: region, method: .psnr, alpha: 0,
                                         cancel: CancellationToken()) { _ in }
            XCTAssertLessThanOrEqual(worst(tile.image, at: tile.region), 1, "refinement of \(region)")
        }
    }

    /// A blend at α 0.3 (statistics interpolated from the passes at 0, ½ and 1, which the engine
    /// also starts making in the background) shows in views and refinements what its export writes:
    /// the spandrel-made `realplksr_x4` (GroupNorm) and a copy with weights scaled by [0.2, 1.8].
    func testBlendViewsEqualTheExport() throws {
        let a = try ModelLoader.load(path: fixtures + "/realplksr_x4.weights.safetensors")
        let sd = a.detected.stateDict
        var sdB = StateDict()
        for (i, k) in sd.keys.enumerated() {
            let t = sd[k]!
            sdB[k] = WeightTensor(shape: t.shape, values: t.values.enumerated().map { j, v in
                v * (0.2 + 1.6 * Float((j &* 7919 &+ i &* 104_729) % 1000) / 1000)
            })
        }
        let b = try LoadedModel(stateDict: sdB, name: "gan")
        var options = UpscaleOptions(tileSize: 12, threads: 2)
        options.statisticsSide = 16
        let engine = try UpscalerEngine(psnr: a, gan: b, options: options, interactiveContext: nil)
        let img = gradientNoise(40, 30)
        let out = NSTemporaryDirectory() + "enhance-blend-stats-\(UUID().uuidString).png"
        defer { try? FileManager.default.removeItem(atPath: out) }
        try engine.export(img, method: .blend, alpha: 0.3, to: out, cancel: CancellationToken()) { _ in }
        let exported = try ImageFile.read(path: out)
        func level(_ v: Float) -> Int { Int((min(1, max(0, v)) * 255).rounded()) }
        for region in [PixelRect(x: 3, y: 5, width: 17, height: 11), PixelRect(x: 0, y: 0, width: 40, height: 30)] {
            let view = try engine.upscale(img, region: region, method: .blend, alpha: 0.3,
                                          cancel: CancellationToken()) { _ in }
            var d = 0
            for c in 0..<3 { for y in 0..<view.height { for x in 0..<view.width {
                d = max(d, abs(level(view[c, y, x]) - level(exported[c, region.y * 4 + y, region.x * 4 + x])))
            } } }
            XCTAssertLessThanOrEqual(d, 1, "view \(region)")
        }
    }

    /// A view that needs a first pass reports ``statisticsPending`` before it runs (the TUI shows
    /// "statistics pass" rather than an ETA); once the image's pass is kept, a view does not.
    func testAViewReportsTheFirstPassItWaitsFor() throws {
        let m = try ModelLoader.load(path: fixtures + "/rcan_x4.weights.safetensors")
        let engine = try UpscalerEngine(psnr: m, gan: nil, options: UpscaleOptions(threads: 2))
        let img = gradientNoise(20, 14)
        for view in 0..<2 {
            let log = ProgressLog()
            _ = try engine.upscale(img, region: PixelRect(x: 2, y: 3, width: 9, height: 7), method: .psnr, alpha: 0,
                                   cancel: CancellationToken()) { log.append($0) }
            let values = log.values
            XCTAssertEqual(values.filter { $0 < 0 }, view == 0 ? [statisticsPending] : [], "view \(view): \(values)")
            if view == 0 { XCTAssertEqual(values.first, statisticsPending) }
            XCTAssertTrue(values.allSatisfy { $0 == statisticsPending || (0...1).contains($0) }, "\(values)")
            XCTAssertEqual(values.last, 1, "view \(view)")
        }
    }

    /// The first pass is made once per image and α: the same image (or equal pixels) gets the same
    /// record, another image a new one; bicubic none.
    func testOneFirstPassPerImage() throws {
        let m = try ModelLoader.load(path: fixtures + "/rcan_x4.weights.safetensors")
        let engine = try UpscalerEngine(psnr: m, gan: nil, options: UpscaleOptions(threads: 2))
        let u = try engine.upscaler(for: .psnr, alpha: 0)
        let img = gradientNoise(20, 14)
        let copy = Image(width: 20, height: 14, channelCount: 3, pixels: img.pixels.map { $0 })
        func stats(_ u: Upscaler, _ image: Image) throws -> ImageStatistics? {
            try engine.statistics(u, image, method: .psnr, alpha: 0, cancel: CancellationToken())
        }
        let first = try XCTUnwrap(try stats(u, img))
        XCTAssertTrue(try stats(u, img)?.rgb === first.rgb)
        XCTAssertTrue(try stats(u, copy)?.rgb === first.rgb)
        let other = try stats(u, gradientNoise(14, 20))
        XCTAssertFalse(other?.rgb === first.rgb)
        XCTAssertNil(try stats(try engine.upscaler(for: .bicubic, alpha: 0), img))
    }
}

/// Progress values a job reported, in order.
private final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var reported: [Double] = []
    func append(_ f: Double) { lock.lock(); reported.append(f); lock.unlock() }
    var values: [Double] { lock.lock(); defer { lock.unlock() }; return reported }
}
