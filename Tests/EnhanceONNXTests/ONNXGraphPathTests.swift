import EnhanceTensor
import Foundation
import XCTest

@testable import EnhanceONNX

/// The graph interpreter's vector and pooled paths (broadcast loops, block transposes and gathers,
/// batched products) against onnxruntime (scripts/oracles/make_onnx_graph_fixtures.py), and the
/// broadcast loop's axis merging against NumPy's broadcasting rules.
final class ONNXGraphPathTests: XCTestCase {
    /// Window attention as a SwinIR export spells it, at one and two threads.
    func testWindowAttentionGraphEqualsOnnxruntime() throws {
        for threads in [1, 2] {
            try ONNXProgramTests.check("graph_attention_o17", pool: ThreadPool(threads: threads))
        }
    }

    /// `F.normalize`'s ReduceL2 (over channels and over the planes, with and without keepdims) and
    /// ReduceSumSquare, which DAT's exports use.
    func testL2AndSumSquareReductionsEqualOnnxruntime() throws {
        try ONNXProgramTests.check("graph_norms_o17", pool: ThreadPool(threads: 2))
    }

    /// Broadcasts large enough to be split into chunks over the pool, for every stride pattern of
    /// the innermost axis, equal to the element-by-element definition.
    func testBroadcastLoopEqualsDefinition() throws {
        let pool = ThreadPool(threads: 2)
        let cases: [([Int], [Int])] = [
            ([16, 3, 16, 64], [1, 3, 16, 64]), ([1, 8, 3, 16, 64], [1, 8, 1, 16, 64]), ([540], [40, 540]),
            ([3, 40, 300], [40, 1]), ([3, 1, 300], [3, 40, 1]), ([20000], [1]), ([1], [20000]), ([5, 1], [1, 7]),
        ]
        for (sa, sb) in cases {
            let a = ONNXTensor(shape: sa, floats: (0..<sa.reduce(1, *)).map { Float($0 % 97) - 40 })
            let b = ONNXTensor(shape: sb, floats: (0..<sb.reduce(1, *)).map { Float($0 % 89) + 1 })
            let ctx = OpContext(node: ONNXNode(name: "t", opType: "Div", inputs: [], outputs: [], attributes: [:]),
                                opset: 17, file: "test", pool: pool)
            let shape = ElementwiseOps.broadcastShape(sa, sb)!
            let (fa, fb) = (a.floats, b.floats), count = shape.reduce(1, *)
            let ia = (0..<count).map { Self.source($0, sa, shape) }, ib = (0..<count).map { Self.source($0, sb, shape) }
            let ops: [(ArithmeticOp?, (Float, Float) -> Float)] = [(.div, { $0 / $1 }), (.sub, { $0 - $1 }),
                                                                 (nil, { max($0, $1) })]
            for (fast, op) in ops {
                let got = try ElementwiseOps.binary(a, b, ctx, fast: fast, op)
                XCTAssertEqual(got.shape, shape)
                let want = (0..<count).map { op(fa[ia[$0]], fb[ib[$0]]) }
                XCTAssertEqual(got.floats, want, "\(sa) ⊕ \(sb) (\(String(describing: fast)))")
            }
        }
    }

    /// Element-wise ops on tensors large enough to be split into planes over the pool: erf-GELU
    /// against its definition (Foundation's erf in double), add and scalar mul against plain sums.
    func testLargeElementwiseOpsEqualDefinitions() throws {
        let pool = ThreadPool(threads: 2), n = 3 * 5 * 7 * 1031
        let values: [Float] = (0..<n).map { i in Float(i % 1000) / 125 - 4 }
        let x = ONNXTensor(shape: [3, 5, 7 * 1031], floats: values)
        let ctx = OpContext(node: ONNXNode(name: "t", opType: "Add", inputs: [], outputs: [], attributes: [:]),
                            opset: 17, file: "test", pool: pool)
        XCTAssertGreaterThan(ElementwiseOps.flat(x.floats).channels, 1)
        let gelu = try ElementwiseOps.activation([x], ctx, .gelu).floats
        var worst = 0.0
        for (y, v) in zip(gelu, values) {
            let d = Double(v), want = 0.5 * d * (1 + Foundation.erf(d / 2.0.squareRoot()))
            worst = max(worst, abs(Double(y) - want))
        }
        XCTAssertLessThan(worst, 1e-5)
        let sum = try ElementwiseOps.binary(x, x, ctx, fast: .add, +).floats
        XCTAssertEqual(sum, values.map { $0 + $0 })
        let half = try ElementwiseOps.binary(x, ONNXTensor(shape: [], floats: [0.5]), ctx, fast: .mul, *).floats
        XCTAssertEqual(half, values.map { $0 * 0.5 })
    }

    /// NumPy's rule spelled out: the element of an operand of shape `from` (right-aligned, its size-1
    /// axes repeated) under element `i` of a row-major `shape`.
    static func source(_ i: Int, _ from: [Int], _ shape: [Int]) -> Int {
        var index = [Int](repeating: 0, count: shape.count), rem = i
        for d in shape.indices.reversed() {
            index[d] = rem % shape[d]
            rem /= shape[d]
        }
        var s = 0
        for (j, n) in from.enumerated() {
            s = s * n + (n == 1 ? 0 : index[shape.count - from.count + j])
        }
        return s
    }
}
