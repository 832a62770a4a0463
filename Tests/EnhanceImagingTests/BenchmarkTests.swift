import XCTest
@testable import EnhanceImaging

/// Bicubic ×4 on Set5/Set14 must reproduce the published SR-paper baselines (Y channel, shave 4).
final class BenchmarkTests: XCTestCase {
    static let sharedDir: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared")

    func meanBicubic(set name: String) throws -> (psnr: Double, ssim: Double, count: Int) {
        let dir = Self.sharedDir.appendingPathComponent("data/benchmarks/\(name)")
        guard FileManager.default.fileExists(atPath: dir.path) else {
            throw XCTSkip("../shared/data/benchmarks/\(name) is absent; benchmark check skipped")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".png") }.sorted()
        var psnr = 0.0, ssim = 0.0
        for file in files {
            let path = dir.appendingPathComponent(file).path
            let hr = try ImageFile.read(path: path)
            let gray = try ImageFile.info(path: path).isGrayscale
            let r = SRBenchmark.evaluate(hr: hr, scale: 4, grayscale: gray,
                                         upscale: { Resample.matlabBicubic($0, scale: 4) })
            print("\(name)/\(file): PSNR \(String(format: "%.3f", r.psnr)) SSIM \(String(format: "%.4f", r.ssim))")
            psnr += r.psnr
            ssim += r.ssim
        }
        let n = Double(files.count)
        print("\(name) bicubic x4 mean: PSNR \(String(format: "%.3f", psnr / n)) dB, SSIM \(String(format: "%.4f", ssim / n))")
        return (psnr / n, ssim / n, files.count)
    }

    func testSet5BicubicX4MatchesPublished() throws {
        let r = try meanBicubic(set: "Set5")
        XCTAssertEqual(r.count, 5)
        XCTAssertEqual(r.psnr, 28.42, accuracy: 0.05)
        XCTAssertEqual(r.ssim, 0.8104, accuracy: 0.005)
    }

    func testSet14BicubicX4MatchesPublished() throws {
        let r = try meanBicubic(set: "Set14")
        XCTAssertEqual(r.count, 14)
        XCTAssertEqual(r.psnr, 26.00, accuracy: 0.05)
        XCTAssertEqual(r.ssim, 0.7027, accuracy: 0.005)
    }
}
