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

    /// The load need `models inspect` prints is what loading and running the model costs: the hand
    /// count (the files, 4 bytes per float32 parameter, and the prepared kernels: 64 floats per 3×3
    /// weight pair in the channel-packed trunk, 36 in the CHW first and last convs), and the peak
    /// RSS of `upscale` on a small image (the ncnn oracle's input; activations a few MB) within 12 % of it above the
    /// process's own floor.
    func testLoadNeedIsTheMeasuredPeakOfAnUpscale() throws {
        guard let shared = CLI.shared else { throw XCTSkip("../shared absent: the real ncnn model is not available") }
        let dir = shared.appendingPathComponent("weights/realesrgan-x4plus-ncnn")
        let param = dir.appendingPathComponent("realesrgan-x4plus.param").path
        let bin = dir.appendingPathComponent("realesrgan-x4plus.bin").path
        guard FileManager.default.fileExists(atPath: param) else { throw XCTSkip("\(param) absent") }
        let size = { (p: String) throws -> Int in
            try XCTUnwrap(FileManager.default.attributesOfItem(atPath: p)[.size] as? Int)
        }
        let nf = 64, gc = 32, blocks = 23, parameters = 16_697_987
        let dense = (0..<5).reduce(0) { $0 + (nf + $1 * gc) * ($1 == 4 ? nf : gc) }
        let kernels = 4 * (64 * (blocks * 3 * dense + 4 * nf * nf) + 36 * (3 * nf + nf * 3))
        let need = try size(param) + size(bin) + 4 * parameters + kernels
        let inspect = try CLI.run(["models", "inspect", param])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("load need             \(LoadBudgetText.format(need))"), inspect.stdout)

        let tmp = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let crop = CLI.repoRoot.path + "/Tests/EnhanceNetworksTests/Fixtures/ncnn_x4_input.png"
        let out = tmp.appendingPathComponent("out.png").path
        let floor = try Measured.run(["upscale", "--method", "bicubic", crop, "-o", out])
        let run = try Measured.run(["upscale", "--model", param, crop, "-o", out + ".x4.png"])
        XCTAssertEqual(run.result.status, 0, run.result.stderr)
        let used = (run.maxRSSKiB - floor.maxRSSKiB) * 1024
        print("load need \(need) bytes; upscale peak \(run.summary), floor \(floor.maxRSSKiB) KiB: "
              + String(format: "%.2f× the need", Double(used) / Double(need)))
        if !Measured.sanitized {
            XCTAssertEqual(Double(used), Double(need), accuracy: 0.12 * Double(need))
        }
    }
}

/// `LoadBudget.format` as the CLI prints it ("575.04 MB (575040000 bytes)"), written again here
/// from its documented form so the test does not call the code under test.
enum LoadBudgetText {
    static func format(_ bytes: Int) -> String {
        for (unit, name) in [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")] where Double(bytes) >= unit {
            return String(format: "%.2f %@ (%d bytes)", Double(bytes) / unit, name, bytes)
        }
        return "\(bytes) bytes"
    }
}
