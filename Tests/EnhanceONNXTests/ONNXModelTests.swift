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

    /// Graphs of no family Enhance has (tiny modules of the fixture script, and a spandrel ESRGAN
    /// export whose nearest upsampling was made bilinear) run as graphs.
    func testLoadedGraphsTiledEqualOnnxruntime() throws {
        let pool = ThreadPool(threads: 2)
        for name in ["rrdb_x4_o17_dyn", "msrresnet_x4_o13_dyn", "opmix_o17_dyn", "esrgan_x4_o17_dyn_bilinear"] {
            let model = try ModelLoader.load(path: ONNXReaderTests.path("\(name).onnx"))
            XCTAssertEqual(model.info.sourceFormat, "onnx", name)
            XCTAssertEqual(model.info.runtime, "onnx graph", name)
            XCTAssertEqual(model.info.architecture, "ONNX graph", name)
            let (x, want) = try ONNXProgramTests.io(name)
            XCTAssertEqual(model.scale * x.height, want.shape[2], name)
            // 4-px tiles with the graph margin (48 px): each tile sees the whole input.
            let tiled = try Tiler.run(model.network, x, tileSize: 4, margin: model.network.receptiveRadius, pool: pool)
            let (err, range) = Self.maxError(tiled, want)
            XCTAssertLessThanOrEqual(err, 1e-4 * range, name)
        }
    }

    /// A fixed-size graph (of no family: a family's export runs natively at any size) pads a smaller
    /// input to its size.
    func testFixedSizeGraphsArePaddedToTheirSize() throws {
        let model = try ModelLoader.load(path: ONNXReaderTests.path("opmix_o13_static.onnx"))
        XCTAssertEqual(model.info.runtime, "onnx graph")
        let sd = try Safetensors.read(path: ONNXReaderTests.path("opmix_o13_static_pad.io.safetensors")).stateDict
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
