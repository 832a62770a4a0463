import XCTest
@testable import EnhanceImaging

/// PSNR/SSIM on Y against scikit-image (scripts/imaging/make_metrics_fixtures.py), plus the
/// benchmark-protocol helpers.
final class MetricsTests: XCTestCase {
    struct Case: Decodable { let a: String; let b: String; let shave: Int; let grayscale: Bool; let psnr: Double; let ssim: Double }
    struct Manifest: Decodable { let cases: [Case] }

    func testMatchesScikitImage() throws {
        let cases = try Fixtures.json("metrics/manifest.json", as: Manifest.self).cases
        XCTAssertEqual(cases.count, 4)
        for c in cases {
            let a = try ImageFile.read(path: Fixtures.path("metrics/\(c.a)"))
            let b = try ImageFile.read(path: Fixtures.path("metrics/\(c.b)"))
            let label = "\(c.a) shave \(c.shave)"
            XCTAssertEqual(Metrics.psnrY(a, b, shave: c.shave, grayscale: c.grayscale), c.psnr, accuracy: 1e-6, label)
            XCTAssertEqual(Metrics.ssimY(a, b, shave: c.shave, grayscale: c.grayscale), c.ssim, accuracy: 1e-6, label)
        }
    }

    func testIdenticalImages() throws {
        let a = try ImageFile.read(path: Fixtures.path("metrics/hr.png"))
        XCTAssertEqual(Metrics.psnrY(a, a, shave: 4), .infinity)
        XCTAssertEqual(Metrics.ssimY(a, a, shave: 4), 1, accuracy: 1e-12)
    }

    func testLumaRange() {
        let white = Image(width: 2, height: 1, channelCount: 3, pixels: [1, 0, 1, 0, 1, 0])
        let y = Metrics.lumaY(white).values
        XCTAssertEqual(y[0], 235, accuracy: 1e-9)
        XCTAssertEqual(y[1], 16, accuracy: 1e-9)
    }

    func testModcropAndQuantize() {
        let image = Image(width: 10, height: 7, channelCount: 3,
                          pixels: (0..<210).map { Float($0) / 209 * 1.2 - 0.1 })
        let cropped = image.modcropped(to: 4)
        XCTAssertEqual([cropped.width, cropped.height], [8, 4])
        XCTAssertEqual(cropped[1, 3, 7], image[1, 3, 7])
        let q = image.quantized(bits: 8)
        XCTAssertEqual(q.bitDepth, 8)
        for v in q.pixels {
            XCTAssertTrue((0...1).contains(v))
            XCTAssertEqual(v * 255, (v * 255).rounded(), accuracy: 1e-4)
        }
    }

    func testEvaluateRunsProtocolShapes() {
        // The upscaler must receive the modcropped HR (28x20) / 4 as RGB; it answers with bicubic.
        let hr = Image(width: 30, height: 21, channelCount: 4,
                       pixels: (0..<(4 * 30 * 21)).map { Float(($0 * 37) % 256) / 255 })
        var seen: (Int, Int, Int)? = nil
        let r = SRBenchmark.evaluate(hr: hr, scale: 4) { lr in
            seen = (lr.width, lr.height, lr.channelCount)
            return Resample.matlabBicubic(lr, scale: 4)
        }
        XCTAssertEqual(seen?.0, 7)
        XCTAssertEqual(seen?.1, 5)
        XCTAssertEqual(seen?.2, 3)
        XCTAssertTrue(r.psnr.isFinite && r.psnr > 0)
        XCTAssertTrue(r.ssim > -1 && r.ssim < 1)
    }
}

final class DetailMetricTests: XCTestCase {
    /// Vertical stripes alternating 0/1 in R=G=B: Y alternates 16/235, so every horizontal step
    /// has energy 219², every vertical step 0.
    func testGradientEnergyOfStripesByHand() {
        var img = Image(width: 6, height: 4)
        for c in 0..<3 { for y in 0..<4 { for x in 0..<6 { img[c, y, x] = Float(x % 2) } } }
        XCTAssertEqual(Metrics.gradientEnergyY(img, shave: 0), 219.0 * 219.0, accuracy: 1e-6)
        XCTAssertEqual(Metrics.gradientEnergyY(Image(width: 6, height: 4), shave: 0), 0)
    }

    func testBicubicHasLessDetailThanGroundTruth() {
        var hr = Image(width: 32, height: 32)
        for c in 0..<3 { for y in 0..<32 { for x in 0..<32 {
            hr[c, y, x] = Float((x * 37 + y * 91 + c * 13) % 29) / 28
        } } }
        let r = SRBenchmark.evaluate(hr: hr, scale: 4, upscale: { Resample.matlabBicubic($0, scale: 4) })
        XCTAssertGreaterThan(r.detail, 0)
        XCTAssertLessThan(r.detail, 0.5, "bicubic of a noisy texture keeps far less gradient energy")
    }
}
