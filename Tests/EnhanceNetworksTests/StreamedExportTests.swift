import EnhanceCheckpoints
import EnhanceImaging
import EnhanceNetworks
import Foundation
import XCTest

/// The streamed export (bands of rows → row encoder → temporary file → rename) must write exactly
/// the file that encoding the whole-image `Upscaler.upscale` result writes, for every method,
/// layout and band geometry.
final class StreamedExportTests: XCTestCase {
    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "streamed-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private func model(_ name: String) throws -> LoadedModel {
        try LoadedModel(stateDict: Fixture.safetensors(name + ".weights.safetensors"), name: name)
    }

    private func image(_ w: Int, _ h: Int, alpha: Bool = false, gray: Bool = false, bits: Int = 8) -> Image {
        let c = alpha ? 4 : 3
        var img = Image(width: w, height: h, channelCount: c,
                        pixels: randomTensor(channels: c, height: h, width: w, seed: UInt64(w * 31 + h)).data,
                        bitDepth: bits)
        if gray { for p in 1...2 { for i in 0..<img.planeSize { img.pixels[p * img.planeSize + i] = img.pixels[i] } } }
        img.isGrayscale = gray
        return img
    }

    /// Streams `img` through `upscaler` into a file and compares its decoded samples and header with
    /// the whole-image result written by `ImageFile.write`.
    private func assertStreamedEqualsWhole(_ img: Image, _ upscaler: Upscaler, ext: String = "png",
                                           _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let streamed = dir + "/s-\(label).\(ext)", whole = dir + "/w-\(label).\(ext)"
        try Exporter.export(img, with: upscaler, to: streamed, settings: ExportSettings())
        var ref = try upscaler.upscale(img)
        ref.text.merge(upscaler.metadata) { _, ours in ours }
        ref.isGrayscale = img.isGrayscale
        try ImageFile.write(ref, to: whole)
        let a = try ImageFile.read(path: streamed), b = try ImageFile.read(path: whole)
        let size = upscaler.outputSize(width: img.width, height: img.height)
        XCTAssertEqual(a.width, size.width, label, file: file, line: line)
        XCTAssertEqual(a.height, size.height, label, file: file, line: line)
        XCTAssertEqual(a.channelCount, b.channelCount, label, file: file, line: line)
        XCTAssertEqual(a.bitDepth, b.bitDepth, label, file: file, line: line)
        XCTAssertEqual(a.isGrayscale, b.isGrayscale, label, file: file, line: line)
        XCTAssertTrue(a.pixels == b.pixels, "\(label): streamed samples differ from the whole-image export",
                      file: file, line: line)
        XCTAssertEqual(a.text, b.text, label, file: file, line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).filter { AtomicFile.isTemporary(name: $0) },
                       [], file: file, line: line)
    }

    func testNetworkBandsEqualWholeImageAcrossLayoutsAndBandBoundaries() throws {
        let m = try model("msrresnet_x4")
        // Tile 8 with margin 4 puts band boundaries every 8 input rows (32 output rows).
        let tiled = try Upscaler(.model(m), options: UpscaleOptions(tileSize: 8, tileOverlap: 4, threads: 2))
        let cases: [(Image, String)] = [
            (image(13, 1), "one-row"), (image(1, 9), "one-column"), (image(17, 9), "odd"),
            (image(23, 16), "band-aligned"), (image(19, 17, alpha: true), "rgba"),
            (image(15, 10, bits: 16), "16-bit"), (image(14, 11, alpha: true, bits: 16), "rgba16"),
            (image(12, 9, gray: true, bits: 16), "gray16"), (image(11, 9, alpha: true, gray: true), "gray-alpha"),
        ]
        for (img, label) in cases { try assertStreamedEqualsWhole(img, tiled, label) }
        // One tile covers the whole image: the network runs untiled in both paths.
        let untiled = try Upscaler(.model(m), options: UpscaleOptions(tileSize: 64, threads: 2))
        try assertStreamedEqualsWhole(image(21, 13, alpha: true), untiled, "untiled")
        let bicubicAlpha = try Upscaler(.model(m), options: UpscaleOptions(tileSize: 8, tileOverlap: 4, alpha: .bicubic))
        try assertStreamedEqualsWhole(image(18, 19, alpha: true), bicubicAlpha, "alpha-bicubic")
        try assertStreamedEqualsWhole(image(16, 12), tiled, ext: "jpg", "jpeg")
    }

    func testInputMultipleAndOtherScalesStreamExactly() throws {
        // RRDBNet ×1 unshuffles by 4 (inputs padded to a multiple of 4); MSRResNet ×3.
        for (name, w, h) in [("rrdbnet_x1_basicsr", 18, 13), ("msrresnet_x3", 15, 11)] {
            let u = try Upscaler(.model(try model(name)), options: UpscaleOptions(tileSize: 8, tileOverlap: 4))
            try assertStreamedEqualsWhole(image(w, h, alpha: true), u, name)
        }
    }

    func testBicubicBandsEqualWholeImageAtAnyScale() throws {
        for s in [4.0, 3.0, 2.5] {
            let u = try Upscaler(.bicubic(scale: s))
            try assertStreamedEqualsWhole(image(37, 29, alpha: true, bits: 16), u, "bicubic-\(s)")
            try assertStreamedEqualsWhole(image(9, 1, gray: true), u, "bicubic-row-\(s)")
        }
        // Tall enough for several 8 MiB bands.
        try assertStreamedEqualsWhole(image(300, 200), try Upscaler(.bicubic(scale: 4)), "bicubic-bands")
    }

    func testCancelledExportLeavesNothing() throws {
        let u = try Upscaler(.model(try model("msrresnet_x4")), options: UpscaleOptions(tileSize: 8, tileOverlap: 4))
        let token = CancellationToken()
        let path = dir + "/out.png"
        XCTAssertThrowsError(try Exporter.export(image(40, 40), with: u, to: path, settings: ExportSettings(),
                                                 progress: { f in if f > 0.3 { token.cancel() } }, cancel: token)) {
            XCTAssertTrue($0 is CancellationError, "\($0)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testOutputsTheFormatCannotHoldAreRefusedBeforeWork() throws {
        let u = try Upscaler(.bicubic(scale: 4))
        var calls = 0
        // 20000 px wide → 80000 px: over JPEG's 65,500 limit. Checked from the size alone.
        let wide = Image(width: 20_000, height: 1)
        XCTAssertThrowsError(try Exporter.export(wide, with: u, to: dir + "/w.jpg", settings: ExportSettings(),
                                                 progress: { _ in calls += 1 })) { err in
            XCTAssertTrue("\(err)".contains("65500"), "\(err)")
            XCTAssertFalse("\(err)".contains("\n"))
        }
        XCTAssertThrowsError(try Exporter.export(image(100, 100), with: u, to: dir + "/big.png",
                                                 settings: ExportSettings(), maxPixels: 10_000)) { err in
            XCTAssertTrue("\(err)".contains("exceeds the limit of 10000 pixels"), "\(err)")
        }
        XCTAssertEqual(calls, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }
}
