import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

@testable import EnhanceONNX

/// `.onnx` through the seams every model format uses: ``ModelLoader``, ``ModelInspection``, the
/// tiler and the upscaler, against onnxruntime's outputs.
final class ONNXModelTests: XCTestCase {
    static func maxError(_ got: Tensor, _ want: WeightTensor) -> (Float, Float) {
        let range = want.values.max()! - want.values.min()!
        return (zip(got.data, want.values).map { abs($0 - $1) }.max()!, range)
    }

    func testLoadedGraphsTiledEqualOnnxruntime() throws {
        let pool = ThreadPool(threads: 2)
        for name in ["rrdb_x4_o17_dyn", "realplksr_x4_o17_dyn", "span_x4_o17_dyn", "msrresnet_x4_o13_dyn"] {
            let model = try ModelLoader.load(path: ONNXReaderTests.path("\(name).onnx"))
            XCTAssertEqual(model.info.sourceFormat, "onnx")
            XCTAssertEqual(model.info.architecture, "ONNX graph")
            let (x, want) = try ONNXProgramTests.io(name)
            XCTAssertEqual(model.scale * x.height, want.shape[2], name)
            // 4-px tiles with the graph margin (48 px): each tile sees the whole 12 × 10 input.
            let tiled = try Tiler.run(model.network, x, tileSize: 4, margin: model.network.receptiveRadius, pool: pool)
            let (err, range) = Self.maxError(tiled, want)
            // RealPLKSR's GroupNorm takes each window's own statistics: only the untiled pass matches.
            if name.hasPrefix("realplksr") {
                let whole = try model.network.forward(x, pool: pool, cancel: nil)
                XCTAssertLessThanOrEqual(Self.maxError(whole, want).0, 1e-4 * range, name)
            } else {
                XCTAssertLessThanOrEqual(err, 1e-4 * range, name)
            }
        }
    }

    func testFixedSizeGraphsArePaddedToTheirSize() throws {
        let model = try ModelLoader.load(path: ONNXReaderTests.path("swinir_x2_o17_static.onnx"))
        let sd = try Safetensors.read(path: ONNXReaderTests.path("swinir_x2_o17_static_pad.io.safetensors")).stateDict
        let x = sd["input"]!, want = sd["output"]!
        let input = Tensor(channels: 3, height: x.shape[2], width: x.shape[3], data: x.values)
        let y = try model.network.forward(input, pool: ThreadPool(threads: 1), cancel: nil)
        let (err, range) = Self.maxError(y, want)
        XCTAssertLessThanOrEqual(err, 1e-4 * range)
        // A larger input runs in windows of the fixed size.
        let big = try model.network.forward(Tensor(channels: 3, height: 20, width: 17), pool: ThreadPool(threads: 1),
                                            cancel: nil)
        XCTAssertEqual([big.height, big.width], [40, 34])
    }

    /// A graph whose sides must be even (a pixel unshuffle): found by dry probes at load, and an odd
    /// input is padded with its edge pixels, as onnxruntime on the padded input.
    func testSideMultiplesArePadded() throws {
        let path = ONNXReaderTests.path("helper_unshuffle_o17.onnx")
        let rows = Dictionary(try ModelInspection.rows(path: path), uniquingKeysWith: { a, _ in a })
        XCTAssertTrue(rows["side multiple"]?.hasPrefix("2 ") ?? false, "\(rows)")
        let model = try ModelLoader.load(path: path)
        let sd = try Safetensors.read(path: ONNXReaderTests.path("helper_unshuffle_o17_odd.io.safetensors")).stateDict
        let x = sd["input"]!, want = sd["output"]!
        let y = try model.network.forward(Tensor(channels: 3, height: x.shape[2], width: x.shape[3], data: x.values),
                                          pool: ThreadPool(threads: 1), cancel: nil)
        let (err, range) = Self.maxError(y, want)
        XCTAssertLessThanOrEqual(err, 1e-4 * range)
    }

    /// `models inspect` rows against the onnx package's view of the file.
    func testInspectRows() throws {
        let manifest = try ONNXReaderTests.manifest()["rrdb_x4_o17_dyn.onnx"]!
        let rows = Dictionary(try ModelInspection.rows(path: ONNXReaderTests.path("rrdb_x4_o17_dyn.onnx")),
                              uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(rows["architecture"], "ONNX graph")
        XCTAssertEqual(rows["scale"], "×4")
        XCTAssertEqual(rows["opset"], "17")
        XCTAssertEqual(rows["parameters"], "\(manifest["parameters"] as! Int)")
        XCTAssertEqual(rows["format"], "onnx")
        XCTAssertTrue(rows["ops"]!.hasPrefix("Conv 21"), rows["ops"]!)
        XCTAssertEqual(rows["sha256"]?.count, 64)
        // The PyTorch module's convolutions (the fixture's tiny RRDBNet, nf 8, gc 4) per input pixel:
        // conv_first, 3 dense blocks of 5, conv_body at 1×; conv_up1 at 2×, conv_up2, conv_hr at 4×, conv_last.
        let dense = (0..<5).reduce(0) { $0 + (8 + $1 * 4) * ($1 < 4 ? 4 : 8) } * 9
        let macs = Double(3 * 8 * 9 + 3 * dense + 8 * 8 * 9 + 8 * 8 * 9 * 4 + (8 * 8 * 9 + 8 * 8 * 9 + 8 * 3 * 9) * 16)
        XCTAssertEqual(rows["MACs / input pixel"], String(format: "%.3f M", macs / 1e6))
    }

    func testTheBudgetRefusesBeforeKernels() throws {
        let path = ONNXReaderTests.path("rrdb_x4_o17_dyn.onnx")
        XCTAssertThrowsError(try ModelLoader.load(path: path, budget: LoadBudget(maxBytes: 300_000))) { error in
            XCTAssertTrue("\(error)".contains("over the budget"), "\(error)")
        }
    }
}

/// The native fast path: an ONNX file whose initializers form a family's checkpoint runs as it.
final class ONNXNativeTests: XCTestCase {
    func testRCANExportRunsNativelyAndEqualsOnnxruntime() throws {
        let model = try ModelLoader.load(path: ONNXReaderTests.path("rcan_x2_o17_dyn.onnx"))
        XCTAssertEqual(model.info.sourceFormat, "onnx, run natively as RCAN")
        XCTAssertEqual(model.info.architecture, "RCAN")
        let (x, want) = try ONNXProgramTests.io("rcan_x2_o17_dyn")
        let y = try model.network.forward(x, pool: ThreadPool(threads: 1), cancel: nil)
        let (err, range) = ONNXModelTests.maxError(y, want)
        XCTAssertLessThanOrEqual(err, 1e-3 * range)  // the families' Winograd bound
        let rows = Dictionary(try ModelInspection.rows(path: ONNXReaderTests.path("rcan_x2_o17_dyn.onnx")),
                              uniquingKeysWith: { a, _ in a })
        XCTAssertTrue(rows["native fast path"]?.hasPrefix("RCAN") ?? false)
    }

    /// Renamed initializers (PyTorch names a PReLU's reshaped slopes itself) keep the graph.
    func testRenamedWeightsRunAsTheGraph() throws {
        let model = try ModelLoader.load(path: ONNXReaderTests.path("compact_x4_o17_dyn.onnx"))
        XCTAssertEqual(model.info.sourceFormat, "onnx")
    }
}
