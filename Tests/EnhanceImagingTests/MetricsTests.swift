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
