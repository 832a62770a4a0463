import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

@testable import EnhanceONNX

/// Graphs exported with a fixed input size (scripts/oracles/make_onnx_size_fixtures.py: PyTorch
/// exports at 16×16): those whose graph holds no size run at any size, natively when they are a
/// family's, as onnxruntime runs a dynamic export of the same weights there; those that fold the
/// size into a node keep running at their size only, as onnxruntime does at it.
final class ONNXSizeCheckTests: XCTestCase {
    static func check(_ name: String) throws -> ONNXSizeCheck? {
        let program = try ONNXProgram(try ONNXReader.read(path: ONNXReaderTests.path("\(name).onnx")))
        return try program.probeFixedSize()?.check
    }

    /// `model` on the input of `io` (a fixture's `.io.safetensors`) against onnxruntime's output.
    static func assertEqualsOnnxruntime(_ model: LoadedModel, _ io: String, tolerance: Float,
                                        file: StaticString = #filePath, line: UInt = #line) throws {
        let (x, want) = try ONNXProgramTests.io(io)
        let y = try model.network.forward(x, pool: ThreadPool(threads: 2), cancel: nil)
        XCTAssertEqual([1, y.channels, y.height, y.width], want.shape, io, file: file, line: line)
        let (err, range) = ONNXModelTests.maxError(y, want)
        XCTAssertLessThanOrEqual(err, tolerance * range, "\(io): max |Δ| \(err), range \(range)", file: file,
                                 line: line)
    }

    static func rows(_ model: LoadedModel) -> [String: String] {
        Dictionary(model.info.rows, uniquingKeysWith: { a, _ in a })
    }

    func testGraphsHoldingNoSizeRunAtAnySize() throws {
        for name in ["span_x4_o17_static16", "rrdb_x4_o17_static16", "compact_x4_o13_static",
                     "realplksr_ln_x4_o13_static", "compact_x4_o17_fp16"] {
            let c = try XCTUnwrap(try Self.check(name), name)
            XCTAssertEqual(c.reach, .anySize, "\(name): \(c.reason)")
            XCTAssertEqual(c.sideMultiple, 1, name)
            XCTAssertEqual(c.reason, "no node depends on it", name)
        }
        let c = try XCTUnwrap(try Self.check("span_x4_o17_static16"))
        XCTAssertEqual(c.summary, "16×16 in the file; runs at any size: no node depends on it")
        XCTAssertNil(try Self.check("span_x4_o17_dyn"))
    }

    /// spandrel's RCAN crops its output to `[:h·scale, :w·scale]`, folded to a crop at 32: whole at
    /// 16×16 and below, not above.
    func testACropWholeAtTheDeclaredSizeReachesSmallerSizes() throws {
        let c = try XCTUnwrap(try Self.check("rcan_x2_o17_static16"))
        XCTAssertEqual(c.reach, .upToDeclared, c.reason)
        XCTAssertTrue(c.reason.contains("(Slice) ends at 32, the whole side at 16×16"), c.reason)
    }

    /// Graphs that fold the size: a Reshape back to [1, 8, 16, 16] (fails elsewhere), a mean as a
    /// sum divided by 256 (runs elsewhere, computing something else), a Resize to the sizes of a
    /// 12×10 input and a slice from position 1, a spelled-out pixel shuffle with its sides, Swin
    /// windows.
    func testGraphsHoldingTheirSizeRunOnlyAtIt() throws {
        let tokens = try XCTUnwrap(try Self.check("baked_tokens_o17_static16"))
        XCTAssertEqual(tokens.reach, .declaredOnly)
        XCTAssertTrue(tokens.reason.hasPrefix("it fails at 15×13 (node "), tokens.reason)
        XCTAssertTrue(tokens.reason.contains("cannot reshape"), tokens.reason)
        let mean = try XCTUnwrap(try Self.check("baked_mean_o17_static16"))
        XCTAssertEqual(mean.reach, .declaredOnly)
        XCTAssertEqual(mean.reason, "node '/Div' (Div) reads 256.0, the input's pixel count at 16×16")
        XCTAssertEqual(mean.summary, "16×16, run in windows: node '/Div' (Div) reads 256.0, the input's pixel "
                       + "count at 16×16")
        // What the second rule is for: at another size that graph runs, and its output has the size.
        let program = try ONNXProgram(try ONNXReader.read(path: ONNXReaderTests.path("baked_mean_o17_static16.onnx")))
        let y = try program.run(Tensor(channels: 3, height: 13, width: 15), pool: ThreadPool(threads: 1))
        XCTAssertEqual([y.height, y.width], [26, 30])
        for name in ["opmix_o13_static", "helper_rtr_o17", "swinir_x2_o17_static", "swinir_x2_o13_static"] {
            let c = try XCTUnwrap(try Self.check(name), name)
            XCTAssertEqual(c.reach, .declaredOnly, "\(name): \(c.reason)")
            XCTAssertTrue(c.summary.contains(", run in windows: "), c.summary)
        }
    }

    /// SPAN exported at 16×16 runs natively, probed small as a dynamic graph: as onnxruntime on the
    /// file at 16×16, and as onnxruntime on the dynamic export of the same weights at 13×11 (width × height).
    func testSizeFreeFamilyExportsRunNatively() throws {
        let model = try ModelLoader.load(path: ONNXReaderTests.path("span_x4_o17_static16.onnx"))
        XCTAssertEqual(model.info.runtime, "onnx → SPAN native")
        let reason = model.info.runtimeReason ?? ""
        XCTAssertTrue(reason.hasPrefix("SPAN natively, recognised by structure"), reason)
        XCTAssertTrue(reason.contains("equals the graph on a 4×4 probe"), reason)
        XCTAssertTrue(reason.hasSuffix("; fixed input size 16×16 in the file, runs at any size: no node depends on it"),
                      reason)
        try Self.assertEqualsOnnxruntime(model, "span_x4_o17_static16", tolerance: 1e-3)
        try Self.assertEqualsOnnxruntime(model, "span_x4_o17_static16_other", tolerance: 1e-3)
        // RCAN, whose crop is whole below 16×16: probed at 4×4 too.
        let rcan = try ModelLoader.load(path: ONNXReaderTests.path("rcan_x2_o17_static16.onnx"))
        XCTAssertEqual(rcan.info.runtime, "onnx → RCAN native")
        XCTAssertTrue(rcan.info.runtimeReason?.contains("equals the graph on a 4×4 probe") ?? false,
                      rcan.info.runtimeReason ?? "")
        XCTAssertTrue(rcan.info.runtimeReason?.contains("runs at sizes up to it: node ") ?? false,
                      rcan.info.runtimeReason ?? "")
        try Self.assertEqualsOnnxruntime(rcan, "rcan_x2_o17_static16", tolerance: 1e-3)
        try Self.assertEqualsOnnxruntime(rcan, "rcan_x2_o17_static16_other", tolerance: 1e-3)
    }

    /// A size-free graph of no family runs on whole tiles, as a dynamic graph: at 13×9 as
    /// onnxruntime on the dynamic export (windows of 16 with 4 px margins would not be), tiled too.
    func testSizeFreeGraphsRunOnWholeTiles() throws {
        let model = try ModelLoader.load(path: ONNXReaderTests.path("rrdb_x4_o17_static16.onnx"))
        XCTAssertEqual(model.info.runtime, "onnx graph")
        XCTAssertEqual(Self.rows(model)["fixed input size"],
                       "16×16 in the file; runs at any size: no node depends on it")
        try Self.assertEqualsOnnxruntime(model, "rrdb_x4_o17_static16", tolerance: 1e-4)
        try Self.assertEqualsOnnxruntime(model, "rrdb_x4_o17_static16_other", tolerance: 1e-4)
        let (x, want) = try ONNXProgramTests.io("rrdb_x4_o17_static16_other")
        let tiled = try Tiler.run(model.network, x, tileSize: 24, margin: model.network.receptiveRadius,
                                  pool: ThreadPool(threads: 2))
        let (err, range) = ONNXModelTests.maxError(tiled, want)
        XCTAssertLessThanOrEqual(err, 1e-4 * range)
        let rows = Dictionary(try ModelInspection.rows(path: ONNXReaderTests.path("rrdb_x4_o17_static16.onnx")),
                              uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(rows["fixed input size"], "16×16 in the file; runs at any size: no node depends on it")
    }

    /// The graphs holding their size still run in windows of it, as onnxruntime at it.
    func testGraphsHoldingTheirSizeStayWindowed() throws {
        for name in ["baked_tokens_o17_static16", "baked_mean_o17_static16"] {
            let model = try ModelLoader.load(path: ONNXReaderTests.path("\(name).onnx"))
            XCTAssertEqual(model.info.runtime, "onnx graph", name)
            let row = Self.rows(model)["fixed input size"] ?? ""
            XCTAssertTrue(row.hasPrefix("16×16, run in windows: "), row)
            try Self.assertEqualsOnnxruntime(model, name, tolerance: 1e-4)
            let big = try model.network.forward(Tensor(channels: 3, height: 20, width: 17),
                                                pool: ThreadPool(threads: 1), cancel: nil)
            XCTAssertEqual([big.height, big.width], [40, 34], name)
        }
    }

    /// The second size: below the declared sides where it fits, odd multiples of the side multiple.
    func testSecondSizes() {
        XCTAssertTrue(ONNXProgram.secondSize(multiple: 1, height: 16, width: 16) == (13, 15))
        XCTAssertTrue(ONNXProgram.secondSize(multiple: 1, height: 128, width: 128) == (21, 23))
        XCTAssertTrue(ONNXProgram.secondSize(multiple: 2, height: 16, width: 16) == (10, 14))
        XCTAssertTrue(ONNXProgram.secondSize(multiple: 8, height: 16, width: 16) == (24, 40))
        XCTAssertTrue(ONNXProgram.secondSize(multiple: 1, height: 12, width: 10) == (7, 9))
    }
}
