import EnhanceImaging
import Foundation
import XCTest

/// `enhance preview --graphics …` output decoded independently: kitty and iTerm2 payloads with
/// Foundation's base64 and libpng, sixel with `sixel2png`; compared with the input's pixels.
final class PreviewGraphicsTests: XCTestCase {
    var dir = URL(fileURLWithPath: "/")
    var input = ""
    let w = 41, h = 27

    override func setUpWithError() throws {
        dir = try CLI.tempDir()
        var img = Image(width: w, height: h)
        for y in 0..<h { for x in 0..<w {
            img[0, y, x] = Float(x * 6) / 255; img[1, y, x] = Float(y * 9) / 255
            img[2, y, x] = (x / 7 + y / 5) % 2 == 0 ? 1 : 0.2
        } }
        input = dir.appendingPathComponent("in.png").path
        try ImageFile.write(img, to: input)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// Reads `bytes` as a PNG (libpng).
    func png(_ bytes: Data) throws -> Image {
        let path = dir.appendingPathComponent("decoded-\(UUID().uuidString).png").path
        try bytes.write(to: URL(fileURLWithPath: path))
        return try ImageFile.read(path: path)
    }

    func maxDifference(_ a: Image, _ b: Image) -> Int {
        var worst = 0
        for c in 0..<3 { for y in 0..<b.height { for x in 0..<b.width {
            worst = max(worst, abs(Int((a[c, y, x] * 255).rounded()) - Int((b[c, y, x] * 255).rounded())))
        } } }
        return worst
    }

    func testKittyIsExact() throws {
        let r = try CLI.run(["preview", input, "--graphics", "kitty"])
        XCTAssertEqual(r.status, 0, r.stderr)
        var b64 = "", keys = ""
        for part in r.stdout.components(separatedBy: "\u{1B}_G").dropFirst() {
            let body = try XCTUnwrap(part.components(separatedBy: "\u{1B}\\").first)
            let f = body.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)
            if keys.isEmpty { keys = String(f[0]) }
            b64 += f.count > 1 ? String(f[1]) : ""
        }
        XCTAssertTrue(keys.contains("f=24") && keys.contains("s=\(w)") && keys.contains("v=\(h)"), keys)
        let raw = [UInt8](try XCTUnwrap(Data(base64Encoded: b64)))
        let src = try ImageFile.read(path: input)
        XCTAssertEqual(raw.count, w * h * 3)
        var worst = 0
        for y in 0..<h { for x in 0..<w { for c in 0..<3 {
            worst = max(worst, abs(Int(raw[(y * w + x) * 3 + c]) - Int((src[c, y, x] * 255).rounded())))
        } } }
        XCTAssertEqual(worst, 0)
    }

    func testITerm2IsExact() throws {
        let r = try CLI.run(["preview", input, "--graphics", "iterm2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let head = try XCTUnwrap(r.stdout.range(of: "\u{1B}]1337;File=inline=1;"))
        let colon = try XCTUnwrap(r.stdout.range(of: ":", range: head.upperBound..<r.stdout.endIndex))
        let bel = try XCTUnwrap(r.stdout.range(of: "\u{07}"))
        let decoded = try png(try XCTUnwrap(Data(base64Encoded: String(r.stdout[colon.upperBound..<bel.lowerBound]))))
        XCTAssertEqual(decoded.width, w); XCTAssertEqual(decoded.height, h)
        XCTAssertEqual(maxDifference(decoded, try ImageFile.read(path: input)), 0)
    }

    func testSixelDecodesWithinPaletteTolerance() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sixel2png") else {
            throw XCTSkip("sixel2png is missing (Debian libsixel-bin; make test installs it)")
        }
        let r = try CLI.run(["preview", input, "--graphics", "sixel"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let six = dir.appendingPathComponent("out.six").path, out = dir.appendingPathComponent("six.png").path
        try Data(r.stdout.utf8).write(to: URL(fileURLWithPath: six))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sixel2png")
        p.arguments = ["-i", six, "-o", out]
        try p.run(); p.waitUntilExit()
        let decoded = try ImageFile.read(path: out)
        XCTAssertEqual(decoded.width, w); XCTAssertEqual(decoded.height, h)
        // 41×27 has more than 256 colours: median cut, error bounded.
        XCTAssertLessThanOrEqual(maxDifference(decoded, try ImageFile.read(path: input)), 24)
    }

    func testWideImagesAreReducedToTheWidthAndAutoIntoAPipeIsBlocks() throws {
        let r = try CLI.run(["preview", input, "--graphics", "kitty", "--width", "2"],
                            env: ["ENHANCE_GRAPHICS": "sixel"])
        XCTAssertNotEqual(r.status, 0, "--width below 4 is rejected")
        let k = try CLI.run(["preview", input, "--graphics", "kitty", "--width", "4"])
        XCTAssertTrue(k.stdout.contains("s=40,"), "4 columns × 10 px (no pixel size known): \(k.stdout.prefix(60))")
        let env = try CLI.run(["preview", input, "--width", "8"], env: ["ENHANCE_GRAPHICS": "sixel"])
        XCTAssertTrue(env.stdout.hasPrefix("\u{1B}P"), "ENHANCE_GRAPHICS picks sixel")
        let auto = try CLI.run(["preview", input, "--width", "8", "--graphics", "auto"])
        XCTAssertFalse(auto.stdout.contains("\u{1B}_G") || auto.stdout.contains("\u{1B}P"), "auto into a pipe: blocks")
        XCTAssertGreaterThanOrEqual(auto.stdout.split(separator: "\n").count, 2, "block lines: \(auto.stdout)")
        let bad = try CLI.run(["preview", input, "--graphics", "png"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--graphics must be"), bad.stderr)
    }
}
