import Foundation
import XCTest
@testable import EnhanceImaging

/// Encoding, round trips and the atomic-write contract.
final class WriteTests: XCTestCase {
    func sample(alpha: Bool = false, bitDepth: Int = 8) -> Image {
        let w = 17, h = 11, c = alpha ? 4 : 3
        let levels = Float(bitDepth == 16 ? 65535 : 255)
        let pixels = (0..<(c * w * h)).map { i in Float((i * 7919) % Int(levels + 1)) / levels }
        return Image(width: w, height: h, channelCount: c, pixels: pixels, bitDepth: bitDepth)
    }

    func listing(_ dir: String) throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir).sorted() }

    func testPNGRoundTrips8And16BitWithAlphaAndText() throws {
        let dir = try Fixtures.scratchDirectory(self)
        for (alpha, depth) in [(false, 8), (true, 8), (false, 16), (true, 16)] {
            var image = sample(alpha: alpha, bitDepth: depth)
            image.text = ["method": "blend", "alpha": "0.35", "model": "θ hash ×4 — ünïcode"]
            let path = dir + "/rt_\(alpha)_\(depth).PNG"
            try ImageFile.write(image, to: path)
            let back = try ImageFile.read(path: path)
            XCTAssertTrue(back == image, "alpha \(alpha) depth \(depth)")
            XCTAssertEqual(try ImageFile.info(path: path), ImageInfo(width: 17, height: 11, format: .png, bitDepth: depth, hasAlpha: alpha))
        }
    }

    func testSixteenBitPrecisionSurvivesAndCanBeDowngraded() throws {
        let dir = try Fixtures.scratchDirectory(self)
        let src = try ImageFile.read(path: Fixtures.path("codec/rgb16.png"))
        XCTAssertEqual(src.bitDepth, 16)
        // 16-bit samples that are not multiples of 257 prove more than 8 bits were kept.
        XCTAssertTrue(src.pixels.contains { v in let s = Int((v * 65535).rounded()); return s % 257 != 0 })
        try ImageFile.write(src, to: dir + "/a.png")
        XCTAssertTrue(try ImageFile.read(path: dir + "/a.png") == src)
        try ImageFile.write(src, to: dir + "/b.png", bitDepth: 8)
        let eight = try ImageFile.read(path: dir + "/b.png")
        XCTAssertEqual(eight.bitDepth, 8)
        XCTAssertTrue(eight == src.quantized(bits: 8))
    }

    func testJPEGQualityOption() throws {
        let dir = try Fixtures.scratchDirectory(self)
        let image = try ImageFile.read(path: Fixtures.path("bicubic/input_b.png"))
        try ImageFile.write(image, to: dir + "/hi.jpg", quality: 98)
        try ImageFile.write(image, to: dir + "/lo.JPEG", quality: 10)
        let hi = try ImageFile.read(path: dir + "/hi.jpg"), lo = try ImageFile.read(path: dir + "/lo.JPEG")
        let size = { (p: String) in try FileManager.default.attributesOfItem(atPath: p)[.size] as! Int }
        XCTAssertLessThan(try size(dir + "/lo.JPEG"), try size(dir + "/hi.jpg"))
        XCTAssertGreaterThan(Metrics.psnrY(hi, image, shave: 0), Metrics.psnrY(lo, image, shave: 0) + 5)
        XCTAssertGreaterThan(Metrics.psnrY(hi, image, shave: 0), 35)
        XCTAssertEqual(ImageFile.sniff(path: dir + "/lo.JPEG"), .jpeg)
    }

    func testRefusesToOverwriteUnlessAsked() throws {
        let dir = try Fixtures.scratchDirectory(self)
        let path = dir + "/out.png"
        try ImageFile.write(sample(), to: path)
        XCTAssertThrowsError(try ImageFile.write(sample(alpha: true), to: path)) { error in
            XCTAssertEqual((error as? ImageIOError)?.kind, .alreadyExists)
            XCTAssertTrue(String(describing: error).contains("out.png"))
        }
        XCTAssertTrue(try ImageFile.read(path: path) == sample(), "original untouched")
        try ImageFile.write(sample(alpha: true), to: path, overwrite: true)
        XCTAssertTrue(try ImageFile.read(path: path) == sample(alpha: true))
        XCTAssertEqual(try listing(dir), ["out.png"], "no temporary files left")
    }

    func testUnknownExtensionAndFailuresLeaveNothing() throws {
        let dir = try Fixtures.scratchDirectory(self)
        let bad: [(String, () throws -> Void)] = [
            ("x.tiff", { try ImageFile.write(self.sample(), to: dir + "/x.tiff") }),
            ("noext", { try ImageFile.write(self.sample(), to: dir + "/noext") }),
            ("q.jpg", { try ImageFile.write(self.sample(), to: dir + "/q.jpg", quality: 0) }),
            ("d.jpg", { try ImageFile.write(self.sample(), to: dir + "/d.jpg", bitDepth: 16) }),
            ("k.png", {
                var image = self.sample()
                image.text = [String(repeating: "k", count: 80): "too long a keyword"]
                try ImageFile.write(image, to: dir + "/k.png")
            }),
            ("missing-dir/y.png", { try ImageFile.write(self.sample(), to: dir + "/missing-dir/y.png") }),
        ]
        for (name, body) in bad {
            XCTAssertThrowsError(try body(), name) { error in
                let text = String(describing: error)
                XCTAssertTrue(text.contains(name), text)
                XCTAssertFalse(text.contains("\n"), text)
            }
        }
        XCTAssertEqual(try listing(dir), [], "no output or temporary file remains")
    }

    func testWriteIntoUnwritableDirectoryFailsCleanly() throws {
        let dir = try Fixtures.scratchDirectory(self)
        let locked = dir + "/locked"
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
        XCTAssertEqual(chmod(locked, 0o500), 0)
        defer { chmod(locked, 0o755) }
        if access(locked, W_OK) == 0 {
            // Root ignores directory permissions; the write then succeeds, which is the honest outcome.
            try ImageFile.write(sample(), to: locked + "/z.png")
            XCTAssertEqual(try listing(locked), ["z.png"])
        } else {
            XCTAssertThrowsError(try ImageFile.write(sample(), to: locked + "/z.png"))
            XCTAssertEqual(try listing(locked), [])
        }
    }

    func testOverwriteOntoDirectoryFailsAndCleansUp() throws {
        let dir = try Fixtures.scratchDirectory(self)
        let target = dir + "/folder.png"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(atPath: target + "/child", withIntermediateDirectories: false)
        XCTAssertThrowsError(try ImageFile.write(sample(), to: target, overwrite: true)) { error in
            XCTAssertTrue(String(describing: error).contains("folder.png"))
        }
        XCTAssertEqual(try listing(dir), ["folder.png"])
    }

    func testOutOfRangeAndNaNSamplesAreClampedOnWrite() throws {
        let dir = try Fixtures.scratchDirectory(self)
        let image = Image(width: 2, height: 1, channelCount: 3, pixels: [.nan, 1.7, -0.4, .infinity, 0.5, -.infinity])
        for ext in ["png", "jpg"] {
            try ImageFile.write(image, to: dir + "/clamp.\(ext)")
            XCTAssertEqual(try ImageFile.read(path: dir + "/clamp.\(ext)").width, 2)
        }
        let back = try ImageFile.read(path: dir + "/clamp.png")
        XCTAssertEqual(back.pixels, [0, 1, 0, 1, 128 / 255, 0])
        XCTAssertEqual(image.quantized(bits: 8).pixels, back.pixels)
    }

    func testExtensionMapping() {
        XCTAssertEqual(ImageFormat.fromExtension(of: "a/b.PnG"), .png)
        XCTAssertEqual(ImageFormat.fromExtension(of: "x.JPG"), .jpeg)
        XCTAssertEqual(ImageFormat.fromExtension(of: "x.jpeg"), .jpeg)
        XCTAssertNil(ImageFormat.fromExtension(of: "dir.png/file"))
        XCTAssertNil(ImageFormat.fromExtension(of: ".png"))
        XCTAssertNil(ImageFormat.fromExtension(of: "x.webp"))
    }
}
