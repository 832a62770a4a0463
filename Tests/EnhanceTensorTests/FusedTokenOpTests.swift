import XCTest
@testable import EnhanceTensor

/// The fused forms of a transformer block's residual adds equal the unfused ops they replace
/// (those are checked against onnxruntime in ``TransformerOpTests``): a Linear with its skip added
/// in the epilogue, and the window reverse adding the skip, on several threads. A Linear that also
/// normalises, gathers and scatters its rows is checked against scalar loops in double.
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

    /// `LN` on packing, rows gathered in window order, GELU, and the skip added where the rows are
    /// scattered back, against scalar loops (LayerNorm, matrix product and exact GELU in double).
    func testLinearWithLayerNormAndRowOrdersMatchesScalarLoops() {
        var rng = SplitMix(seed: 73)
        for (h, w, ws, shift, inF, outF) in [(4, 6, 2, 1, 5, 3), (8, 8, 4, 2, 33, 20), (16, 16, 8, 4, 180, 37)] {
            let t = h * w, order = windowOrder(height: h, width: w, window: ws, shift: shift)
            XCTAssertEqual(Set(order), Set(0..<t), "a permutation of the tokens")
            let weight = rng.floats(inF * outF, scale: 0.3), bias = rng.floats(outF, scale: 0.2)
            let lin = Linear(weight: weight, bias: bias, inFeatures: inF, outFeatures: outF)
            let x = Matrix(rows: t, columns: inF, data: rng.floats(t * inF, scale: 1).map { $0 + 2 })
            let skip = Matrix(rows: t, columns: outF, data: rng.floats(t * outF, scale: 1))
            let norm = (weight: rng.floats(inF, scale: 1), bias: rng.floats(inF, scale: 0.5))
            var want = [Float](repeating: 0, count: t * outF)
            for i in 0..<t {
                let row = (0..<inF).map { Double(x.data[order[i] * inF + $0]) }
                let mean = row.reduce(0, +) / Double(inF)
                let rstd = 1 / (row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(inF) + 1e-5).squareRoot()
                let normed = (0..<inF).map { (row[$0] - mean) * rstd * Double(norm.weight[$0]) + Double(norm.bias[$0]) }
                for o in 0..<outF {
                    var y = Double(bias[o])
                    for f in 0..<inF { y += normed[f] * Double(weight[o * inF + f]) }
                    y = 0.5 * y * Foundation.erfc(-y / 2.0.squareRoot())
                    want[order[i] * outF + o] = Float(y + Double(skip.data[order[i] * outF + o]))
                }
            }
            let got = lin(x, layerNorm: norm, inputRows: order, activation: .gelu, residual: skip, outputRows: order,
                          pool: pool)
            assertClose(got.data, want, atol: 1e-5, "\(h)×\(w) window \(ws) shift \(shift), \(inF)→\(outF)")
            let gathered = lin(x, inputRows: order, pool: pool)
            let plain = lin(windowPartition(x, height: h, width: w, window: ws, shift: shift), pool: pool)
            XCTAssertEqual(gathered, plain, "a gather is the window partition")
        }
    }
}
