import XCTest
@testable import EnhanceTensor

/// The fused forms of a transformer block's residual adds equal the unfused ops they replace
/// (those are checked against onnxruntime in ``TransformerOpTests``): a Linear with its skip added
/// in the epilogue, and the window reverse adding the skip, on several threads.
final class FusedTokenOpTests: XCTestCase {
    let pool = ThreadPool(threads: 3)

    func testLinearResidualEqualsLinearThenAdd() {
        var rng = SplitMix(seed: 71)
        for (tokens, inF, outF) in [(7, 5, 3), (40, 24, 37), (64, 180, 180)] {
            let lin = Linear(weight: rng.floats(inF * outF, scale: 0.3), bias: rng.floats(outF, scale: 0.2),
                             inFeatures: inF, outFeatures: outF)
            let x = Matrix(rows: tokens, columns: inF, data: rng.floats(tokens * inF, scale: 1))
            let skip = Matrix(rows: tokens, columns: outF, data: rng.floats(tokens * outF, scale: 1))
            for act in [Activation.identity, .gelu] {
                let want = add(lin(x, activation: act, pool: pool), skip)
                XCTAssertEqual(lin(x, activation: act, residual: skip, pool: pool).data, want.data,
                               "\(tokens)×\(inF)→\(outF) \(act)")
            }
        }
    }

    func testWindowReverseAddingEqualsReverseThenAdd() {
        var rng = SplitMix(seed: 72)
        for (h, w, ws, shift, c) in [(8, 8, 4, 0, 5), (16, 8, 8, 4, 33), (12, 24, 4, 2, 16)] {
            let x = Matrix(rows: h * w, columns: c, data: rng.floats(h * w * c, scale: 1))
            let skip = Matrix(rows: h * w, columns: c, data: rng.floats(h * w * c, scale: 1))
            let plain = windowReverse(x, height: h, width: w, window: ws, shift: shift)
            XCTAssertEqual(windowReverse(x, height: h, width: w, window: ws, shift: shift, pool: pool), plain)
            let fused = windowReverse(x, height: h, width: w, window: ws, shift: shift, adding: skip, pool: pool)
            XCTAssertEqual(fused.data, add(plain, skip).data)
            XCTAssertEqual(windowPartition(x, height: h, width: w, window: ws, shift: shift, pool: pool),
                           windowPartition(x, height: h, width: w, window: ws, shift: shift))
        }
    }
}
