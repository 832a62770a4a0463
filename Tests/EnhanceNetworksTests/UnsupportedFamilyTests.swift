import EnhanceCheckpoints
import EnhanceNetworks
import Foundation
import XCTest

/// Checkpoints of families Enhance does not run yet (written by the `safetensors` package:
/// scripts/checkpoints/make_family_fixtures.py) are read whole, integer index buffers included,
/// and refused naming their family and the supported ones.
final class UnsupportedFamilyTests: XCTestCase {
    private let supported = "supported: RRDBNet, MSRResNet, SRGAN, SRVGGNetCompact, SPAN, PLKSR, RealPLKSR, "
        + "RealCUGAN, RCAN, SwinIR, HAT, DAT)"

    func testFamiliesAreNamedFromTheirKeys() throws {
        for (file, family) in [("grl", "GRL")] {
            let path = try Fixture.url("families/\(file).safetensors").path
            XCTAssertThrowsError(try ModelInspection.describe(path: path), file) { error in
                XCTAssertEqual("\(error)", "\(file).safetensors: \(family) (not supported yet; \(supported)")
            }
            XCTAssertThrowsError(try ModelLoader.load(path: path), file) { error in
                XCTAssertEqual("\(error)", "\(file).safetensors: \(family) (not supported yet; \(supported)")
            }
        }
    }

    func testIntegerBuffersAreReadAsData() throws {
        // The generator stores arange(64) as int64 [8, 8] under BasicSR's params_ema wrapper.
        let path = try Fixture.url("families/swinir.safetensors").path
        let sd = try Safetensors.read(path: path).stateDict
        let index = try XCTUnwrap(sd["params_ema.layers.0.residual_group.blocks.0.attn.relative_position_index"])
        XCTAssertEqual(index.dtype, .int64)
        XCTAssertEqual(index.shape, [8, 8])
        XCTAssertEqual(index.values, (0..<64).map(Float.init))
        let shapes = try Safetensors.describe(path: path)
        XCTAssertEqual(shapes["params_ema.layers.0.residual_group.blocks.0.attn.relative_position_index"]?.dtype,
                       .int64)
    }
}
