import Foundation
import XCTest

/// `enhance interpolate` keeps the inputs' element types unless `--dtype` says otherwise; the
/// written header is read here with JSONSerialization, not with Enhance's reader.
final class InterpolateCLITests: XCTestCase {
    /// `name → dtype` of a safetensors file's header.
    private func dtypes(_ path: String) throws -> [String: String] {
        let handle = try XCTUnwrap(FileHandle(forReadingAtPath: path))
        defer { try? handle.close() }
        let n = handle.readData(ofLength: 8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: handle.readData(ofLength: Int(n)))
                                   as? [String: Any])
        var out: [String: String] = [:]
        for (k, v) in header where k != "__metadata__" { out[k] = (v as? [String: Any])?["dtype"] as? String }
        return out
    }

    private func size(_ path: String) throws -> Int {
        try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }

    func testHalfPrecisionInputsGiveHalfPrecisionOutput() throws {
        // The bundled RRDBNet pair stores its weights as F16 (and a few tensors as F32).
        let models = CLI.repoRoot.appendingPathComponent("Models")
        let a = models.appendingPathComponent("enhance-rrdb-x4-psnr.safetensors").path
        let b = models.appendingPathComponent("enhance-rrdb-x4-gan.safetensors").path
        let inTypes = try dtypes(a)
        XCTAssertEqual(inTypes, try dtypes(b))
        XCTAssertTrue(inTypes.values.contains("F16"))
        let dir = try CLI.tempDir()
        let out = dir.appendingPathComponent("c.safetensors").path
        let r = try CLI.run(["interpolate", a, b, "--alpha", "0.8", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try dtypes(out), inTypes)
        XCTAssertLessThan(try size(out), try size(a) + 64 * 1024, "output larger than its inputs")

        let f32 = dir.appendingPathComponent("f32.safetensors").path
        let forced = try CLI.run(["interpolate", a, b, "--alpha", "0.8", "-o", f32, "--dtype", "f32"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertEqual(Set(try dtypes(f32).values), ["F32"])
        let bad = try CLI.run(["interpolate", a, b, "--alpha", "0.8", "-o", f32, "--dtype", "I64"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--dtype must be F32, F16 or BF16"), bad.stderr)
    }
}
