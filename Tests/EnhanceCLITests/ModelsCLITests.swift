import Foundation
import XCTest

/// `enhance models list` and `models inspect` with bad files among good ones: every file and pair
/// is reported, failures one line each naming the file, hashes checked against `sha256sum`.
final class ModelsCLITests: XCTestCase {
    private var models: URL { CLI.repoRoot.appendingPathComponent("Models") }
    private var families: URL { CLI.repoRoot.appendingPathComponent("Tests/EnhanceNetworksTests/Fixtures/families") }

    /// A model folder with a pair whose PSNR end is not a checkpoint and a pair of two different
    /// architectures (the bundled MSRResNet PSNR end with the bundled RRDBNet GAN end).
    private func badPairsFolder() throws -> URL {
        let dir = try CLI.tempDir()
        let fm = FileManager.default
        try Data("not a checkpoint at all\n".utf8).write(to: dir.appendingPathComponent("broken-psnr.safetensors"))
        try fm.createSymbolicLink(at: dir.appendingPathComponent("broken-gan.safetensors"),
                                  withDestinationURL: models.appendingPathComponent("enhance-x4-gan.safetensors"))
        try fm.createSymbolicLink(at: dir.appendingPathComponent("mixed-psnr.safetensors"),
                                  withDestinationURL: models.appendingPathComponent("enhance-x4-psnr.safetensors"))
        try fm.createSymbolicLink(at: dir.appendingPathComponent("mixed-gan.safetensors"),
                                  withDestinationURL: models.appendingPathComponent("enhance-rrdb-x4-gan.safetensors"))
        return dir
    }

    func testModelsListShowsEveryPairAndMarksTheBadOnes() throws {
        let dir = try badPairsFolder()
        let r = try CLI.run(["models", "list"], cwd: dir, env: ["ENHANCE_MODELS": dir.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        func line(_ name: String) throws -> String {
            try XCTUnwrap(lines.first { $0.hasPrefix(name + "  ") }, r.stdout)
        }
        let broken = try line("broken"), mixed = try line("mixed")
        XCTAssertTrue(broken.hasPrefix("broken  not usable: "), broken)
        XCTAssertTrue(broken.contains("/broken-psnr.safetensors: "), broken)  // the file and what is wrong with it
        XCTAssertTrue(mixed.hasPrefix("mixed  not usable: "), mixed)
        XCTAssertTrue(mixed.contains("cannot blend MSRResNet with RRDBNet"), mixed)
        for bad in [broken, mixed] { XCTAssertFalse(bad.contains("MACs/px"), bad) }
        // The bundled pairs are still listed, with their figures and hashes.
        for name in ["enhance-x4", "enhance-rrdb-x4"] {
            let good = try line(name)
            let psnr = models.appendingPathComponent("\(name)-psnr.safetensors").path
            XCTAssertTrue(good.contains("MACs/px"), good)
            XCTAssertTrue(good.contains("sha256 \(try CLI.sha256sum(psnr).prefix(16))"), good)
        }
        XCTAssertEqual(lines.count, 4, r.stdout)
    }

    func testInspectDescribesEveryFileAndReportsEachFailure() throws {
        // `enhance models inspect Models/*`: checkpoints among a licence, a README, images and a folder.
        let names = try FileManager.default.contentsOfDirectory(atPath: models.path).sorted()
        let checkpoints = names.filter { $0.hasSuffix(".safetensors") }
        XCTAssertEqual(checkpoints.count, 4, "\(names)")
        let r = try CLI.run(["models", "inspect"] + names.map { "Models/\($0)" }, cwd: CLI.repoRoot)
        XCTAssertEqual(r.status, 1, r.stderr)
        for name in checkpoints {
            let blocks = r.stdout.components(separatedBy: "\n\n")
            let block = try XCTUnwrap(blocks.first { $0.hasPrefix("Models/\(name)\n") },
                                      "\(name) not described:\n\(r.stdout)")
            let sha = try CLI.sha256sum(models.appendingPathComponent(name).path)
            XCTAssertTrue(block.contains("sha256                \(sha)"), block)
        }
        let errors = r.stderr.split(separator: "\n").map(String.init)
        let failed = names.filter { !checkpoints.contains($0) }
        XCTAssertEqual(errors.count, failed.count + 1, r.stderr)
        for (name, line) in zip(failed, errors) {
            XCTAssertTrue(line.hasPrefix("Error: Models/\(name): "), line)
        }
        XCTAssertEqual(errors.last, "Error: \(failed.count) of \(names.count) files could not be described")
    }

    func testUnsupportedFamilyIsNamed() throws {
        for (file, family) in [("grl", "GRL")] {
            let path = families.appendingPathComponent("\(file).safetensors").path
            let r = try CLI.run(["models", "inspect", path])
            XCTAssertEqual(r.status, 1)
            XCTAssertEqual(r.stderr, "Error: \(path): \(family) (not supported yet; supported: RRDBNet, MSRResNet, "
                           + "SRGAN, SRVGGNetCompact, SPAN, PLKSR, RealPLKSR, RealCUGAN, RCAN, SwinIR, HAT, DAT)\n")
        }
    }
}
