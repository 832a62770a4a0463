import Foundation
import XCTest
@testable import EnhanceImaging

/// Hostile inputs (scripts/imaging/make_malformed.py) must throw one-line errors naming the file.
final class MalformedInputTests: XCTestCase {
    func assertOneLineError(_ path: String, _ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
            XCTFail("\(path): expected an error", file: file, line: line)
        } catch {
            let text = String(describing: error)
            let name = (path as NSString).lastPathComponent
            XCTAssertTrue(text.contains(name), "error does not name the file: \(text)", file: file, line: line)
            XCTAssertFalse(text.contains("\n") || text.contains("\r"), "multi-line error: \(text)", file: file, line: line)
            XCTAssertTrue(error is ImageIOError, "not an ImageIOError: \(text)", file: file, line: line)
        }
    }

    func testEveryMalformedFixtureThrows() throws {
        let dir = try Fixtures.path("malformed")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        XCTAssertGreaterThanOrEqual(names.count, 30)
        for name in names {
            let path = dir + "/" + name
            assertOneLineError(path) {
                do { _ = try ImageFile.read(path: path) } catch { print("malformed: \(error)"); throw error }
            }
        }
    }

    func testBombsAreRefusedFromTheHeader() throws {
        for name in ["bomb_png_100000x100000.png", "bomb_png_20000x6000.png", "bomb_jpeg_65000x65000.jpg",
                     "bomb_jpeg_progressive_60000x2000.jpg"] {
            let path = try Fixtures.path("malformed/\(name)")
            XCTAssertThrowsError(try ImageFile.read(path: path)) { error in
                XCTAssertEqual((error as? ImageIOError)?.kind, .tooLarge, "\(error)")
            }
            // The header itself is fine: info() reports the declared size without allocating.
            let info = try ImageFile.info(path: path)
            XCTAssertGreaterThan(info.width * info.height, ImageFile.defaultMaxPixels)
        }
    }

    func testPixelLimitIsConfigurable() throws {
        let path = try Fixtures.path("bicubic/input_a.png")  // 23x17 = 391 px
        XCTAssertThrowsError(try ImageFile.read(path: path, maxPixels: 390)) { error in
            XCTAssertEqual((error as? ImageIOError)?.kind, .tooLarge)
        }
        XCTAssertEqual(try ImageFile.read(path: path, maxPixels: 391).width, 23)
    }

    func testMissingFileAndDirectory() throws {
        let dir = try Fixtures.scratchDirectory(self)
        assertOneLineError(dir + "/does-not-exist.png") { _ = try ImageFile.read(path: dir + "/does-not-exist.png") }
        let sub = dir + "/folder.png"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: false)
        assertOneLineError(sub) { _ = try ImageFile.read(path: sub) }
        assertOneLineError(sub) { _ = try ImageFile.info(path: sub) }
        XCTAssertNil(ImageFile.sniff(path: sub))
    }

    func testUnreadableFile() throws {
        let dir = try Fixtures.scratchDirectory(self)
        let path = dir + "/locked.png"
        try FileManager.default.copyItem(atPath: Fixtures.path("bicubic/input_a.png"), toPath: path)
        XCTAssertEqual(chmod(path, 0), 0)
        defer { chmod(path, 0o644) }
        if access(path, R_OK) == 0 {
            // Running as root (or with CAP_DAC_OVERRIDE): mode 000 does not block reads, so the
            // honest expectation is that the file decodes normally.
            XCTAssertEqual(try ImageFile.read(path: path).width, 23)
        } else {
            assertOneLineError(path) { _ = try ImageFile.read(path: path) }
        }
    }

    func testFormatIsSniffedFromContentNotExtension() throws {
        let dir = try Fixtures.scratchDirectory(self)
        let png = try Fixtures.path("bicubic/input_a.png")
        let disguised = dir + "/really-a-png.jpg"
        try FileManager.default.copyItem(atPath: png, toPath: disguised)
        XCTAssertEqual(ImageFile.sniff(path: disguised), .png)
        XCTAssertEqual(try ImageFile.info(path: disguised).format, .png)
        XCTAssertEqual(try ImageFile.read(path: disguised), try ImageFile.read(path: png))
        XCTAssertNil(ImageFile.sniff(path: try Fixtures.path("malformed/text_named.png")))
        XCTAssertNil(ImageFile.sniff(path: try Fixtures.path("malformed/empty.jpg")))
    }
}

/// The shipped sample photos decode (they live in Assets/, outside the test bundle).
final class AssetTests: XCTestCase {
    func testSamplePhotosDecode() throws {
        let assets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Assets")
        let expected = ["astronaut.png": (512, 512), "chelsea.png": (451, 300), "coffee.png": (600, 400)]
        for (name, size) in expected {
            let image = try ImageFile.read(path: assets.appendingPathComponent(name).path)
            XCTAssertEqual(image.width, size.0, name)
            XCTAssertEqual(image.height, size.1, name)
            XCTAssertEqual(image.channelCount, 3, name)
        }
    }
}
