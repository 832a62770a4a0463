import XCTest
@testable import EnhanceImaging

/// Decoding against fixtures written by pypng / Pillow / TurboJPEG (scripts/imaging/make_codec_fixtures.py).
final class DecodeTests: XCTestCase {
    struct Case: Decodable { let file: String; let width: Int; let height: Int; let channels: Int; let maxval: Int; let samples: [Int] }
    struct TextCase: Decodable { let file: String; let text: [String: String] }
    struct Manifest: Decodable { let png: [Case]; let jpeg: [Case]; let text: TextCase }

    func manifest() throws -> Manifest { try Fixtures.json("codec/manifest.json", as: Manifest.self) }

    /// Decodes `c.file` and returns the largest deviation from the expected samples (in maxval units).
    func deviation(_ c: Case) throws -> Int {
        let image = try ImageFile.read(path: Fixtures.path("codec/\(c.file)"))
        XCTAssertEqual(image.width, c.width, c.file)
        XCTAssertEqual(image.height, c.height, c.file)
        XCTAssertEqual(image.channelCount, c.channels, c.file)
        XCTAssertEqual(image.bitDepth, c.maxval == 65535 ? 16 : 8, c.file)
        guard image.pixels.count == c.samples.count else { return Int.max }
        var worst = 0
        for (i, expected) in c.samples.enumerated() {
            worst = max(worst, abs(Int((image.pixels[i] * Float(c.maxval)).rounded()) - expected))
        }
        return worst
    }

    func testPNGAllColourTypesDepthsAndInterlace() throws {
        let cases = try manifest().png
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        for c in cases {
            XCTAssertEqual(try deviation(c), 0, c.file)
            let info = try ImageFile.info(path: Fixtures.path("codec/\(c.file)"))
            XCTAssertEqual(info.format, .png)
            XCTAssertEqual(info.hasAlpha, c.channels == 4, c.file)
            XCTAssertEqual(info.bitDepth, c.maxval == 65535 ? 16 : 8, c.file)
            XCTAssertEqual(info.isGrayscale, c.file.hasPrefix("gray"), c.file)
        }
        XCTAssertTrue(cases.contains { $0.file.contains("adam7") })
    }

    func testJPEGVariantsMatchPillow() throws {
        let cases = try manifest().jpeg
        for c in cases {
            // Same libjpeg-turbo IDCT; CMYK→RGB rounding may differ by one level.
            XCTAssertLessThanOrEqual(try deviation(c), 1, c.file)
            let info = try ImageFile.info(path: Fixtures.path("codec/\(c.file)"))
            XCTAssertEqual(info.format, .jpeg)
            XCTAssertEqual([info.width, info.height], [c.width, c.height], "info applies orientation: \(c.file)")
            XCTAssertEqual(info.isGrayscale, c.file == "gray.jpg", c.file)
        }
        let names = Set(cases.map(\.file))
        for n in ["baseline.jpg", "progressive.jpg", "gray.jpg", "cmyk_adobe.jpg", "ycck.jpg"] { XCTAssertTrue(names.contains(n)) }
        XCTAssertEqual((1...8).filter { names.contains("exif_orientation_\($0).jpg") }.count, 8)
    }

    func testOrientationsAreDistinguishable() throws {
        // Guard against a fixture set where a wrong transform could still pass: all 8 differ.
        var seen: [[Float]] = []
        for o in 1...8 {
            let image = try ImageFile.read(path: Fixtures.path("codec/exif_orientation_\(o).jpg"))
            XCTAssertFalse(seen.contains(image.pixels), "orientation \(o) duplicates another")
            seen.append(image.pixels)
        }
    }

    func testPNGTextChunks() throws {
        let t = try manifest().text
        let image = try ImageFile.read(path: Fixtures.path("codec/\(t.file)"))
        XCTAssertEqual(image.text, t.text)
    }
}
