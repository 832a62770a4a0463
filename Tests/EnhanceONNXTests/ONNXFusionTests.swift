import EnhanceTensor
import XCTest

@testable import EnhanceONNX

/// The chains run as one op (``GraphFusion``): which nodes fuse, and outputs still equal to
/// onnxruntime's (scripts/oracles/make_onnx_graph_fixtures.py).
final class ONNXFusionTests: XCTestCase {
    /// The op types of each fused chain, sorted by anchor.
    static func chains(_ program: ONNXProgram) -> [[String]] {
        program.fusions.sorted { $0.key < $1.key }.map { $0.value.nodes.map { program.model.nodes[$0].opType } }
    }

    /// SwinIR-style window attention: the qkv product with its bias as a Linear, and the attention
    /// from `q · scale` to `· v` (bias and shift-mask Adds through the mask's 5-D view) as one op.
    func testWindowAttentionGraphFuses() throws {
        let model = try ONNXReader.read(path: ONNXReaderTests.path("graph_attention_o17.onnx"))
        let program = try ONNXProgram(model)
        XCTAssertEqual(Self.chains(program), [
            ["MatMul", "Add"],
            ["Mul", "Transpose", "MatMul", "Add", "Reshape", "Add", "Reshape", "Softmax", "MatMul"],
        ])
        XCTAssertTrue(program.fusions.values.contains { $0 is FusedLinear })
        XCTAssertTrue(program.fusions.values.contains { $0 is FusedAttention })
        XCTAssertEqual(program.fusedAway.count, 1 + 8)
        // A dry run hands the fused chains' inputs to its trace: qkv 64·6·18 MACs, q·kᵀ and ·v
        // 4·2·16·16·3 each.
        var macs = 0.0
        _ = try program.run(Tensor(channels: 6, height: 8, width: 8), pool: ThreadPool(threads: 1), dry: true,
                            trace: { i, ins, _ in macs += program.fusions[i]?.macs(ins.compactMap { $0 }) ?? 0 },
                            free: nil)
        XCTAssertEqual(macs, Double(64 * 6 * 18 + 2 * 4 * 2 * 16 * 16 * 3))
        for threads in [1, 2] {
            try ONNXProgramTests.check("graph_attention_o17", pool: ThreadPool(threads: threads))
        }
    }

    /// Near misses stay ops: a product read twice keeps its bias Add apart, scores read twice and a
    /// product by a computed matrix are not fused; the output still equals onnxruntime's.
    func testNearMissesDoNotFuse() throws {
        let model = try ONNXReader.read(path: ONNXReaderTests.path("graph_unfusable_o17.onnx"))
        let program = try ONNXProgram(model)
        XCTAssertEqual(Self.chains(program), [["MatMul"]])
        XCTAssertEqual(program.fusions.values.first?.inputs, ["tok"])
        XCTAssertTrue(program.fusedAway.isEmpty)
        for threads in [1, 2] {
            try ONNXProgramTests.check("graph_unfusable_o17", pool: ThreadPool(threads: threads))
        }
    }
}
