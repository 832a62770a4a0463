import XCTest
@testable import EnhanceTensor

/// The pieces of a channel-packed super-resolution tail: the sub-position-major pixel shuffle and the
/// packed-input convolution to few CHW outputs (``PackedToFew``), against PyTorch's definitions
/// (`pixel_shuffle` element by element) and the naive loop nest.
final class PackedTailTests: XCTestCase {
    let pool = ThreadPool(threads: 2)

    /// A conv whose outputs were reordered sub-position-major, shuffled packed, equals PyTorch's
    /// `pixel_shuffle(conv(x), r)`: out[c, y·r + i, x·r + j] = conv[c·r² + i·r + j, y, x].
    func testSubPositionMajorShuffleIsPixelShuffle() {
        var rng = SplitMix(seed: 21)
        for (r, c, h, w) in [(2, 16, 3, 5), (2, 32, 4, 7), (3, 16, 2, 3)] {
            let cin = 16, outs = c * r * r
            let weight = rng.floats(outs * cin * 9, scale: 0.3), bias = rng.floats(outs, scale: 0.5)
            let x = Tensor(channels: cin, height: h, width: w, data: rng.floats(cin * h * w, scale: 1))
            let plain = Conv2D(weight: weight, bias: bias, inChannels: cin, outChannels: outs, kernelSize: 3)
            let want = plain.reference([x], activation: .identity, outputScale: 1, residual: nil, pool: pool)
            let reordered = Conv2D(weight: Packed16.subPositionMajor(weight, channels: c, factor: r),
                                   bias: Packed16.subPositionMajor(bias, channels: c, factor: r),
                                   inChannels: cin, outChannels: outs, kernelSize: 3,
                                   layout: outs % 32 == 0 ? .packed16 : .chw)
            let packedIn = Packed16.pack(x, pool: pool)
            let conv = reordered.layout == .packed16 ? reordered(packedIn, pool: pool)
                : Packed16.pack(reordered(x, pool: pool), pool: pool)
            let got = Packed16.unpack(Packed16.pixelShuffle(conv, r, pool: pool), pool: pool)
            XCTAssertEqual([got.channels, got.height, got.width], [c, h * r, w * r])
            var worst: Float = 0
            for ch in 0..<c { for y in 0..<h * r { for xx in 0..<w * r {
                let ref = want[ch * r * r + (y % r) * r + xx % r, y / r, xx / r]
                worst = max(worst, abs(got[ch, y, xx] - ref))
            } } }
            XCTAssertLessThanOrEqual(worst, 1e-3, "r=\(r) c=\(c) \(h)×\(w)")
        }
    }

    /// Packed input, CHW output: sizes around the 16-pixel blocks and the two-pixel pairs, 1 to 4
    /// outputs, one and several input groups, bias, activation, scale and residual.
    func testPackedToFewMatchesTheReference() {
        var rng = SplitMix(seed: 33)
        let cases: [(ci: Int, k: Int, h: Int, w: Int, act: Activation, residual: Bool)] = [
            (16, 3, 1, 1, .identity, false), (32, 3, 5, 17, .identity, true), (32, 1, 4, 2, .relu, false),
            (48, 4, 7, 33, .leakyReLU(0.1), true), (16, 2, 3, 16, .identity, true), (64, 3, 19, 31, .identity, true),
        ]
        for t in cases {
            let conv = Conv2D(weight: rng.floats(t.k * t.ci * 9, scale: 1 / Float(t.ci * 9).squareRoot()),
                              bias: rng.floats(t.k, scale: 0.5), inChannels: t.ci, outChannels: t.k, kernelSize: 3)
            let x = Tensor(channels: t.ci, height: t.h, width: t.w, data: rng.floats(t.ci * t.h * t.w, scale: 1))
            let res = t.residual
                ? Tensor(channels: t.k, height: t.h, width: t.w, data: rng.floats(t.k * t.h * t.w, scale: 1)) : nil
            let ref = conv.reference([x], activation: t.act, outputScale: 0.5, residual: res, pool: pool)
            let got = conv(Packed16.pack(x, pool: pool), activation: t.act, outputScale: 0.5, residual: res, pool: pool)
            XCTAssertEqual(got.layout, .chw)
            XCTAssertEqual([got.channels, got.height, got.width], [t.k, t.h, t.w])
            let peak = ref.data.reduce(0) { max($0, abs($1)) }
            var worst: Float = 0
            for i in 0..<ref.data.count { worst = max(worst, abs(ref.data[i] - got.data[i])) }
            XCTAssertLessThanOrEqual(worst, 1e-5 * (peak + 1), "\(t.ci)→\(t.k) \(t.h)×\(t.w)")
        }
    }
}
