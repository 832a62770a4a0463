import EnhanceImaging
import Foundation
import XCTest

/// JPEG exports carry the `enhance:*` record as PNG exports do (there in text chunks, here in an
/// XMP packet in APP1): exiftool, an independent XMP reader, and `enhance models inspect` read it.
final class JPEGRecordCLITests: XCTestCase {
    /// `-G1 -args` output of exiftool for the `XMP-enhance` group: property (lower case) → value.
    private func exiftoolRecord(_ exiftool: URL, _ path: String) throws -> [String: String] {
        let r = try CLI.run(executable: exiftool, ["-G1", "-args", "-XMP-enhance:all", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        var out: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") where line.hasPrefix("-XMP-enhance:") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            let name = line[line.index(line.startIndex, offsetBy: 13)..<eq].lowercased()
            out[name] = String(line[line.index(after: eq)...])
        }
        return out
    }

    func testJPEGExportsCarryTheRecordThatExiftoolAndInspectRead() throws {
        guard let exiftool = CLI.tool("exiftool") else {
            throw XCTSkip("exiftool is not installed (apt-get install libimage-exiftool-perl; make test installs it)")
        }
        let dir = try CLI.tempDir()
        var img = Image(width: 10, height: 6)
        for c in 0..<3 { for y in 0..<6 { for x in 0..<10 { img[c, y, x] = Float((x + 2 * y + c) % 7) / 6 } } }
        let input = dir.appendingPathComponent("in.png").path
        try ImageFile.write(img, to: input)
        // A model file name with XML's special characters, so the packet's escaping is exercised.
        let fixture = CLI.repoRoot.appendingPathComponent(
            "Tests/EnhanceNetworksTests/Fixtures/msrresnet_x4.weights.safetensors").path
        let model = dir.appendingPathComponent("a&b <c>.safetensors").path
        try FileManager.default.copyItem(atPath: fixture, toPath: model)
        let args = ["--method", "blend", "--alpha", "0.3", "--psnr-model", model, "--gan-model", fixture]
        for ext in ["png", "jpg"] {
            let r = try CLI.run(["upscale", input, "-o", dir.appendingPathComponent("out.\(ext)").path] + args)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        // The PNG's text chunks are the record to expect.
        let png = try ImageFile.read(path: dir.appendingPathComponent("out.png").path).text
            .filter { $0.key.hasPrefix("enhance:") }
        XCTAssertEqual(png["enhance:psnr-model"], "a&b <c>.safetensors")
        XCTAssertEqual(png["enhance:alpha"], "0.30")
        let jpg = dir.appendingPathComponent("out.jpg").path
        let expected = Dictionary(uniqueKeysWithValues: png.map {
            (String($0.key.dropFirst("enhance:".count)).lowercased(), $0.value)
        })
        XCTAssertEqual(try exiftoolRecord(exiftool, jpg), expected)

        let inspect = try CLI.run(["models", "inspect", jpg])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        let rows = inspect.stdout.split(separator: "\n").dropFirst().map {
            $0.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: rows.map { ($0[0], $0[1]) }), png)

        // Upscaling that JPEG again records the new run only: no α left from the blend.
        let again = dir.appendingPathComponent("again.jpg").path
        let r = try CLI.run(["upscale", jpg, "-o", again, "--method", "bicubic"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try exiftoolRecord(exiftool, again), ["method": "bicubic", "scale": "4"])
    }
}
