import EnhanceCheckpoints
import EnhanceImaging
@testable import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// Local measurement (not CI; minutes per pair on real-size models): how far a blend at α whose
/// whole-image statistics are interpolated from first passes at other α (``ImageStatistics/combined(_:)``:
/// the ends linearly, or 0, ½ and 1 piecewise linearly or by the quadratic the upscaler uses) is
/// from the blend's own first pass at α. Images are cropped to 96 px, so the own pass is the exact
/// untiled result. The README's figures come from it:
///
///     ENHANCE_ALPHA_STATS_PAIRS=/tmp/a.safetensors:/tmp/b.safetensors ENHANCE_SET14_DIR=…/Set14 \
///         swift test --skip-build --filter AlphaStatisticsMeasurementTests
final class AlphaStatisticsMeasurementTests: XCTestCase {
    private let env = ProcessInfo.processInfo.environment

    func testMeasureInterpolatedStatistics() throws {
        guard let pairs = env["ENHANCE_ALPHA_STATS_PAIRS"], let set14 = env["ENHANCE_SET14_DIR"] else {
            throw XCTSkip("set ENHANCE_ALPHA_STATS_PAIRS (a:b,…) and ENHANCE_SET14_DIR to measure")
        }
        let images = (env["ENHANCE_ALPHA_STATS_IMAGES"] ?? "comic,face").split(separator: ",").map(String.init)
        let pool = ThreadPool(threads: 2)
        for pair in pairs.split(separator: ",") {
            let ends = pair.split(separator: ":").map(String.init)
            let a = try ModelLoader.load(path: ends[0]), b = try ModelLoader.load(path: ends[1])
            let blender = try ModelBlender(psnr: a, gan: b)
            for file in images {
                let full = try ImageFile.read(path: "\(set14)/\(file).png")
                let img = full.cropped(x: 0, y: 0, width: min(full.width, 96), height: min(full.height, 96))
                func stats(_ alpha: Float) throws -> ImageStatistics {
                    var m = a
                    m.detected.network = try blender.network(alpha: alpha)
                    return try XCTUnwrap(try Upscaler(.model(m), options: UpscaleOptions(threads: 2))
                        .statistics(of: img))
                }
                let s0 = try stats(0), s1 = try stats(1), sh = try stats(0.5)
                for alpha: Float in [0.25, 0.5, 0.75] {
                    let net = try blender.network(alpha: alpha), k = net.scale
                    let x = ImageTensor.window(img, channels: [0, 1, 2], x0: 0, y0: 0, x1: img.width,
                                               y1: img.height, multiple: net.windowMultiple)
                    let exact = try net.forward(x, pool: pool, cancel: nil)
                    let t = Double(alpha)
                    let near = t < 0.5 ? s0 : s1, u = t < 0.5 ? 2 * t : 2 * t - 1
                    let ways: [(String, [(weight: Double, statistics: ImageStatistics)])] = [
                        ("ends, linear", [(1 - t, s0), (t, s1)]),
                        ("0 ½ 1, piecewise linear", t < 0.5 ? [(1 - u, near), (u, sh)] : [(1 - u, sh), (u, near)]),
                        ("0 ½ 1, quadratic", [(2 * (t - 0.5) * (t - 1), s0), (-4 * t * (t - 1), sh),
                                              (2 * t * (t - 0.5), s1)]),
                    ]
                    for (what, terms) in ways {
                        let st = try ImageStatistics.combined(terms)
                        let y = try net.forward(x, pool: pool, cancel: nil,
                                                options: ForwardOptions(statistics: .replay(st.rgb)))
                        let d = levelDifference(y, exact, height: img.height * k, width: img.width * k)
                        print(String(format: "%@ %@ %dx%d α %.2f: %@: max %d/255, mean %.3f/255",
                                     (ends[1] as NSString).lastPathComponent, file, img.width, img.height, alpha,
                                     what, d.max, d.mean))
                    }
                }
            }
        }
    }
}
