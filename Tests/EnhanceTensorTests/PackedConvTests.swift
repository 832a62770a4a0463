import XCTest
@testable import EnhanceTensor

/// The channel-packed layout and its F(6×6, 3×3) convolution against the naive loop nest.
///
/// Tolerance: max |fast − ref| ≤ 1e-3 · (max |ref| + 1); F(6×6)'s transform constants (up to 32
/// and 1/90) cost about one decimal digit more than F(4×4)'s 2e-4.
final class PackedConvTests: XCTestCase {
    let pool = ThreadPool(threads: 2)

    /// One block and several, ragged, of the 256-pixel conversion blocks.
    func testPackLayoutAndRoundTrip() {
        var rng = SplitMix(seed: 5)
        for (h, w) in [(3, 5), (17, 19)] {
            let t = Tensor(channels: 32, height: h, width: w, data: rng.floats(32 * h * w, scale: 1))
            let p = Packed16.pack(t, pool: pool)
            for c in 0..<32 { for y in 0..<h { for x in 0..<w {
                XCTAssertEqual(p.data[(((c / 16) * h + y) * w + x) * 16 + c % 16], t[c, y, x])
            } } }
            XCTAssertEqual(Packed16.unpack(p, pool: pool), t)
        }
    }

    /// Row crops and nearest ×2 / ×3 upsampling of packed tensors, element by element from the definitions.
    func testPackedRowsAndUpsampling() {
        var rng = SplitMix(seed: 9)
        let t = Tensor(channels: 32, height: 5, width: 3, data: rng.floats(32 * 15, scale: 1))
        let p = Packed16.pack(t, pool: pool)
        let r = Packed16.unpack(p.rows(1..<4), pool: pool)
        XCTAssertEqual([r.channels, r.height, r.width], [32, 3, 3])
        for c in 0..<32 { for y in 0..<3 { for x in 0..<3 { XCTAssertEqual(r[c, y, x], t[c, y + 1, x]) } } }
        for f in [2, 3] {
            let u = Packed16.unpack(Packed16.upsampleNearest(p, factor: f, pool: pool), pool: pool)
            XCTAssertEqual([u.channels, u.height, u.width], [32, 5 * f, 3 * f])
            for c in 0..<32 { for y in 0..<5 * f { for x in 0..<3 * f {
                XCTAssertEqual(u[c, y, x], t[c, y / f, x / f], "×\(f) c\(c) y\(y) x\(x)")
            } } }
        }
    }

    func compare(c: [Int], k: Int, h: Int, w: Int, act: Activation, scale: Float, residual: Bool, seed: UInt64,
                 isa: KernelISA, file: StaticString = #filePath, line: UInt = #line) {
        var rng = SplitMix(seed: seed)
        let ci = c.reduce(0, +)
        let conv = Conv2D(weight: rng.floats(k * ci * 9, scale: 1 / Float(ci * 9).squareRoot()),
                          bias: rng.floats(k, scale: 0.5), inChannels: ci, outChannels: k, kernelSize: 3)
        let inputs = c.map { Tensor(channels: $0, height: h, width: w, data: rng.floats($0 * h * w, scale: 1)) }
        let res = residual ? Tensor(channels: k, height: h, width: w, data: rng.floats(k * h * w, scale: 1)) : nil
        let ref = conv.reference(inputs, activation: act, outputScale: scale, residual: res, pool: pool)
        let fast = Packed16.unpack(conv.packed16(inputs.map { Packed16.pack($0, pool: pool) }, activation: act,
                                                 outputScale: scale, residual: res.map { Packed16.pack($0, pool: pool) },
                                                 pool: pool, isa: isa), pool: pool)
        let peak = ref.data.reduce(0) { max($0, abs($1)) }
        var worst: Float = 0
        for i in 0..<ref.data.count { worst = max(worst, abs(ref.data[i] - fast.data[i])) }
        XCTAssertLessThanOrEqual(worst, 1e-3 * (peak + 1), "c=\(c) k=\(k) \(h)x\(w) \(act) \(isa)", file: file, line: line)
        XCTAssertFalse(fast.data.contains { !$0.isFinite }, file: file, line: line)
    }

    /// Sizes around the 6-pixel tile and the 16-tile chunk, every ISA's tile shape, several inputs.
    func testF6MatchesTheReference() {
        let sizes: [(Int, Int)] = [(1, 1), (5, 7), (6, 6), (7, 13), (12, 20), (19, 37), (33, 65)]
        for (i, isa) in KernelISA.allCases.enumerated() {
            for (j, s) in sizes.enumerated() {
                compare(c: [16], k: 32, h: s.0, w: s.1, act: .identity, scale: 1, residual: false,
                        seed: UInt64(100 * i + j), isa: isa)
            }
            compare(c: [64, 32, 32, 32, 32], k: 64, h: 14, w: 23, act: .identity, scale: 0.2, residual: true,
                    seed: UInt64(100 * i + 50), isa: isa)
            compare(c: [64, 32], k: 32, h: 9, w: 31, act: .prelu((0..<32).map { Float($0) / 32 }), scale: 1,
                    residual: false, seed: UInt64(100 * i + 51), isa: isa)
            compare(c: [32, 16], k: 32, h: 8, w: 8, act: .leakyReLU(0.2), scale: 1, residual: true,
                    seed: UInt64(100 * i + 52), isa: isa)
            // Output widths that are odd multiples of 16 (SPAN's 48): a last block of 16 channels.
            compare(c: [48], k: 48, h: 13, w: 29, act: .silu, scale: 1, residual: false,
                    seed: UInt64(100 * i + 53), isa: isa)
            compare(c: [16, 32], k: 16, h: 7, w: 9, act: .identity, scale: 1, residual: true,
                    seed: UInt64(100 * i + 54), isa: isa)
            compare(c: [48], k: 80, h: 6, w: 31, act: .leakyReLU(0.1), scale: 1, residual: true,
                    seed: UInt64(100 * i + 55), isa: isa)
        }
    }
}
