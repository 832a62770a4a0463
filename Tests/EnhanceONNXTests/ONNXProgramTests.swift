import EnhanceCheckpoints
import EnhanceTensor
import Foundation
import XCTest

@testable import EnhanceONNX

/// Every fixture graph run by EnhanceONNX against onnxruntime's output on the same input
/// (scripts/oracles/make_onnx_fixtures.py): within 1e-4 of the output's range for float32 graphs,
/// within float16 rounding for float16 graphs (onnxruntime computes those in float16).
final class ONNXProgramTests: XCTestCase {
    static let graphs = [
        "compact_x4_o17_dyn", "compact_x4_o13_static", "compact_x4_o17_fp16", "msrresnet_x4_o13_dyn",
        "rrdb_x4_o17_dyn", "rrdb_x4_o13_fp16_dyn", "span_x4_o17_dyn", "realplksr_x4_o17_dyn",
        "realplksr_ln_x4_o13_static", "realplksr_x4_o17_fp16", "swinir_x2_o17_static", "swinir_x2_o13_static",
        "rcan_x2_o17_dyn", "opmix_o17_dyn", "opmix_o13_static", "helper_tokens_o17", "helper_resize_o13",
        "helper_resize_o21", "helper_unshuffle_o17", "helper_rtr_o17", "external_ok", "esrgan_x4_o17_dyn",
        "esrgan_x4_o17_dyn_flipped", "esrgan_x4_o17_dyn_bilinear", "swinir_x2_o17_static_extra",
        "span_x4_o17_static16", "rrdb_x4_o17_static16", "rcan_x2_o17_static16", "baked_tokens_o17_static16",
        "baked_mean_o17_static16",
    ]

    /// The fixture's input as CHW and onnxruntime's output `[1, C, H, W]`.
    static func io(_ name: String) throws -> (Tensor, WeightTensor) {
        let sd = try Safetensors.read(path: ONNXReaderTests.path("\(name).io.safetensors")).stateDict
        let x = sd["input"]!, y = sd["output"]!
        return (Tensor(channels: x.shape[1], height: x.shape[2], width: x.shape[3], data: x.values), y)
    }

    static func check(_ name: String, pool: ThreadPool, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try ONNXReader.read(path: ONNXReaderTests.path("\(name).onnx"))
        let program = try ONNXProgram(model)
        let (x, want) = try io(name)
        let got = try program.run(x, pool: pool)
        XCTAssertEqual([1, got.channels, got.height, got.width], want.shape, name, file: file, line: line)
        guard got.data.count == want.values.count else { return }
        let range = (want.values.max()! - want.values.min()!)
        let worst = zip(got.data, want.values).map { abs($0 - $1) }.max()!
        let fp16 = model.input.elementType == "float16"
        let bound = (fp16 ? 4e-3 : 1e-4) * max(range, 1e-3)
        XCTAssertLessThanOrEqual(worst, bound, "\(name): max |Δ| \(worst), range \(range)", file: file, line: line)
    }

    func testEveryGraphEqualsOnnxruntime() throws {
        let pool = ThreadPool(threads: 2)
        for name in Self.graphs {
            XCTAssertNoThrow(try Self.check(name, pool: pool), name)
        }
    }

    /// A dynamic graph run at two sizes (its shape subgraphs folded per size), then at the first
    /// again: each time onnxruntime's output at that size.
    func testShapeSubgraphsFoldPerSize() throws {
        let model = try ONNXReader.read(path: ONNXReaderTests.path("opmix_o17_dyn.onnx"))
        let program = try ONNXProgram(model)
        let pool = ThreadPool(threads: 1)
        let (x, want) = try Self.io("opmix_o17_dyn")
        let small = x.cropped(y: 0, x: 0, height: 8, width: 6)
        let a = try program.run(x, pool: pool)
        XCTAssertEqual([a.height, a.width], [24, 20])
        let b = try program.run(small, pool: pool)
        XCTAssertEqual([b.height, b.width], [16, 12])
        let c = try program.run(x, pool: pool)
        XCTAssertEqual(a.data, c.data)
        let worst = zip(c.data, want.values).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-3)
        XCTAssertTrue(program.kinds.contains(.sized))
    }

    func testConvolutionsFuseTheirActivations() throws {
        let model = try ONNXReader.read(path: ONNXReaderTests.path("rrdb_x4_o17_dyn.onnx"))
        let program = try ONNXProgram(model)
        XCTAssertGreaterThan(program.fused.count, 10)
        // SPAN: SiLU (x · Sigmoid(x)) after its convolutions; opmix: erf-GELU after its first.
        let span = try ONNXProgram(try ONNXReader.read(path: ONNXReaderTests.path("span_x4_o17_dyn.onnx")))
        XCTAssertTrue(span.fused.values.contains { $0.activation == .silu })
        let mix = try ONNXProgram(try ONNXReader.read(path: ONNXReaderTests.path("opmix_o17_dyn.onnx")))
        XCTAssertTrue(mix.fused.values.contains { $0.activation == .gelu })
        // Opset-13 layer norms (decomposed by the exporter): over channels, and over a token's features.
        let ln = try ONNXProgram(try ONNXReader.read(path: ONNXReaderTests.path("realplksr_ln_x4_o13_static.onnx")))
        XCTAssertEqual(ln.norms.values.map(\.axis), [1])
        let swin = try ONNXProgram(try ONNXReader.read(path: ONNXReaderTests.path("swinir_x2_o13_static.onnx")))
        XCTAssertEqual(swin.norms.count, 6)
    }

    func testUnsupportedOpsAreRefusedAtLoad() throws {
        let path = ONNXReaderTests.path("bad/unsupported_op.onnx")
        XCTAssertThrowsError(try ONNXProgram(try ONNXReader.read(path: path))) { error in
            XCTAssertEqual("\(error)", "\(path): node 'nms' is NonMaxSuppression (opset 17), an op Enhance does not "
                           + "run (its ONNX ops are listed in the README)")
        }
        let ints = ONNXReaderTests.path("bad/int_weights.onnx")
        XCTAssertThrowsError(try ONNXProgram(try ONNXReader.read(path: ints))) { error in
            XCTAssertTrue("\(error)".contains("node 'conv' (Conv, opset 17): weight [3, 3, 3, 3] int64"), "\(error)")
        }
    }
}

/// The dry probe: shapes and counts without the arithmetic.
final class ONNXProbeTests: XCTestCase {
    func testProbeMeasuresScaleAndConvolutions() throws {
        let model = try ONNXReader.read(path: ONNXReaderTests.path("rrdb_x4_o17_dyn.onnx"))
        let probe = try ONNXProgram(model).probe(height: 16, width: 12)
        XCTAssertEqual(probe.output, [1, 3, 64, 48])
        XCTAssertEqual(probe.convs.count, 21)
        // conv_first 3→8 3×3 on 16×12; conv_last 8→3 on 64×48 (what PyTorch's module declares).
        XCTAssertEqual(probe.convs.first?.macs, Double(3 * 8 * 9 * 16 * 12))
        XCTAssertEqual(probe.convs.last?.macs, Double(8 * 3 * 9 * 64 * 48))
        XCTAssertGreaterThan(probe.peakFloats, 8 * 64 * 48)
        let swin = try ONNXReader.read(path: ONNXReaderTests.path("swinir_x2_o17_static.onnx"))
        XCTAssertGreaterThan(try ONNXProgram(swin).probe(height: 8, width: 8).productMACs, 0)
    }
}

/// The README's op list is ``ONNXProgram/supportedOps``.
final class ONNXOpListTests: XCTestCase {
    func testReadmeListsTheSupportedOps() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let a = text.range(of: "<!-- onnx-ops -->"), let b = text.range(of: "<!-- /onnx-ops -->") else {
            return XCTFail("README.md has no onnx-ops list")
        }
        let listed = text[a.upperBound..<b.lowerBound].split(whereSeparator: { ", \n".contains($0) }).map(String.init)
        XCTAssertEqual(listed, ONNXProgram.supportedOps)
    }
}
