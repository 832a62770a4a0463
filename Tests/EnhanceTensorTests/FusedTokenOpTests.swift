import XCTest
@testable import EnhanceTensor

/// The fused forms of a transformer block's residual adds equal the unfused ops they replace
/// (those are checked against onnxruntime in ``TransformerOpTests``): a Linear with its skip added
/// in the epilogue, and the window reverse adding the skip, on several threads. The LayerNorm in a
/// Linear's packing and the fused attention half of a Swin block are checked against scalar loops
/// in double (and the latter against the ops it fuses).
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

    /// The LayerNorm run while packing, GELU and the skip, against scalar loops in double.
    func testLinearWithLayerNormMatchesScalarLoops() {
        var rng = SplitMix(seed: 73)
        for (t, inF, outF) in [(5, 5, 3), (40, 33, 20), (64, 180, 37)] {
            let weight = rng.floats(inF * outF, scale: 0.3), bias = rng.floats(outF, scale: 0.2)
            let lin = Linear(weight: weight, bias: bias, inFeatures: inF, outFeatures: outF)
            let x = Matrix(rows: t, columns: inF, data: rng.floats(t * inF, scale: 1).map { $0 + 2 })
            let skip = Matrix(rows: t, columns: outF, data: rng.floats(t * outF, scale: 1))
            let norm = (weight: rng.floats(inF, scale: 1), bias: rng.floats(inF, scale: 0.5))
            var want = [Float](repeating: 0, count: t * outF)
            for i in 0..<t {
                let normed = referenceLayerNorm((0..<inF).map { Double(x.data[i * inF + $0]) }, weight: norm.weight,
                                                bias: norm.bias)
                for o in 0..<outF {
                    var y = Double(bias[o])
                    for f in 0..<inF { y += normed[f] * Double(weight[o * inF + f]) }
                    let gelu = 0.5 * y * Foundation.erfc(-y / 2.0.squareRoot())
                    want[i * outF + o] = Float(gelu + Double(skip.data[i * outF + o]))
                }
            }
            let got = lin(x, layerNorm: norm, activation: .gelu, residual: skip, pool: pool)
            assertClose(got.data, want, atol: 1e-5, "\(t) tokens, \(inF)→\(outF)")
        }
    }

    /// ``windowAttentionBlock`` equals the ops it fuses run one after another, and scalar loops in
    /// double (LayerNorm, the rolled windows by their coordinates, Linears, attention, the skip).
    func testWindowAttentionBlockMatchesUnfusedOpsAndScalarLoops() {
        var rng = SplitMix(seed: 74)
        // The last two have enough windows for items of several windows (``windowGroup``) on 6-row blocks.
        for (h, w, ws, shift, heads, d) in [(8, 8, 4, 2, 2, 3), (16, 8, 8, 4, 3, 10), (6, 9, 3, 0, 1, 8),
                                            (24, 24, 4, 2, 2, 3), (12, 18, 3, 1, 1, 8)] {
            let c = heads * d, t = h * w, n = ws * ws
            let x = Matrix(rows: t, columns: c, data: rng.floats(t * c, scale: 1))
            let norm = (weight: rng.floats(c, scale: 1), bias: rng.floats(c, scale: 0.5))
            let qkvW = rng.floats(3 * c * c, scale: 0.4), qkvB = rng.floats(3 * c, scale: 0.2)
            let projW = rng.floats(c * c, scale: 0.4), projB = rng.floats(c, scale: 0.2)
            let qkv = Linear(weight: qkvW, bias: qkvB, inFeatures: c, outFeatures: 3 * c)
            let proj = Linear(weight: projW, bias: projB, inFeatures: c, outFeatures: c)
            let bias = rng.floats(heads * n * n, scale: 2), scale = 1 / Float(d).squareRoot()
            let mask = shift > 0 ? shiftedWindowMask(height: h, width: w, window: ws, shift: shift) : nil
            let got = windowAttentionBlock(x, layerNorm: norm, qkv: qkv, proj: proj,
                                           order: windowOrder(height: h, width: w, window: ws, shift: shift),
                                           windowTokens: n, heads: heads, scale: scale, bias: bias, mask: mask,
                                           pool: pool)
            let windows = windowPartition(layerNormRows(x, weight: norm.weight, bias: norm.bias), height: h, width: w,
                                          window: ws, shift: shift)
            let a = windowAttention(qkv: qkv(windows, pool: pool), windowTokens: n, heads: heads, scale: scale,
                                    bias: bias, mask: mask, pool: pool)
            let unfused = windowReverse(proj(a, pool: pool), height: h, width: w, window: ws, shift: shift, adding: x)
            XCTAssertEqual(got, unfused, "\(h)×\(w) window \(ws) shift \(shift)")

            // Row i of window (wy, wx) is image token
            // ((wy·ws + i / ws + shift) mod h, (wx·ws + i % ws + shift) mod w).
            let image = (0..<t).map { r in
                let win = r / n, i = r % n, wy = win / (w / ws), wx = win % (w / ws)
                return ((wy * ws + i / ws + shift) % h) * w + (wx * ws + i % ws + shift) % w
            }
            var qkvRows = [Float]()
            for r in 0..<t {
                let normed = referenceLayerNorm((0..<c).map { Double(x.data[image[r] * c + $0]) },
                                                weight: norm.weight, bias: norm.bias)
                qkvRows += (0..<(3 * c)).map { o in
                    Float((0..<c).reduce(Double(qkvB[o])) { $0 + normed[$1] * Double(qkvW[o * c + $1]) })
                }
            }
            let attended = referenceAttention(q: Operand(data: qkvRows, stride: 3 * c, offset: 0, tokens: n),
                                              k: Operand(data: qkvRows, stride: 3 * c, offset: c, tokens: n),
                                              v: Operand(data: qkvRows, stride: 3 * c, offset: 2 * c, tokens: n),
                                              windows: t / n, heads: heads, d: d, scale: scale, bias: bias, mask: mask)
            var want = x.data
            for r in 0..<t { for o in 0..<c {
                let y = (0..<c).reduce(Double(projB[o])) {
                    $0 + Double(attended[r * c + $1]) * Double(projW[o * c + $1])
                }
                want[image[r] * c + o] += Float(y)
            } }
            assertClose(got.data, want, atol: 1e-5, "\(h)×\(w) window \(ws) shift \(shift) vs scalar loops")
        }
    }

    /// Items of several windows only where they fill whole micro-kernel blocks and leave every
    /// thread 2 items.
    func testWindowGroupFillsWholeBlocks() {
        XCTAssertEqual(windowGroup(tokens: 64, block: 6, windows: 64, threads: 2), 3)
        XCTAssertEqual(windowGroup(tokens: 64, block: 8, windows: 64, threads: 2), 1)
        XCTAssertEqual(windowGroup(tokens: 9, block: 6, windows: 24, threads: 3), 2)
        XCTAssertEqual(windowGroup(tokens: 49, block: 6, windows: 64, threads: 2), 1, "no group of ≤ 4 fills blocks")
        XCTAssertEqual(windowGroup(tokens: 64, block: 6, windows: 64, threads: 16), 1, "too few items per thread")
    }
}
