import EnhanceImaging
import Foundation
import XCTest

/// ICC profiles, EXIF and colour types carried through `enhance upscale`, checked with exiftool
/// (Debian libimage-exiftool-perl), an independent reader and writer of both.
final class MetadataCLITests: XCTestCase {
    private var exiftool: URL!
    private let srgb = "/usr/share/color/icc/sRGB.icc"  // Debian icc-profiles-free

    override func setUpWithError() throws {
        guard let tool = CLI.tool("exiftool") else {
            throw XCTSkip("exiftool is not installed (apt-get install libimage-exiftool-perl; make test installs it)")
        }
        guard FileManager.default.fileExists(atPath: srgb) else {
            throw XCTSkip("\(srgb) is missing (apt-get install icc-profiles-free; make test installs it)")
        }
        exiftool = tool
    }

    /// exiftool's numeric tag values for `path` (`-n -j`), keyed by tag name.
    private func tags(_ path: String) throws -> [String: Any] {
        let r = try CLI.run(executable: exiftool, ["-n", "-j", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let parsed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        return parsed?.first ?? [:]
    }

    /// The embedded ICC profile as exiftool extracts it (binary, so through a file).
    private func iccBytes(_ path: String) throws -> Data {
        let dest = path + ".icc"
        let r = try CLI.run(executable: URL(fileURLWithPath: "/bin/sh"),
                            ["-c", "\"$0\" -b -ICC_Profile \"$1\" > \"$2\"", exiftool.path, path, dest])
        XCTAssertEqual(r.status, 0, r.stderr)
        defer { try? FileManager.default.removeItem(atPath: dest) }
        return try Data(contentsOf: URL(fileURLWithPath: dest))
    }

    /// A 10×6 JPEG, tagged by exiftool as shot rotated (orientation 6) with an sRGB profile.
    private func taggedJPEG(_ dir: URL) throws -> String {
        var img = Image(width: 10, height: 6)
        for c in 0..<3 { for y in 0..<6 { for x in 0..<10 { img[c, y, x] = Float((x + 2 * y + c) % 7) / 6 } } }
        let path = dir.appendingPathComponent("shot.jpg").path
        try ImageFile.write(img, to: path)
        let r = try CLI.run(executable: exiftool, [
            "-overwrite_original", "-Orientation#=6", "-Make=EnhanceTestCam", "-Model=M1",
            "-DateTimeOriginal=2020:01:02 03:04:05", "-ExifImageWidth=10", "-ExifImageHeight=6",
            "-ICC_Profile<=\(srgb)", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        return path
    }

    func testICCAndEXIFAreCarriedWithOrientationResetAndSizeUpdated() throws {
        let dir = try CLI.tempDir()
        let input = try taggedJPEG(dir)
        let profile = try Data(contentsOf: URL(fileURLWithPath: srgb))
        XCTAssertEqual(try iccBytes(input), profile)
        for ext in ["png", "jpg"] {
            let out = dir.appendingPathComponent("up.\(ext)").path
            let r = try CLI.run(["upscale", "--method", "bicubic", input, "-o", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            let t = try tags(out)
            // The decoder rotated the pixels (6 = 90° clockwise): 6×10 → 24×40.
            XCTAssertEqual(t["ImageWidth"] as? Int, 24, ext)
            XCTAssertEqual(t["ImageHeight"] as? Int, 40, ext)
            XCTAssertEqual(t["Orientation"] as? Int, 1, ext)
            XCTAssertEqual(t["Make"] as? String, "EnhanceTestCam", ext)
            XCTAssertEqual(t["DateTimeOriginal"] as? String, "2020:01:02 03:04:05", ext)
            XCTAssertEqual(t["ExifImageWidth"] as? Int, 24, ext)
            XCTAssertEqual(t["ExifImageHeight"] as? Int, 40, ext)
            XCTAssertEqual(try iccBytes(out), profile, "\(ext): ICC profile not carried byte for byte")
        }
    }

    /// A PNG whose eXIf says "rotated 180°" (written by exiftool) comes out upright with orientation 1.
    func testPNGeXIfOrientationIsAppliedThenReset() throws {
        let dir = try CLI.tempDir()
        var img = Image(width: 3, height: 2)
        img[0, 0, 0] = 1  // red top-left pixel
        let input = dir.appendingPathComponent("rot.png").path
        try ImageFile.write(img, to: input)
        let tag = try CLI.run(executable: exiftool, ["-overwrite_original", "-Orientation#=3", "-Make=Cam", input])
        XCTAssertEqual(tag.status, 0, tag.stderr)
        let out = dir.appendingPathComponent("up.png").path
        let r = try CLI.run(["upscale", "--method", "bicubic", input, "-o", out, "--scale", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try tags(out)
        XCTAssertEqual(t["Orientation"] as? Int, 1)
        XCTAssertEqual(t["Make"] as? String, "Cam")
        let back = try ImageFile.read(path: out)
        XCTAssertEqual(back[0, 1, 2], 1, "rotated 180°: the red pixel is now bottom-right")
        XCTAssertEqual(back[0, 0, 0], 0)
    }

    func testStripMetadataKeepsOnlyOurText() throws {
        let dir = try CLI.tempDir()
        let input = try taggedJPEG(dir)
        let out = dir.appendingPathComponent("bare.png").path
        let r = try CLI.run(["upscale", "--method", "bicubic", input, "-o", out, "--strip-metadata"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try tags(out)
        XCTAssertNil(t["Make"])
        XCTAssertNil(t["Orientation"])
        XCTAssertTrue(try iccBytes(out).isEmpty)
        let text = try ImageFile.read(path: out).text
        XCTAssertEqual(text["enhance:method"], "bicubic")
        XCTAssertEqual(Set(text.keys), ["enhance:method", "enhance:scale"])
    }

    /// Gray in, gray out (8/16-bit, with and without alpha), as exiftool reads the PNG header.
    func testColourTypeAndDepthFollowTheInput() throws {
        let dir = try CLI.tempDir()
        let cases: [(alpha: Bool, bits: Int, colorType: Int)] = [(false, 16, 0), (true, 8, 4), (false, 8, 0)]
        for (i, c) in cases.enumerated() {
            var img = Image(width: 5, height: 3, hasAlpha: c.alpha, bitDepth: c.bits)
            for y in 0..<3 { for x in 0..<5 { for p in 0..<3 { img[p, y, x] = Float(x + y) / 7 } } }
            img.isGrayscale = true
            let input = dir.appendingPathComponent("gray\(i).png").path
            try ImageFile.write(img, to: input)
            XCTAssertEqual(try tags(input)["ColorType"] as? Int, c.colorType, "input \(i)")
            let out = dir.appendingPathComponent("gray\(i)-x4.png").path
            let r = try CLI.run(["upscale", "--method", "bicubic", input, "-o", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            let t = try tags(out)
            XCTAssertEqual(t["ColorType"] as? Int, c.colorType, "output \(i)")
            XCTAssertEqual(t["BitDepth"] as? Int, c.bits, "output \(i)")
            XCTAssertEqual(t["ImageWidth"] as? Int, 20)
        }
    }
}
