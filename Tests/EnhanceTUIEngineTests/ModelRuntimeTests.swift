import EnhanceNetworks
import EnhanceTUI
import EnhanceTUIEngine
import Foundation
import XCTest

/// The engine tells the status line how each loaded ONNX file runs (``ModelInfo/runtime``).
final class ModelRuntimeTests: XCTestCase {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("EnhanceONNXTests/Fixtures").path

    func testEngineReportsNativeAndGraphRuntimes() throws {
        let native = try ModelLoader.load(path: fixtures + "/esrgan_x4_o17_dyn_renamed.onnx")
        let other = try ModelLoader.load(path: fixtures + "/esrgan_x4_o17_dyn_flipped.onnx")
        let pair = try UpscalerEngine(psnr: native, gan: other)
        XCTAssertEqual(pair.modelRuntimes.psnr, "onnx → RRDBNet native")
        XCTAssertEqual(pair.modelRuntimes.gan, "onnx → RRDBNet native")
        let graph = try ModelLoader.load(path: fixtures + "/esrgan_x4_o17_dyn_bilinear.onnx")
        let single = try UpscalerEngine(psnr: graph, gan: nil)
        XCTAssertEqual(single.modelRuntimes.psnr, "onnx graph")
        XCTAssertEqual(single.modelRuntimes.gan, "")
    }
}
