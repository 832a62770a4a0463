import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// The native fast path (issue 25): PyTorch exports of spandrel's families run as those families,
/// recognised by the initializers' names or, where the exporter or a tool renamed them, by the
/// graph's structure; each against onnxruntime's output for the same file
/// (scripts/oracles/make_onnx_fixtures.py). Files whose forward pass is not the family's keep
/// running as their graph.
final class ONNXNativeTests: XCTestCase {
    /// What a load of the file decided and why (``ModelInfo/runtimeReason``).
    static func runsAs(_ name: String) throws -> String {
        try ModelLoader.load(path: ONNXReaderTests.path("\(name).onnx")).info.runtimeReason ?? "(none)"
    }

    /// `models inspect` reads no weights: its `runs as` row says what a load will try, from the names.
    func testInspectSaysWhatALoadWillTry() throws {
        func row(_ name: String) throws -> String {
            let rows = Dictionary(try ModelInspection.rows(path: ONNXReaderTests.path("\(name).onnx")),
                                  uniquingKeysWith: { a, _ in a })
            return rows["runs as"] ?? "(no row)"
        }
        XCTAssertTrue(try row("esrgan_x4_o17_dyn").hasPrefix("RRDBNet natively when a load's probe equals"))
        XCTAssertTrue(try row("esrgan_x4_o17_dyn_renamed").hasPrefix("decided at load"))
    }

    /// Loads `name`, checks it runs natively as `family`, recognised as `how` says, and equals
    /// onnxruntime within `tolerance` of the output range (the families' Winograd F(6×6) kernels
    /// round more coarsely than onnxruntime's; float16 files are computed in float16 there).
    func assertNative(_ name: String, _ family: String, byStructure: Bool, tolerance: Float = 1e-3,
                      file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try ModelLoader.load(path: ONNXReaderTests.path("\(name).onnx"))
        XCTAssertEqual(model.info.sourceFormat, "onnx, run natively as \(family)", name, file: file, line: line)
        XCTAssertEqual(model.info.architecture, family, name, file: file, line: line)
        XCTAssertEqual(model.info.runtime, "onnx → \(family) native", name, file: file, line: line)
        let (x, want) = try ONNXProgramTests.io(name)
        let y = try model.network.forward(x, pool: ThreadPool(threads: 2), cancel: nil)
        let (err, range) = ONNXModelTests.maxError(y, want)
        XCTAssertLessThanOrEqual(err, tolerance * range, name, file: file, line: line)
        let row = try Self.runsAs(name)
        let how = byStructure ? "recognised by structure" : "recognised by the initializers' names"
        XCTAssertTrue(row.hasPrefix("\(family) natively, \(how)"), "\(name): \(row)", file: file, line: line)
        XCTAssertTrue(row.contains("equals the graph on a "), "\(name): \(row)", file: file, line: line)
    }

    func testExportsKeepingTheirNamesRunNatively() throws {
        try assertNative("rcan_x2_o17_dyn", "RCAN", byStructure: false)
        // spandrel's ESRGAN class: the original repository's key layout, converted.
        try assertNative("esrgan_x4_o17_dyn", "RRDBNet", byStructure: false)
    }

    /// PyTorch's own exports rename some parameters: a PReLU's slopes (`onnx::PRelu_32`, reshaped),
    /// a Linear's weight (transposed into `onnx::MatMul_540`), a Swin attention's position-bias
    /// table (gathered into one `[1, heads, N, N]` constant), a norm's affine (`onnx::Mul_262`);
    /// SPAN keeps only the fused convolution of each re-parameterised block.
    func testPyTorchExportsRunNativelyByStructure() throws {
        try assertNative("compact_x4_o17_dyn", "SRVGGNetCompact", byStructure: true)
        try assertNative("compact_x4_o13_static", "SRVGGNetCompact", byStructure: true)
        try assertNative("compact_x4_o17_fp16", "SRVGGNetCompact", byStructure: true, tolerance: 4e-3)
        try assertNative("span_x4_o17_dyn", "SPAN", byStructure: true)
        try assertNative("realplksr_x4_o17_dyn", "RealPLKSR", byStructure: true)
        try assertNative("realplksr_ln_x4_o13_static", "RealPLKSR", byStructure: true)
        try assertNative("swinir_x2_o17_static", "SwinIR", byStructure: true)
        try assertNative("swinir_x2_o13_static", "SwinIR", byStructure: true)
    }

    /// Every initializer renamed `onnx::W_<i>`: the keys come from the nodes' module scopes.
    func testRenamedInitializersRunNativelyByStructure() throws {
        try assertNative("esrgan_x4_o17_dyn_renamed", "RRDBNet", byStructure: true)
        try assertNative("span_x4_o17_dyn_renamed", "SPAN", byStructure: true)
        try assertNative("swinir_x2_o17_static_renamed", "SwinIR", byStructure: true)
        XCTAssertTrue(try Self.runsAs("swinir_x2_o17_static_renamed").contains("position-bias tables"))
    }

    /// Renamed, and one dense block's nodes without names: its ten parameters are placed by position.
    func testParametersWithoutScopesArePlacedByPosition() throws {
        try assertNative("esrgan_x4_o17_dyn_noscope", "RRDBNet", byStructure: true)
        XCTAssertTrue(try Self.runsAs("esrgan_x4_o17_dyn_noscope").contains("10 by position"))
    }

    /// Renamed with one weight negated: other weights, the same forward pass; the native network
    /// reads the file's weights, so it equals onnxruntime on this file (not on the original).
    func testOtherWeightsRunNatively() throws {
        try assertNative("esrgan_x4_o17_dyn_flipped", "RRDBNet", byStructure: true)
        let (_, original) = try ONNXProgramTests.io("esrgan_x4_o17_dyn_renamed")
        let (_, flipped) = try ONNXProgramTests.io("esrgan_x4_o17_dyn_flipped")
        XCTAssertNotEqual(original.values, flipped.values)
    }

    /// Renamed files whose forward pass differs from the family's (nearest upsampling made bilinear;
    /// a Mul by 1.25 after a convolution): recognised, refused by the probe, run as their graph, as
    /// onnxruntime.
    func testAlteredExportsRunAsTheirGraph() throws {
        for (name, family) in [("esrgan_x4_o17_dyn_bilinear", "RRDBNet"), ("swinir_x2_o17_static_extra", "SwinIR")] {
            let model = try ModelLoader.load(path: ONNXReaderTests.path("\(name).onnx"))
            XCTAssertEqual(model.info.sourceFormat, "onnx", name)
            XCTAssertEqual(model.info.runtime, "onnx graph", name)
            let row = try Self.runsAs(name)
            XCTAssertTrue(row.hasPrefix("its graph: \(family) recognised by structure"), "\(name): \(row)")
            XCTAssertTrue(row.contains("its output differs from the graph's on a "), "\(name): \(row)")
            let (x, want) = try ONNXProgramTests.io(name)
            let y = try model.network.forward(x, pool: ThreadPool(threads: 2), cancel: nil)
            let (err, range) = ONNXModelTests.maxError(y, want)
            XCTAssertLessThanOrEqual(err, 1e-4 * range, name)
        }
    }

    func testGraphsOfNoFamilySaySo() throws {
        XCTAssertEqual(try Self.runsAs("opmix_o17_dyn"),
                       "its graph: no family's checkpoint in the initializers (by names or by structure)")
    }
}
