import Foundation
import XCTest
import EnhanceImaging
import EnhanceNetworks
import EnhanceTUI
@testable import EnhanceTUIEngine

/// R = x/(w−1), G = y/(h−1), B a deterministic pattern, so bicubic has structure to get wrong.
func gradientNoise(_ w: Int, _ h: Int) -> Image {
    var px = [Float](repeating: 0, count: 3 * w * h)
    for y in 0..<h { for x in 0..<w {
        px[y * w + x] = Float(x) / Float(max(w - 1, 1))
        px[w * h + y * w + x] = Float(y) / Float(max(h - 1, 1))
        px[2 * w * h + y * w + x] = Float((x * 7 + y * 13) % 11) / 10
    } }
    return Image(width: w, height: h, channelCount: 3, pixels: px)
}

final class EngineTests: XCTestCase {
    /// A region upscale must equal the same pixels of the whole-image bicubic upscale
    /// (imaging's `Resample.bicubic`, itself checked against Pillow in EnhanceImagingTests).
    func testBicubicEngineRegionMatchesWholeImage() throws {
        let img = gradientNoise(23, 17)
        let full = Resample.bicubic(img, width: 92, height: 68)
        let engine = try UpscalerEngine(psnr: nil, gan: nil)
        for region in [PixelRect(x: 5, y: 4, width: 9, height: 7), PixelRect(x: 0, y: 0, width: 23, height: 17),
                       PixelRect(x: 20, y: 14, width: 3, height: 3)] {
            let out = try engine.upscale(img, region: region, method: .bicubic, alpha: 0,
                                         cancel: CancellationToken()) { _ in }
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

    func testMissingModelsFailWithOneLineErrors() throws {
        let e = try UpscalerEngine(psnr: nil, gan: nil)
        let img = gradientNoise(4, 4)
        for m in [Method.psnr, .gan, .blend] {
            XCTAssertThrowsError(try e.upscale(img, region: PixelRect(x: 0, y: 0, width: 4, height: 4), method: m,
                                               alpha: 0.3, cancel: CancellationToken()) { _ in }) { err in
                XCTAssertFalse("\(err)".contains("\n"))
            }
        }
    }

    /// The UI's exports record how they were made, in PNG text chunks and in JPEG's XMP packet.
    func testExportThroughBicubicEngineRecordsTheMethodInPNGAndJPEG() throws {
        let dir = NSTemporaryDirectory() + "enhance-engine-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for ext in ["png", "jpg"] {
            let finished = expectation(description: "export finished")
            let ex = EffectExecutor(engine: try UpscalerEngine(psnr: nil, gan: nil)) { m in
                if case .exportFinished = m { finished.fulfill() }
            }
            let path = dir + "/x." + ext
            ex.run(.export(image: gradientNoise(6, 5), key: MethodKey(.bicubic), path: path))
            wait(for: [finished], timeout: 30)
            let back = try ImageFile.read(path: path)
            XCTAssertEqual(back.width, 24)
            XCTAssertEqual(back.height, 20)
            XCTAssertEqual(back.text["enhance:method"], "bicubic", ext)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["x.jpg", "x.png"])
    }

    func testCatalogPairsByNameAndOffersTheRestAsSingles() throws {
        let dir = NSTemporaryDirectory() + "enhance-pairs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for f in ["a-psnr.safetensors", "a-gan.safetensors", "b-psnr.pth", "c.param", "notes.txt"] {
            _ = FileManager.default.createFile(atPath: dir + "/" + f, contents: Data())
        }
        let got = PairCatalog.list(folders: [dir, dir + "/"])  // the same folder twice is listed once
        XCTAssertEqual(got, [
            PairChoice(name: "a", psnr: dir + "/a-psnr.safetensors", gan: dir + "/a-gan.safetensors"),
            PairChoice(name: "b-psnr.pth", psnr: dir + "/b-psnr.pth", gan: dir + "/b-psnr.pth"),
            PairChoice(name: "c.param", psnr: dir + "/c.param", gan: dir + "/c.param"),
        ])
        XCTAssertEqual(PairCatalog.userFolder(environment: ["HOME": "/h"]), "/h/.local/share/enhance/models")
        XCTAssertEqual(PairCatalog.userFolder(environment: ["HOME": "/h", "ENHANCE_MODELS": "/m"]), "/m")
    }
}

final class PairSwitchTests: XCTestCase {
    let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Models").path

    func testSwitchingSwapsTheModelsAndARefusedPairKeepsTheOld() throws {
        let psnr = models + "/enhance-x4-psnr.safetensors", gan = models + "/enhance-x4-gan.safetensors"
        guard FileManager.default.fileExists(atPath: psnr), FileManager.default.fileExists(atPath: gan) else {
            throw XCTSkip("the bundled pair is not in Models/")
        }
        let e = try UpscalerEngine(psnr: nil, gan: nil, modelFolders: [models])
        XCTAssertTrue(e.pairs().contains(PairChoice(name: "enhance-x4", psnr: psnr, gan: gan)))
        // Swapped ends: a compatible pair (same architecture and keys).
        try e.switchPair(PairChoice(name: "swapped", psnr: gan, gan: psnr))
        XCTAssertEqual(e.modelNames.psnr, "enhance-x4-gan.safetensors")
        XCTAssertEqual(e.modelNames.gan, "enhance-x4-psnr.safetensors")
        let img = gradientNoise(6, 5)
        let out = try e.upscale(img, region: PixelRect(x: 1, y: 1, width: 3, height: 2), method: .blend, alpha: 0.3,
                                cancel: CancellationToken()) { _ in }
        XCTAssertEqual(out.width, 12)
        // A pair with a missing checkpoint is refused and the swapped pair stays.
        XCTAssertThrowsError(try e.switchPair(PairChoice(name: "gone", psnr: models + "/none.pth", gan: gan)))
        XCTAssertEqual(e.modelNames.psnr, "enhance-x4-gan.safetensors")
        // So is a pair of two architectures (../shared's SRGAN generator with the bundled PSNR net).
        let srgan = models + "/../../shared/weights/srgan-leftthomas/netG_epoch_4_100.pth"
        if FileManager.default.fileExists(atPath: srgan) {
            XCTAssertThrowsError(try e.switchPair(PairChoice(name: "mixed", psnr: psnr, gan: srgan))) { err in
                XCTAssertTrue("\(err)".contains("cannot blend"), "\(err)")
            }
            XCTAssertEqual(e.modelNames.gan, "enhance-x4-psnr.safetensors")
        }
    }

    func testOneNetworkIsKeptAtATimeAndTheEndsRunAsBlends() throws {
        let psnr = models + "/enhance-x4-psnr.safetensors", gan = models + "/enhance-x4-gan.safetensors"
        guard FileManager.default.fileExists(atPath: psnr), FileManager.default.fileExists(atPath: gan) else {
            throw XCTSkip("the bundled pair is not in Models/")
        }
        let e = try UpscalerEngine(psnr: nil, gan: nil)
        try e.switchPair(PairChoice(name: "bundled", psnr: psnr, gan: gan))
        weak var first: Upscaler?
        func use() throws {
            let u = try e.upscaler(for: .blend, alpha: 0.4)
            first = u
            XCTAssertTrue(try e.upscaler(for: .blend, alpha: 0.4) === u, "the same α reuses its network")
        }
        try use()
        XCTAssertNotNil(first)
        _ = try e.upscaler(for: .blend, alpha: 0.49)
        XCTAssertNil(first, "a new α frees the previous network (and its prepared kernels)")
        // The ends run as the blend at α 0 and 1: networks of their own, not the loaded models',
        // which therefore never make kernels; equal to the ends up to float rounding (the UI's
        // blends use the compact F(4×4) kernels where the loaded model uses F(6×6)).
        let end = try e.upscaler(for: .psnr, alpha: 0)
        let model = try XCTUnwrap(e.blender?.psnr)
        XCTAssertFalse((end.network! as AnyObject) === (model.network as AnyObject))
        let img = Image(width: 9, height: 7, channelCount: 3,
                        pixels: (0..<189).map { Float(($0 * 37) % 101) / 100 })
        let direct = try Upscaler(.model(model, role: .psnr)).upscale(img)
        let viaBlend = try end.upscale(img).pixels
        XCTAssertEqual(viaBlend.count, direct.pixels.count)
        XCTAssertLessThan(zip(viaBlend, direct.pixels).map { abs($0 - $1) }.max() ?? 1, 1e-3)
        XCTAssertEqual(end.metadata["enhance:psnr-model"], "enhance-x4-psnr.safetensors")
        // The views show the blend at α 0 and 1 for PSNR and GAN (MethodKey.samePicture): the engine
        // gives them pixel for pixel.
        let region = PixelRect(x: 1, y: 2, width: 6, height: 5)
        for (method, alpha) in [(Method.psnr, Float(0)), (.gan, 1)] {
            let own = try e.upscale(img, region: region, method: method, alpha: 0.5, cancel: CancellationToken()) { _ in }
            let blend = try e.upscale(img, region: region, method: .blend, alpha: alpha, cancel: CancellationToken()) { _ in }
            XCTAssertEqual(own.pixels, blend.pixels, "\(method)")
        }
    }
}
