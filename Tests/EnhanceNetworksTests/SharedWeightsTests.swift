import EnhanceCheckpoints
import EnhanceImaging
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// Tests on the real checkpoints in `<repo>/../shared` (skipped when it is absent).
final class SharedWeightsTests: XCTestCase {
    private static let shared = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared")

    private func sharedPath(_ rel: String) throws -> String {
        let p = Self.shared.appendingPathComponent(rel).path
        guard FileManager.default.fileExists(atPath: p) else {
            throw XCTSkip("\(p) not found: ../shared (weights and benchmark data) is absent")
        }
        return p
    }

    func testRealESRGANncnnMatchesNCNNRuntime() throws {
        let param = try sharedPath("weights/realesrgan-x4plus-ncnn/realesrgan-x4plus.param")
        let model = try ModelLoader.load(path: param)
        let s = model.detected.modelDescription
        print(model.info.rows.map { "\($0.0): \($0.1)" }.joined(separator: " | "))
        XCTAssertEqual([s.scale, s.hyperParameter("blocks"), s.hyperParameter("num_feat"), s.hyperParameter("num_grow_ch")],
                       [4, 23, 64, 32])
        XCTAssertEqual(model.info.sha256, "713ee713b0353afaa27976f0563a64a5043bd70b9bd8936c2e26e25ebcdbcddf")
        XCTAssertEqual(model.info.parameterCount, 16_697_987)  // published RealESRGAN_x4plus size
        // Hand count: 1728 (first) + 69 RDBs × 9·(32·(64+96+128+160) + 64·192) + 36864 (body)
        // + 36864·4 (up1 at 2×) + 36864·16 ·2 (up2, hr at 4×) + 1728·16 (last at 4×).
        XCTAssertEqual(model.info.macsPerInputPixel, 17_926_848)

        let input = try ImageFile.read(path: try Fixture.url("ncnn_x4_input.png").path)
        let expected = try ImageFile.read(path: try Fixture.url("ncnn_x4_output.png").path)
        // Whole tail, then the channel-packed tail on strips of 3 rows (16 strips, each with halo).
        for rows: Int? in [nil, 4] {
            var options = UpscaleOptions(threads: 2)
            options.forward.tailStripRows = rows
            let t0 = Date()
            let out = try Upscaler(.model(model), options: options).upscale(input)
            let secs = Date().timeIntervalSince(t0)
            XCTAssertEqual([out.width, out.height], [expected.width, expected.height])
            var equal = 0, worst = 0
            for i in out.pixels.indices {
                let d = abs(Int((out.pixels[i] * 255).rounded()) - Int((expected.pixels[i] * 255).rounded()))
                if d == 0 { equal += 1 }
                worst = max(worst, d)
            }
            let frac = Double(equal) / Double(out.pixels.count)
            print(String(format: "ncnn oracle, tail strips %@: %.4f%% of 8-bit values equal, max diff %d/255, "
                         + "%.1f s for 48×48 ×4", rows.map(String.init) ?? "whole", frac * 100, worst, secs))
            XCTAssertGreaterThanOrEqual(frac, 0.999)
            XCTAssertLessThanOrEqual(worst, 2)
        }
    }

    func testSRGANLegacyPickleProducesSensibleImage() throws {
        let pth = try sharedPath("weights/srgan-leftthomas/netG_epoch_4_100.pth")
        let hrPath = try sharedPath("data/benchmarks/Set5/baby.png")
        let model = try ModelLoader.load(path: pth)
        XCTAssertEqual(model.detected.modelDescription.family, "SRGAN")
        print(model.info.rows.map { "\($0.0): \($0.1)" }.joined(separator: " | "))
        XCTAssertEqual(model.scale, 4)
        XCTAssertEqual(model.detected.modelDescription.hyperParameter("blocks"), 5)
        XCTAssertEqual(model.info.sha256, "f4c381640826a48d2440583e4920c6bb4041804f4e285c3c6d585f03961fe87c")
        let hrFull = try ImageFile.read(path: hrPath)
        // 256×256 HR crop → 64×64 LR input.
        let hr = crop(hrFull, x: 160, y: 128, size: 256)
        let lr = Resample.bicubic(hr, width: 64, height: 64)
        let out = try Upscaler(.model(model), options: UpscaleOptions(threads: 2)).upscale(lr)
        let bicubic = try Upscaler(.bicubic(scale: 4)).upscale(lr)
        let vsBicubic = Metrics.psnrY(out, bicubic, shave: 4)
        let vsHR = Metrics.psnrY(out, hr, shave: 4), bicubicVsHR = Metrics.psnrY(bicubic, hr, shave: 4)
        let mean = out.pixels.reduce(0, +) / Float(out.pixels.count)
        let variance = out.pixels.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(out.pixels.count)
        print(String(format: "SRGAN on Set5 baby crop: PSNR-Y vs bicubic %.2f dB, vs HR %.2f dB (bicubic vs HR %.2f dB), std %.3f",
                     vsBicubic, vsHR, bicubicVsHR, variance.squareRoot()))
        XCTAssertGreaterThan(vsBicubic, 24)
        XCTAssertGreaterThan(vsHR, 22)
        XCTAssertGreaterThan(variance.squareRoot(), 0.05)
    }

    private func crop(_ im: Image, x: Int, y: Int, size: Int) -> Image {
        var p: [Float] = []
        for c in 0..<3 { for r in y..<(y + size) {
            let s = c * im.planeSize + r * im.width + x
            p += im.pixels[s..<(s + size)]
        } }
        return Image(width: size, height: size, channelCount: 3, pixels: p)
    }
}
