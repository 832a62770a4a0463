import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// DAT against spandrel + PyTorch (scripts/oracles/spandrel_cases/dat.py): DAT-like (expansion 4,
/// split 2 × 4, two groups with both shift rules, a group of one block), DAT-S/DAT-2-like (expansion
/// 2, split 4 × 8), DAT-light-like (pixelshuffledirect, 3conv, no qkv bias), ×2/×3/×4, inputs that
/// need the reference's zero padding of `qkv`; read from safetensors (the int64 index buffers
/// included) and from the `.pth` PyTorch writes.
final class DATTests: XCTestCase {
    /// Fixture, scale, integer hyper-parameters and settings the shapes must give.
    private let cases: [(String, Int, [String: Int], [String: String])] = [
        ("dat_x4", 4, ["embed_dim": 32, "img_size": 16, "qkv_bias": 1, "num_feat": 8],
         ["depth": "3,1", "num_heads": "2,4", "split_size": "2,4", "expansion_factor": "4",
          "upsampler": "pixelshuffle", "resi_connection": "1conv"]),
        ("dat_s_x2", 2, ["embed_dim": 32, "num_feat": 8], ["depth": "3", "split_size": "4,8", "expansion_factor": "2"]),
        ("dat_light_x3", 3, ["embed_dim": 32, "qkv_bias": 0],
         ["depth": "3", "num_heads": "4", "upsampler": "pixelshuffledirect", "resi_connection": "3conv"]),
    ]

    private let pool = ThreadPool(threads: 2)

    private func model(_ name: String) throws -> LoadedModel {
        try LoadedModel(stateDict: Fixture.safetensors(name + ".weights.safetensors"), name: name)
    }

    func testEveryVariantMatchesSpandrelFromSafetensorsAndPth() throws {
        for (name, scale, params, settings) in cases {
            let (x, expected) = try Fixture.io(name)
            for ext in ["weights.safetensors", "pth"] {
                let m = try ModelLoader.load(path: try Fixture.url("\(name).\(ext)").path)
                let d = m.detected.modelDescription
                XCTAssertEqual(d.family, "DAT", name)
                XCTAssertEqual(d.scale, scale, name)
                XCTAssertEqual(d.keyLayout, "DAT", name)
                for (k, v) in params { XCTAssertEqual(d.hyperParameter(k), v, "\(name) \(k)") }
                for (k, v) in settings { XCTAssertEqual(d.settings.first { $0.name == k }?.value, v, "\(name) \(k)") }
                let y = try m.network.forward(x, pool: pool, cancel: nil)
                XCTAssertEqual([y.channels, y.height, y.width], [3, x.height * scale, x.width * scale], name)
                let err = PLKSRTests.errorOverRange(y, expected), levels = PLKSRTests.maxLevelDifference(y, expected)
                print("\(name).\(ext): max error \(err) of the output range vs spandrel, \(levels)/255 in 8 bits")
                XCTAssertLessThan(err, 1e-4, "\(name).\(ext)")
                XCTAssertLessThanOrEqual(levels, 1, "\(name).\(ext)")
            }
        }
    }

    /// The parameter count is PyTorch's (the fixture script stores it): `rpe_biases`,
    /// `relative_position_index` and the masks are buffers, not parameters.
    func testParameterCountIsPyTorchs() throws {
        for name in cases.map(\.0) {
            let io = try Fixture.safetensors(name + ".io.safetensors")
            let want = try XCTUnwrap(io["parameters"]?.values.first, name)
            let path = try Fixture.url(name + ".weights.safetensors").path
            XCTAssertEqual(Float(try ModelInspection.describe(path: path).info.parameterCount), want, name)
            XCTAssertEqual(Float(try ModelLoader.load(path: path).info.parameterCount), want, name)
        }
    }
}
