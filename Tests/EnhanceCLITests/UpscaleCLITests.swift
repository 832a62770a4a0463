import EnhanceImaging
import Foundation
import XCTest

/// Drives `enhance upscale` as a user would and checks files and exit codes.
final class UpscaleCLITests: XCTestCase {
    private func writeSample(_ dir: URL, name: String = "in.png", width: Int = 9, height: Int = 7) throws -> String {
        var img = Image(width: width, height: height)
        for c in 0..<3 { for y in 0..<height { for x in 0..<width {
            img[c, y, x] = Float((x * 7 + y * 13 + c * 31) % 17) / 16
        } } }
        let path = dir.appendingPathComponent(name).path
        try ImageFile.write(img, to: path)
        return path
    }

    func testVersionAndHelp() throws {
        let v = try CLI.run(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertTrue(v.stdout.contains("0."), v.stdout)
        let h = try CLI.run(["--help"])
        XCTAssertEqual(h.status, 0)
        for sub in ["upscale", "eval"] { XCTAssertTrue(h.stdout.contains(sub), "help lacks \(sub)") }
    }

    func testBicubicUpscaleWritesScaledPNGAndJPEG() throws {
        let dir = try CLI.tempDir()
        let input = try writeSample(dir)
        for ext in ["png", "jpg"] {
            let out = dir.appendingPathComponent("out.\(ext)").path
            let r = try CLI.run(["upscale", "--method", "bicubic", input, "-o", out, "--scale", "4"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let info = try ImageFile.info(path: out)
            XCTAssertEqual(info.width, 36)
            XCTAssertEqual(info.height, 28)
            XCTAssertEqual(info.format, ext == "png" ? .png : .jpeg)
        }
    }

    /// Network methods record what produced the file, with the same keys the TUI export writes.
    func testBlendUpscaleRecordsMethodAlphaAndModelHashes() throws {
        let dir = try CLI.tempDir()
        let input = try writeSample(dir)
        let fixture = CLI.repoRoot.appendingPathComponent(
            "Tests/EnhanceNetworksTests/Fixtures/msrresnet_x4.weights.safetensors").path
        let out = dir.appendingPathComponent("blend.png").path
        let r = try CLI.run(["upscale", input, "-o", out, "--method", "blend", "--alpha", "0.3",
                             "--psnr-model", fixture, "--gan-model", fixture])
        XCTAssertEqual(r.status, 0, r.stderr)
        let img = try ImageFile.read(path: out)
        XCTAssertEqual(img.width, 36)
        XCTAssertEqual(img.text["enhance:method"], "blend")
        XCTAssertEqual(img.text["enhance:alpha"], "0.30")
        XCTAssertEqual(img.text["enhance:psnr-model"], "msrresnet_x4.weights.safetensors")
        XCTAssertEqual(img.text["enhance:psnr-sha256"]?.count, 64)
        XCTAssertEqual(img.text["enhance:gan-sha256"], img.text["enhance:psnr-sha256"])
        let inspect = try CLI.run(["models", "inspect", out])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("enhance:alpha") && inspect.stdout.contains("0.30"), inspect.stdout)
    }

    /// `upscale IN -o OUT` runs the network: the default pair's PSNR end, as `--help` says.
    func testDefaultMethodIsTheDefaultPairsPSNRNetwork() throws {
        let dir = try CLI.tempDir()
        let input = try writeSample(dir, width: 24, height: 20)
        func run(_ name: String, _ args: [String]) throws -> Data {
            let out = dir.appendingPathComponent(name).path
            let r = try CLI.run(["upscale", input, "-o", out] + args, cwd: dir)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try Data(contentsOf: URL(fileURLWithPath: out))
        }
        let plain = try run("default.png", [])
        XCTAssertEqual(plain, try run("psnr.png", ["--method", "psnr", "--pair", "enhance-x4"]))
        XCTAssertNotEqual(plain, try run("bicubic.png", ["--method", "bicubic"]))
        let text = try ImageFile.read(path: dir.appendingPathComponent("default.png").path).text
        XCTAssertEqual(text["enhance:method"], "psnr")
        XCTAssertEqual(text["enhance:psnr-model"], "enhance-x4-psnr.safetensors")
        let help = try CLI.run(["upscale", "--help"])
        XCTAssertTrue(help.stdout.contains("(default: psnr,"), help.stdout)
    }

    func testUnknownMethodIsRejectedClearly() throws {
        let dir = try CLI.tempDir()
        let input = try writeSample(dir)
        let out = dir.appendingPathComponent("out.png").path
        let r = try CLI.run(["upscale", input, "-o", out, "--method", "lanczos"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("lanczos"), r.stderr)
        XCTAssertTrue(r.stderr.contains("bicubic"), "error should list valid methods: \(r.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testExistingOutputIsNotClobberedWithoutForce() throws {
        let dir = try CLI.tempDir()
        let input = try writeSample(dir)
        let out = dir.appendingPathComponent("keep.png").path
        try Data("precious".utf8).write(to: URL(fileURLWithPath: out))
        let r = try CLI.run(["upscale", "--method", "bicubic", input, "-o", out])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("keep.png"), r.stderr)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), "precious")
        let forced = try CLI.run(["upscale", "--method", "bicubic", input, "-o", out, "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(try ImageFile.info(path: out).width, 36)
    }

    func testUnknownOutputExtensionFailsWithoutLeavingFiles() throws {
        let dir = try CLI.tempDir()
        let input = try writeSample(dir)
        let r = try CLI.run(["upscale", "--method", "bicubic", input, "-o", dir.appendingPathComponent("out.gif").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("out.gif"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["in.png"])
    }

    /// Every file of the malformed corpus: non-zero exit, a one-line error naming the file,
    /// no output file and no temporary left behind.
    func testMalformedCorpusFailsCleanly() throws {
        let corpus = CLI.repoRoot.appendingPathComponent("Tests/EnhanceImagingTests/Fixtures/malformed")
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus.path)
            .filter { !$0.hasPrefix(".") && !$0.hasSuffix(".md") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, 30, "the malformed corpus should have at least 30 files")
        let dir = try CLI.tempDir()
        for name in files {
            let out = dir.appendingPathComponent("out.png").path
            let r = try CLI.run(["upscale", "--method", "bicubic", corpus.appendingPathComponent(name).path, "-o", out])
            XCTAssertNotEqual(r.status, 0, "\(name) was accepted")
            XCTAssertFalse([Int32(134), 139, 132, 136].contains(r.status), "\(name) crashed (status \(r.status))")
            let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: true)
            XCTAssertEqual(lines.count, 1, "\(name): expected one error line, got: \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(name), "\(name): error does not name the file: \(r.stderr)")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "\(name) left files")
        }
    }

    func testDirectoryAndMissingInputs() throws {
        let dir = try CLI.tempDir()
        let out = dir.appendingPathComponent("o.png").path
        for bad in [dir.path, dir.appendingPathComponent("missing.png").path] {
            let r = try CLI.run(["upscale", "--method", "bicubic", bad, "-o", out])
            XCTAssertNotEqual(r.status, 0)
            XCTAssertTrue(r.stderr.contains((bad as NSString).lastPathComponent), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
    }
}
