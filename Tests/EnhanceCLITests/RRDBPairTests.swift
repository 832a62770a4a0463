import EnhanceImaging
import Foundation
import XCTest

/// The bundled RRDB pair `enhance-rrdb-x4` (Models/), through the shipped binary: listed and
/// hashed as its model card says (hashes from `sha256sum`), detected as RRDBNet-23, its GAN end
/// equal to ncnn's RealESRGAN_x4plus output (scripts/oracles/make_ncnn_fixture.py), and its
/// blend equal to the same α blended independently (scripts/tests/blend_safetensors.py).
final class RRDBPairTests: XCTestCase {
    private let pair = "enhance-rrdb-x4"
    private var models: URL { CLI.repoRoot.appendingPathComponent("Models") }
    private func end(_ stage: String) -> String {
        models.appendingPathComponent("\(pair)-\(stage).safetensors").path
    }
    /// This test's scratch folder (outputs and the oracle's 67 MB blended checkpoint), removed after it.
    private var dir: URL!

    override func setUpWithError() throws { dir = try CLI.tempDir() }
    override func tearDownWithError() throws { try FileManager.default.removeItem(at: dir) }

    private func fixture(_ name: String) -> String {
        CLI.repoRoot.appendingPathComponent("Tests/EnhanceNetworksTests/Fixtures/\(name)").path
    }

    /// Fraction of equal 8-bit values and the largest difference (in 1/255) of two same-size images.
    private func agreement(_ a: Image, _ b: Image) -> (equal: Double, worst: Int) {
        XCTAssertEqual([a.width, a.height, a.channelCount], [b.width, b.height, b.channelCount])
        var equal = 0, worst = 0
        for (x, y) in zip(a.pixels, b.pixels) {
            let d = abs(Int((x * 255).rounded()) - Int((y * 255).rounded()))
            equal += d == 0 ? 1 : 0
            worst = max(worst, d)
        }
        return (Double(equal) / Double(max(1, a.pixels.count)), worst)
    }

    /// `enhance upscale INPUT` with `args`, read back.
    private func upscale(_ input: String, _ args: [String]) throws -> Image {
        let out = dir.appendingPathComponent("out-\(UUID().uuidString).png").path
        let r = try CLI.run(["upscale", input, "-o", out, "--threads", "2"] + args)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try ImageFile.read(path: out)
    }

    func testPairIsListedDetectedAndHashedAsItsCardSays() throws {
        let list = try CLI.run(["models", "list"])
        XCTAssertEqual(list.status, 0, list.stderr)
        let line = try XCTUnwrap(list.stdout.split(separator: "\n").map(String.init)
            .first { $0.hasPrefix("\(pair) ") }, list.stdout)
        XCTAssertTrue(line.contains("RRDBNet x4") && line.contains("17.93 M MACs/px"), line)
        XCTAssertFalse(line.hasSuffix("(default)"), "the small pair stays the default: \(line)")
        let card = try String(contentsOfFile: models.appendingPathComponent("README.md").path, encoding: .utf8)
        for stage in ["psnr", "gan"] {
            let sha = try CLI.sha256sum(end(stage))
            XCTAssertTrue(line.contains("\(stage) \(end(stage)) sha256 \(sha.prefix(16))"), line)
            XCTAssertTrue(card.split(separator: "\n").contains {
                $0.contains("`\(pair)-\(stage).safetensors`") && $0.contains(sha)
            }, "Models/README.md names \(pair)-\(stage).safetensors with sha256 \(sha)")
            let inspect = try CLI.run(["models", "inspect", end(stage)])
            XCTAssertEqual(inspect.status, 0, inspect.stderr)
            let rows = Dictionary(inspect.stdout.split(separator: "\n").compactMap { row -> (String, String)? in
                let parts = row.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                return parts.count >= 2 ? (parts.dropLast().joined(separator: " "), parts.last!) : nil
            }, uniquingKeysWith: { a, _ in a })
            XCTAssertEqual(rows["architecture"], "RRDBNet", inspect.stdout)
            XCTAssertEqual(rows["scale"], "×4", inspect.stdout)
            XCTAssertEqual(rows["blocks"], "23", inspect.stdout)
            XCTAssertEqual(rows["num_feat"], "64", inspect.stdout)
            XCTAssertEqual(rows["num_grow_ch"], "32", inspect.stdout)
            XCTAssertEqual(rows["parameters"], "16697987", inspect.stdout)  // published RealESRGAN_x4plus
        }
    }

    /// The GAN end is RealESRGAN_x4plus stored losslessly (its ncnn fp16 weights): its ×4 of the
    /// ncnn fixture equals ncnn's own output on ≥ 99.9 % of 8-bit values, max 2/255, as the
    /// ncnn checkpoint itself does (SharedWeightsTests).
    func testGANEndEqualsNCNNRealESRGANx4plus() throws {
        let out = try upscale(fixture("ncnn_x4_input.png"), ["--pair", pair, "--method", "gan"])
        let a = agreement(out, try ImageFile.read(path: fixture("ncnn_x4_output.png")))
        print(String(format: "GAN end vs ncnn: %.4f%% equal, max %d/255", a.equal * 100, a.worst))
        XCTAssertGreaterThanOrEqual(a.equal, 0.999)
        XCTAssertLessThanOrEqual(a.worst, 2)
    }

    /// `--method blend --alpha 0.3` equals the checkpoint blended by the pure-Python oracle and run
    /// as a single model, and differs clearly from both ends (so an ignored α would fail).
    func testBlendEqualsIndependentlyBlendedWeights() throws {
        guard let python = CLI.tool("python3") else { throw XCTSkip("python3 is missing (the blend oracle)") }
        let blended = dir.appendingPathComponent("blend.safetensors").path
        let script = CLI.repoRoot.appendingPathComponent("scripts/tests/blend_safetensors.py").path
        let r = try CLI.run(executable: python, [script, end("psnr"), end("gan"), "0.3", blended])
        XCTAssertEqual(r.status, 0, r.stderr)
        let input = fixture("ncnn_x4_input.png")
        let ours = try upscale(input, ["--pair", pair, "--method", "blend", "--alpha", "0.3"])
        let a = agreement(ours, try upscale(input, ["--model", blended]))
        print(String(format: "blend α=0.3 vs oracle-blended weights: %.4f%% equal, max %d/255",
                     a.equal * 100, a.worst))
        XCTAssertGreaterThanOrEqual(a.equal, 0.999)
        XCTAssertLessThanOrEqual(a.worst, 1)
        for stage in ["psnr", "gan"] {
            let other = agreement(ours, try upscale(input, ["--pair", pair, "--method", stage]))
            XCTAssertLessThan(other.equal, 0.9, "α = 0.3 should differ from the \(stage) end")
        }
    }
}
