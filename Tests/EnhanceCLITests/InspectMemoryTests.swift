import Foundation
import XCTest

/// `models inspect` of a normal, within-budget checkpoint reads its headers only: its memory stays
/// far below the tensors' size (a load decodes them to float32 and prepares them, hundreds of MB).
final class InspectMemoryTests: XCTestCase {
    /// RealESRGAN_x4plus as ncnn (../shared/weights/realesrgan-x4plus-ncnn): 33.4 MB of fp16 weights
    /// that decode to 66.8 MB of float32. Its rows are checked against counts made by hand from the
    /// published architecture (nf 64, gc 32, 23 RRDBs) and hashlib's digest of the .bin.
    func testRealNcnnIsInspectedInMemoryFarBelowItsWeights() throws {
        guard let shared = CLI.shared else { throw XCTSkip("../shared absent: the real ncnn model is not available") }
        let dir = shared.appendingPathComponent("weights/realesrgan-x4plus-ncnn")
        let param = dir.appendingPathComponent("realesrgan-x4plus.param").path
        let bin = dir.appendingPathComponent("realesrgan-x4plus.bin").path
        guard FileManager.default.fileExists(atPath: param) else { throw XCTSkip("\(param) absent") }
        let binSize = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: bin)[.size] as? Int)

        // The process's own floor: inspecting a 20 kB fixture.
        let fixture = "/Tests/EnhanceNetworksTests/Fixtures/msrresnet_x4.weights.safetensors"
        let tiny = try Measured.run(["models", "inspect", CLI.repoRoot.path + fixture])
        XCTAssertEqual(tiny.result.status, 0, tiny.result.stderr)
        let real = try Measured.run(["models", "inspect", param])
        XCTAssertEqual(real.result.status, 0, real.result.stderr)
        let out = real.result.stdout
        let nf = 64.0, gc = 32.0, blocks = 23.0
        let rdb = gc * (nf + (nf + gc) + (nf + 2 * gc) + (nf + 3 * gc)) + nf * (nf + 4 * gc)
        let macs = 9 * (3 * nf + blocks * 3 * rdb + nf * nf * (1 + 4 + 16 + 16) + 16 * 3 * nf)
        // Weights plus biases of every conv: 16 697 987 (the published RealESRGAN_x4plus count).
        let rdbParameters = 9 * rdb + 4 * gc + nf
        let parameters = Int(9 * 3 * nf + nf + blocks * 3 * rdbParameters + 4 * (9 * nf * nf + nf) + 9 * 3 * nf + 3)
        XCTAssertEqual(parameters, 16_697_987)
        let rows = [("architecture", "RRDBNet"), ("num_feat", "64"), ("blocks", "23"), ("num_grow_ch", "32"),
                    ("parameters", "\(parameters)"), ("MACs / input pixel", String(format: "%.3f M", macs / 1e6)),
                    ("dtype", "F16+F32"), ("format", "ncnn"), ("sha256", try CLI.pythonSHA256(bin))]
        for (label, value) in rows {
            XCTAssertTrue(out.contains("  " + label.padding(toLength: 22, withPad: " ", startingAt: 0) + value), out)
        }
        let extraKiB = real.maxRSSKiB - tiny.maxRSSKiB
        print("inspect of RealESRGAN_x4plus ncnn: \(real.summary); floor (20 kB fixture) \(tiny.maxRSSKiB) KiB; "
              + "extra \(extraKiB) KiB for a \(binSize)-byte .bin")
        if !Measured.sanitized {  // shadow memory inflates an instrumented binary's RSS
            XCTAssertLessThan(extraKiB * 1024, binSize / 2, "inspect must not read the weights")
        }
    }
}
