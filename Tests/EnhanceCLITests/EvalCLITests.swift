import EnhanceImaging
import Foundation
import XCTest

/// `enhance eval` as a user runs it: one row per image, an average row, bad folders refused.
final class EvalCLITests: XCTestCase {
    func testBicubicTableOnAFolder() throws {
        let dir = try CLI.tempDir()
        for (i, name) in ["a.png", "b.png"].enumerated() {
            // Smooth enough to survive the ×4 antialiased downscale (detail must stay measurable).
            var img = Image(width: 48, height: 40)
            for c in 0..<3 { for y in 0..<40 { for x in 0..<48 {
                img[c, y, x] = 0.5 + 0.4 * sin(Float(x) / Float(4 + i) + Float(y) / 6 + Float(c))
            } } }
            try ImageFile.write(img, to: dir.appendingPathComponent(name).path)
        }
        try Data("not an image".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        let r = try CLI.run(["eval", "--set", dir.path, "--method", "bicubic"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let rows = lines.filter { $0.hasPrefix("a ") || $0.hasPrefix("b ") }
        XCTAssertEqual(rows.count, 2, r.stdout)
        let avg = try XCTUnwrap(lines.first { $0.hasPrefix("average") })
        let numbers = avg.split(separator: " ").dropFirst().compactMap { Double($0) }
        XCTAssertEqual(numbers.count, 3, avg)
        XCTAssertGreaterThan(numbers[0], 5)   // PSNR in dB
        XCTAssertLessThanOrEqual(numbers[1], 1)  // SSIM
        XCTAssertGreaterThan(numbers[2], 0)   // detail ratio
    }

    func testMissingFolderAndAlphasWithoutBlendAreRefused() throws {
        let missing = try CLI.run(["eval", "--set", "/nonexistent-enhance-set"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nonexistent-enhance-set"), missing.stderr)
        let alphas = try CLI.run(["eval", "--set", "/tmp", "--alphas", "0.5"])
        XCTAssertNotEqual(alphas.status, 0)
        XCTAssertTrue(alphas.stderr.contains("--method blend"), alphas.stderr)
    }
}
