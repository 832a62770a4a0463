import EnhanceImaging
import Foundation
import XCTest

/// `enhance models list` and `--pair NAME`, checked against hashes from `sha256sum` and against
/// metrics computed in closed form here, never against our own code.
final class PairCLITests: XCTestCase {
    private var models: URL { CLI.repoRoot.appendingPathComponent("Models") }

    /// A model folder holding pair `zz`: the bundled pair with its ends swapped (zz's PSNR end is
    /// the bundled GAN file), so a run that ignored `--pair zz` would print different numbers.
    private func swappedPairFolder() throws -> URL {
        let dir = try CLI.tempDir()
        let fm = FileManager.default
        try fm.copyItem(at: models.appendingPathComponent("enhance-x4-gan.safetensors"),
                        to: dir.appendingPathComponent("zz-psnr.safetensors"))
        try fm.copyItem(at: models.appendingPathComponent("enhance-x4-psnr.safetensors"),
                        to: dir.appendingPathComponent("zz-gan.safetensors"))
        return dir
    }

    func testModelsListPrintsOneLinePerPairWithItsFilesAndHashes() throws {
        let dir = try swappedPairFolder()
        let r = try CLI.run(["models", "list"], cwd: dir, env: ["ENHANCE_MODELS": dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        // zz, and each pair bundled in Models/ (NAME-psnr + NAME-gan files), one line each.
        let bundledPairs = try FileManager.default.contentsOfDirectory(atPath: models.path)
            .filter { $0.hasSuffix("-psnr.safetensors") }.count
        XCTAssertEqual(lines.count, 1 + bundledPairs, r.stdout)
        let zz = try XCTUnwrap(lines.first { $0.hasPrefix("zz ") }, r.stdout)
        let bundled = try XCTUnwrap(lines.first { $0.hasPrefix("enhance-x4 ") }, r.stdout)
        for (line, folder, name) in [(zz, dir.path, "zz"), (bundled, models.path, "enhance-x4")] {
            XCTAssertTrue(line.contains("MSRResNet x4"), line)
            XCTAssertTrue(line.contains("0.49 M MACs/px"), line)  // 493,920 in Models/README.md
            let psnr = "\(folder)/\(name)-psnr.safetensors", gan = "\(folder)/\(name)-gan.safetensors"
            let expected = "psnr \(psnr) sha256 \(try CLI.sha256sum(psnr).prefix(16))"
                + "  gan \(gan) sha256 \(try CLI.sha256sum(gan).prefix(16))"
            XCTAssertTrue(line.contains(expected), "\(line)\nlacks\n\(expected)")
        }
        XCTAssertTrue(bundled.hasSuffix("(default)"), bundled)
        XCTAssertFalse(zz.contains("(default)"), zz)
    }

    func testPairSelectsTheNamedPairInEval() throws {
        let dir = try swappedPairFolder()
        let set = try CLI.tempDir()
        var img = Image(width: 40, height: 32)
        for c in 0..<3 { for y in 0..<32 { for x in 0..<40 {
            img[c, y, x] = 0.5 + 0.4 * sin(Float(x) / 3 + Float(y) / 5 + Float(c))
        } } }
        try ImageFile.write(img, to: set.appendingPathComponent("a.png").path)
        let env = ["ENHANCE_MODELS": dir.path]
        func average(_ args: [String]) throws -> String {
            let r = try CLI.run(["eval", "--set", set.path] + args, cwd: dir, env: env)
            XCTAssertEqual(r.status, 0, r.stderr)
            return try XCTUnwrap(r.stdout.split(separator: "\n").first { $0.hasPrefix("average") }.map(String.init))
        }
        let zzPSNR = try average(["--method", "psnr", "--pair", "zz"])
        XCTAssertEqual(zzPSNR, try average(["--method", "gan"]))
        XCTAssertEqual(try average(["--method", "psnr", "--pair", "enhance-x4"]), try average(["--method", "psnr"]))
        XCTAssertNotEqual(zzPSNR, try average(["--method", "psnr"]))
    }

    func testUnknownPairIsOneLineNamingThePairsAvailable() throws {
        let dir = try swappedPairFolder()
        let input = dir.appendingPathComponent("in.png").path
        try ImageFile.write(Image(width: 8, height: 8), to: input)
        for args in [["upscale", input, "-o", dir.appendingPathComponent("o.png").path, "--pair", "nope"],
                     ["eval", "--set", dir.path, "--method", "psnr", "--pair", "nope"]] {
            let r = try CLI.run(args, cwd: dir, env: ["ENHANCE_MODELS": dir.path])
            XCTAssertNotEqual(r.status, 0)
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("'nope'") && r.stderr.contains("zz") && r.stderr.contains("enhance-x4"),
                          r.stderr)
        }
        let both = try CLI.run(["upscale", input, "-o", dir.appendingPathComponent("o.png").path, "--pair", "zz",
                                "--psnr-model", input], cwd: dir)
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.stderr.contains("--pair"), both.stderr)
    }

    /// With `--lr`, the given LR is upscaled instead of the bicubic downscale. A constant LR
    /// upscales (normalised bicubic weights) to the same constant, so PSNR/SSIM have closed forms.
    func testEvalUsesTheGivenLRImages() throws {
        let hrDir = try CLI.tempDir(), lrDir = try CLI.tempDir()
        func constant(_ w: Int, _ h: Int, _ rgb: [Float]) -> Image {
            var img = Image(width: w, height: h)
            for c in 0..<3 { for y in 0..<h { for x in 0..<w { img[c, y, x] = rgb[c] / 255 } } }
            return img
        }
        try ImageFile.write(constant(48, 40, [200, 100, 50]), to: hrDir.appendingPathComponent("k.png").path)
        try ImageFile.write(constant(12, 10, [190, 110, 40]), to: lrDir.appendingPathComponent("k.png").path)
        let r = try CLI.run(["eval", "--set", hrDir.path, "--lr", lrDir.path, "--method", "bicubic"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let row = try XCTUnwrap(r.stdout.split(separator: "\n").map(String.init).first { $0.hasPrefix("k ") }, r.stdout)
        let numbers = row.split(separator: " ").dropFirst().compactMap { Double($0) }
        let y = { (p: [Double]) in 16 + (65.481 * p[0] + 128.553 * p[1] + 24.966 * p[2]) / 255 }
        let (ya, yb) = (y([190, 110, 40]), y([200, 100, 50]))
        let psnr = 20 * log10(255 / abs(ya - yb))
        let c1 = pow(0.01 * 255, 2.0)
        let ssim = (2 * ya * yb + c1) / (ya * ya + yb * yb + c1)
        XCTAssertEqual(numbers.count, 3, row)
        XCTAssertEqual(numbers[0], psnr, accuracy: 0.006, row)
        XCTAssertEqual(numbers[1], ssim, accuracy: 0.00006, row)

        let badDir = try CLI.tempDir()
        try ImageFile.write(constant(11, 10, [0, 0, 0]), to: badDir.appendingPathComponent("k.png").path)
        let bad = try CLI.run(["eval", "--set", hrDir.path, "--lr", badDir.path])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("expected 12×10"), bad.stderr)
    }
}
