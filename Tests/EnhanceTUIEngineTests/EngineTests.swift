import Foundation
import XCTest
import EnhanceImaging
@testable import EnhanceTUI

final class EngineTests: XCTestCase {
    /// A region upscale must equal the same pixels of the whole-image bicubic upscale
    /// (imaging's `Resample.bicubic`, itself checked against Pillow in EnhanceImagingTests).
    func testBicubicEngineRegionMatchesWholeImage() throws {
        let img = gradientNoise(23, 17)
        let full = Resample.bicubic(img, width: 92, height: 68)
        for engine in [try! UpscalerEngine(psnr: nil, gan: nil)] {
            for region in [PixelRect(x: 5, y: 4, width: 9, height: 7), PixelRect(x: 0, y: 0, width: 23, height: 17),
                           PixelRect(x: 20, y: 14, width: 3, height: 3)] {
                let out = try engine.upscale(img, region: region, method: .bicubic, cancel: CancelFlag()) { _ in }
                XCTAssertEqual(out.width, region.width * 4)
                XCTAssertEqual(out.height, region.height * 4)
                var maxErr: Float = 0
                for c in 0..<3 { for y in 0..<out.height { for x in 0..<out.width {
                    let ref = min(max(full[c, region.y * 4 + y, region.x * 4 + x], 0), 1)
                    maxErr = max(maxErr, abs(min(max(out[c, y, x], 0), 1) - ref))
                } } }
                XCTAssertEqual(maxErr, 0, "\(region): a region is that part of the whole-image upscale, exactly")
            }
        }
    }

    func testMissingModelsFailWithOneLineErrors() {
        let e = try! UpscalerEngine(psnr: nil, gan: nil)
        let img = gradientNoise(4, 4)
        for m in [PreviewMethod.psnr, .gan, .blend(alpha: 0.3)] {
            XCTAssertThrowsError(try e.upscale(img, region: PixelRect(x: 0, y: 0, width: 4, height: 4), method: m,
                                               cancel: CancelFlag()) { _ in }) { err in
                XCTAssertFalse("\(err)".contains("\n"))
            }
        }
    }

    func testExportThroughBicubicEngineWritesPNGTextChunks() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let queue = MessageQueue()
        let ex = EffectExecutor(engine: try! UpscalerEngine(psnr: nil, gan: nil), post: queue.post)
        let path = dir + "/x.png"
        ex.run(.export(image: gradientNoise(6, 5), method: .bicubic, path: path))
        let start = Date()
        var done = false
        while !done && Date().timeIntervalSince(start) < 10 {
            done = queue.drain().contains { if case .exportFinished = $0 { return true } else { return false } }
            usleep(5000)
        }
        XCTAssertTrue(done)
        let back = try ImageFile.read(path: path)
        XCTAssertEqual(back.width, 24)
        XCTAssertEqual(back.height, 20)
        XCTAssertEqual(back.text["enhance:method"], "bicubic")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["x.png"])
    }
}

