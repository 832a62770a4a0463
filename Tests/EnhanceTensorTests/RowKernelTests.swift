import XCTest
@testable import EnhanceTensor

/// The C row kernels behind the token ops (LayerNorm, softmax with the attention's bias and mask,
/// the blocked transposes of the keys and of CHW ↔ tokens) against scalar loops in double written
/// here (index loops for the copies, exact), on sizes that exercise their 16-float tails and 8 × 8
/// blocks (rows and heads shorter than a vector, overlapping last blocks). Tolerance: 1e-5 relative
/// plus an absolute floor of 1e-7 for probabilities, 1e-5 (2e-5 for LayerNorm's outputs) for sums.
final class RowKernelTests: XCTestCase {
    let pool = ThreadPool(threads: 3)

    func testLayerNormRowsMatchScalarLoops() {
        var rng = SplitMix(seed: 81)
        for c in [1, 5, 16, 17, 33, 180] {
            let rows = 9
            // An offset far from zero: a one-pass variance would lose digits here.
            let x = Matrix(rows: rows, columns: c, data: rng.floats(rows * c, scale: 2).map { $0 + 30 })
            let w = rng.floats(c, scale: 1.5), b = rng.floats(c, scale: 0.5)
            let want = (0..<rows).flatMap { r in
                referenceLayerNorm((0..<c).map { Double(x.data[r * c + $0]) }, weight: w, bias: b).map(Float.init)
            }
            assertClose(layerNormRows(x, weight: w, bias: b, pool: pool).data, want, atol: 2e-5, "C = \(c)")
        }
    }

    /// CHW ↔ tokens (the blocked transpose with its overlapping last blocks and its element-wise
    /// path) against index loops, and `add`.
    func testTokenTransposesMatchIndexLoops() {
        var rng = SplitMix(seed: 85)
        for (c, h, w) in [(1, 1, 1), (3, 2, 3), (5, 3, 7), (8, 8, 1), (16, 4, 4), (180, 8, 9), (33, 5, 13)] {
            let n = h * w
            let x = Tensor(channels: c, height: h, width: w, data: rng.floats(c * n, scale: 1))
            let m = Matrix(tokensOf: x)
            XCTAssertEqual(m.data, (0..<(n * c)).map { x.data[($0 % c) * n + $0 / c] }, "\(c)×\(h)×\(w)")
            XCTAssertEqual(Tensor(tokens: m, height: h, width: w), x, "\(c)×\(h)×\(w) back")
            let other = Matrix(rows: n, columns: c, data: rng.floats(c * n, scale: 1))
            XCTAssertEqual(add(m, other).data, (0..<(n * c)).map { m.data[$0] + other.data[$0] })
        }
    }

    func testSoftmaxRowsMatchScalarLoops() {
        var rng = SplitMix(seed: 82)
        for n in [1, 3, 15, 16, 17, 64, 100] {
            let rows = 5
            let x = Matrix(rows: rows, columns: n, data: rng.floats(rows * n, scale: 40))
            assertClose(softmaxRows(x, pool: pool).data, referenceSoftmax(x.data.map(Double.init), n: n), atol: 1e-7,
                        "n = \(n)")
        }
    }

    /// Self-attention in windows of `window²` tokens with `heads` heads of `d` features, with and
    /// without the bias and the shifted-window mask.
    func testWindowAttentionMatchesScalarLoops() {
        var rng = SplitMix(seed: 83)
        for (window, heads, d, windows) in [(2, 2, 3, 3), (3, 1, 8, 2), (5, 3, 13, 2), (8, 2, 30, 2), (4, 1, 1, 1)] {
            let n = window * window, c = heads * d
            let qkv = Matrix(rows: windows * n, columns: 3 * c, data: rng.floats(windows * n * 3 * c, scale: 1.5))
            let bias = rng.floats(heads * n * n, scale: 2)
            let mask = (0..<(windows * n * n)).map { _ in rng.next() % 3 == 0 ? Float(-100) : 0 }
            let scale = 1 / Float(d).squareRoot()
            for (b, m) in [(nil, nil), (bias, nil), (bias, mask)] as [([Float]?, [Float]?)] {
                let got = windowAttention(qkv: qkv, windowTokens: n, heads: heads, scale: scale, bias: b, mask: m,
                                          pool: pool)
                let q = Operand(data: qkv.data, stride: 3 * c, offset: 0, tokens: n)
                let k = Operand(data: qkv.data, stride: 3 * c, offset: c, tokens: n)
                let v = Operand(data: qkv.data, stride: 3 * c, offset: 2 * c, tokens: n)
                let want = referenceAttention(q: q, k: k, v: v, windows: windows, heads: heads, d: d, scale: scale,
                                           bias: b, mask: m)
                assertClose(got.data, want, atol: 1e-5,
                            "window \(window), \(heads)×\(d), bias \(b != nil), mask \(m != nil)")
            }
        }
    }

    func testCrossWindowAttentionMatchesScalarLoops() {
        var rng = SplitMix(seed: 84)
        let (nq, nk, heads, d, windows, extra) = (16, 36, 2, 10, 3, 5)
        let c = heads * d
        let qs = rng.floats(windows * nq * (c + extra), scale: 1.5)
        let queries = Matrix(rows: windows * nq, columns: c + extra, data: qs)
        let kv = Matrix(rows: windows * nk, columns: 2 * c, data: rng.floats(windows * nk * 2 * c, scale: 1.5))
        let bias = rng.floats(heads * nq * nk, scale: 2)
        let got = windowAttention(queries: queries, keysValues: kv, queryTokens: nq, keyTokens: nk, heads: heads,
                                  scale: 0.3, bias: bias, pool: pool)
        let want = referenceAttention(q: Operand(data: queries.data, stride: c + extra, offset: 0, tokens: nq),
                                      k: Operand(data: kv.data, stride: 2 * c, offset: 0, tokens: nk),
                                      v: Operand(data: kv.data, stride: 2 * c, offset: c, tokens: nk),
                                      windows: windows, heads: heads, d: d, scale: 0.3, bias: bias, mask: nil)
        assertClose(got.data, want, atol: 1e-5)
    }
}

/// Token `t` of window `w`, feature `f`: `data[(w · tokens + t) · stride + offset + f]` (scalar references).
struct Operand {
    let data: [Float], stride: Int, offset: Int, tokens: Int
    func at(_ w: Int, _ t: Int, _ f: Int) -> Double { Double(data[(w * tokens + t) * stride + offset + f]) }
}

func referenceSoftmax(_ x: [Double], n: Int) -> [Float] {
    var out = [Float]()
    for r in 0..<(x.count / n) {
        let row = x[(r * n)..<((r + 1) * n)], top = row.max()!
        let total = row.reduce(0) { $0 + Foundation.exp($1 - top) }
        out += row.map { Float(Foundation.exp($0 - top) / total) }
    }
    return out
}

/// `softmax(scale · q·kᵀ + bias + mask) · v` per window and head, `[windows · Nq, heads · d]`.
func referenceAttention(q: Operand, k: Operand, v: Operand, windows: Int, heads: Int, d: Int, scale: Float,
                        bias: [Float]?, mask: [Float]?) -> [Float] {
    let nq = q.tokens, nk = k.tokens, c = heads * d
    var out = [Float](repeating: 0, count: windows * nq * c)
    for w in 0..<windows { for h in 0..<heads { for i in 0..<nq {
        var scores = [Double](repeating: 0, count: nk)
        for j in 0..<nk {
            var s = 0.0
            for e in 0..<d { s += q.at(w, i, h * d + e) * k.at(w, j, h * d + e) }
            s = s * Double(scale) + Double(bias?[(h * nq + i) * nk + j] ?? 0)
            scores[j] = s + Double(mask?[(w * nq + i) * nk + j] ?? 0)
        }
        let p = referenceSoftmax(scores, n: nk)
        for e in 0..<d {
            var o = 0.0
            for j in 0..<nk { o += Double(p[j]) * v.at(w, j, h * d + e) }
            out[(w * nq + i) * c + h * d + e] = Float(o)
        }
    } } }
    return out
}

/// LayerNorm of one row in double (biased variance, eps 1e-5).
func referenceLayerNorm(_ row: [Double], weight: [Float], bias: [Float]) -> [Double] {
    let mean = row.reduce(0, +) / Double(row.count)
    let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(row.count)
    let rstd = 1 / (variance + 1e-5).squareRoot()
    return row.indices.map { (row[$0] - mean) * rstd * Double(weight[$0]) + Double(bias[$0]) }
}
