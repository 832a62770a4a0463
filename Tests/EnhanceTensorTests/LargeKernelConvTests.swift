import Foundation
import XCTest
@testable import EnhanceTensor

/// The overlap-save FFT path (``FFTConv``) for large kernels, against the naive loop nest
/// (`Conv2D.reference`), and its transform (``FFTPlan``) against a double-precision DFT.
///
/// Tolerance: max |fft − ref| ≤ 1e-4 · (range of ref + 1) — float32 transforms of 32–64 points
/// lose about two more digits than the direct sums.
final class LargeKernelConvTests: XCTestCase {
    let pool = ThreadPool(threads: 2)

    private func makeConv(_ rng: inout SplitMix, ci: Int, co: Int, k: Int) -> Conv2D {
        Conv2D(weight: rng.floats(co * ci * k * k, scale: 1 / Float(ci * k * k).squareRoot()),
               bias: rng.floats(co, scale: 0.5), inChannels: ci, outChannels: co, kernelSize: k)
    }

    private func assertNear(_ got: Tensor, _ want: Tensor, _ what: String, file: StaticString = #filePath,
                            line: UInt = #line) {
        XCTAssertEqual([got.channels, got.height, got.width], [want.channels, want.height, want.width],
                       what, file: file, line: line)
        let lo = want.data.min() ?? 0, hi = want.data.max() ?? 0
        let worst = zip(got.data, want.data).reduce(0) { max($0, abs($1.0 - $1.1)) }
        XCTAssertLessThanOrEqual(worst, 1e-4 * (hi - lo + 1), what, file: file, line: line)
        XCTAssertFalse(got.data.contains { !$0.isFinite }, what, file: file, line: line)
    }

    /// Every stored bin of a forward transform equals the DFT at its bit-reversed frequencies, and
    /// the inverse gives back n² times the input.
    func testTransformMatchesTheDFT() {
        for n in [4, 8, 16] {  // odd and even log₂ n: a radix-2 stage or none
            let plan = FFTPlan.plan(n), bits = n.trailingZeroBitCount
            var rng = SplitMix(seed: UInt64(n))
            let tile = UnsafeMutablePointer<Float>.allocate(capacity: plan.tileFloats)
            defer { tile.deallocate() }
            tile.initialize(repeating: 0, count: plan.tileFloats)
            let values = rng.floats(n * n * 16, scale: 1)
            func at(_ e: Int) -> Int { (e / n * plan.rowStride + e % n) * 16 }  // element e = y·n + x
            for e in 0..<(n * n) { for f in 0..<16 { tile[at(e) + f] = values[e * 16 + f] } }
            plan.forward(tile, rows: 0..<n)
            func rev(_ j: Int) -> Int { (0..<bits).reduce(0) { $0 | ((j >> $1) & 1) << (bits - 1 - $1) } }
            var worst = 0.0
            for jy in 0..<n { for jx in 0..<n { for lane in 0..<8 {
                var re = 0.0, im = 0.0
                for y in 0..<n { for x in 0..<n {
                    let a = -2 * Double.pi * Double(rev(jy) * y + rev(jx) * x) / Double(n)
                    let vr = Double(values[(y * n + x) * 16 + lane]), vi = Double(values[(y * n + x) * 16 + 8 + lane])
                    re += vr * cos(a) - vi * sin(a)
                    im += vr * sin(a) + vi * cos(a)
                } }
                let e = (jy * plan.rowStride + jx) * 16 + lane
                worst = max(worst, abs(Double(tile[e]) - re), abs(Double(tile[e + 8]) - im))
            } } }
            XCTAssertLessThan(worst, 1e-4 * Double(n), "n = \(n)")
            plan.inverse(tile, rows: 0..<n)
            var back: Float = 0
            for e in 0..<(n * n) { for f in 0..<16 {
                back = max(back, abs(tile[at(e) + f] / Float(n * n) - values[e * 16 + f]))
            } }
            XCTAssertLessThan(back, 1e-5, "n = \(n) round trip")
            XCTAssertEqual(plan.bins.count, n * n / 2 + 2)
            XCTAssertEqual(Set(plan.bins + plan.mirrors).count, n * n, "bins and mirrors cover the tile")
        }
    }

    func testShapesAndKernelSizesMatchTheReference() {
        let shapes = [(1, 1), (7, 5), (20, 20), (33, 70), (70, 33), (49, 48)]
        var seed: UInt64 = 1
        for k in [9, 13, 17] { for (h, w) in shapes { for (ci, co) in [(16, 16), (3, 5)] {
            var rng = SplitMix(seed: seed)
            seed += 1
            let conv = makeConv(&rng, ci: ci, co: co, k: k)
            let x = Tensor(channels: ci, height: h, width: w, data: rng.floats(ci * h * w, scale: 1))
            let what = "\(ci)→\(co) \(k)×\(k) on \(h)×\(w)"
            assertNear(conv.run([x], activation: .identity, outputScale: 1, residual: nil, pool: pool, algorithm: .fft),
                       conv.reference([x], pool: pool), what)
        } } }
    }

    /// Epilogues (activation, scale, residual), split inputs, channel counts beyond one 16-block,
    /// and the automatic path (which takes the FFT from 9×9 on once the spectra exist).
    func testEpiloguesInputsAndBlocks() {
        let acts: [Activation] = [.relu, .leakyReLU(0.2), .prelu((0..<21).map { Float($0) / 21 }), .gelu]
        for (i, act) in acts.enumerated() {
            var rng = SplitMix(seed: 50 + UInt64(i))
            let parts = [[5, 12], [16, 17], [40], [1, 1]][i], ci = parts.reduce(0, +), co = [21, 33, 7, 21][i]
            let conv = makeConv(&rng, ci: ci, co: co, k: [9, 11, 15, 17][i])
            let (h, w) = [(26, 31), (40, 19), (17, 57), (64, 3)][i]
            let xs = parts.map { Tensor(channels: $0, height: h, width: w, data: rng.floats($0 * h * w, scale: 1)) }
            let res = Tensor(channels: co, height: h, width: w, data: rng.floats(co * h * w, scale: 1))
            conv.prepare(pool: pool)
            assertNear(conv(xs, activation: act, outputScale: 0.3, residual: res, pool: pool),
                       conv.reference(xs, activation: act, outputScale: 0.3, residual: res, pool: pool),
                       "\(act) \(parts)→\(co)")
        }
    }

    /// A RealPLKSR-sized call: 17×17, 16 → 16 on 128×120, through the partial-conv entry point.
    func testLargeInputPartialConv() {
        var rng = SplitMix(seed: 90)
        let conv = makeConv(&rng, ci: 16, co: 16, k: 17)
        let x = Tensor(channels: 24, height: 128, width: 120, data: rng.floats(24 * 128 * 120, scale: 1))
        let y = conv(leadingChannelsOf: x, pool: pool)
        assertNear(y.channels(0..<16), conv.reference([x.channels(0..<16)], pool: pool), "128×120")
        XCTAssertEqual(y.channels(16..<24), x.channels(16..<24))
    }

    /// A small input runs direct while the spectra are not made (a new α's first small view would
    /// otherwise pay for them), and makes none; once they exist (a large input, or `prepare`), the FFT.
    func testSmallInputRunsDirectUntilTheSpectraExist() {
        var rng = SplitMix(seed: 93)
        let conv = makeConv(&rng, ci: 16, co: 16, k: 17)
        let small = Tensor(channels: 16, height: 36, width: 46, data: rng.floats(16 * 36 * 46, scale: 1))
        let want = conv.reference([small], activation: .relu, pool: pool)
        assertNear(conv(small, activation: .relu, pool: pool), want, "direct")
        XCTAssertFalse(conv.packed.isMade, "a small input makes no spectra")
        let large = Tensor(channels: 16, height: 70, width: 80, data: rng.floats(16 * 70 * 80, scale: 1))
        assertNear(conv(large, pool: pool), conv.reference([large], pool: pool), "70×80: FFT")
        XCTAssertTrue(conv.packed.isMade, "a large input makes the spectra")
        assertNear(conv(small, activation: .relu, pool: pool), want, "the FFT once they exist")
    }

    func testThreadCountDoesNotChangeResults() {
        var rng = SplitMix(seed: 91)
        let conv = makeConv(&rng, ci: 16, co: 16, k: 17)
        let x = Tensor(channels: 16, height: 150, width: 97, data: rng.floats(16 * 150 * 97, scale: 1))
        let one = conv(x, activation: .relu, pool: ThreadPool(threads: 1))
        XCTAssertEqual(one, conv(x, activation: .relu, pool: pool))
        XCTAssertEqual(one, conv(x, activation: .relu, pool: ThreadPool(threads: 5)))
    }

    /// A blend makes its spectra from the blended weights: equal to a conv of blended weights, and
    /// to an end exactly at α = 0 and 1.
    func testBlendedConvolution() {
        var rng = SplitMix(seed: 92)
        let a = makeConv(&rng, ci: 16, co: 16, k: 17), b = makeConv(&rng, ci: 16, co: 16, k: 17)
        a.prepare(pool: pool)
        b.prepare(pool: pool)
        let x = Tensor(channels: 16, height: 37, width: 52, data: rng.floats(16 * 37 * 52, scale: 1))
        for alpha: Float in [0, 0.35, 1] {
            let blended = Conv2D(blending: a, b, alpha: alpha)
            blended.prepare(pool: pool)
            let w = zip(a.weight, b.weight).map { (1 - alpha) * $0 + alpha * $1 }
            let bias = zip(a.bias, b.bias).map { (1 - alpha) * $0 + alpha * $1 }
            let oracle = Conv2D(weight: w, bias: bias, inChannels: 16, outChannels: 16, kernelSize: 17)
            let y = blended(x, activation: .leakyReLU(0.2), pool: pool)
            assertNear(y, oracle.reference([x], activation: .leakyReLU(0.2), pool: pool), "α = \(alpha)")
            if alpha == 0 || alpha == 1 {
                XCTAssertEqual(y, (alpha == 0 ? a : b)(x, activation: .leakyReLU(0.2), pool: pool))
            }
        }
    }

    /// The prepared kernels are the spectra from 9×9 on (the direct layout below), and
    /// `kernelBytes` counts exactly what is prepared.
    func testPreparedKernelsAndTheirBytes() {
        var rng = SplitMix(seed: 93)
        for (k, ci, co) in [(7, 16, 16), (9, 16, 16), (17, 16, 16), (17, 3, 40), (33, 4, 4)] {
            let conv = makeConv(&rng, ci: ci, co: co, k: k)
            conv.prepare(pool: pool)
            let floats = conv.packed.value(pool).count
            let n = k < 9 ? 0 : k <= 11 ? 32 : k <= 22 ? 64 : 128
            XCTAssertEqual(floats, k < 9 ? co.roundedUp(KernelISA.compiled.rows) * ci * k * k
                                        : (n * n / 2 + 2) * co.roundedUp(16) / 16 * ci * 32, "k = \(k)")
            XCTAssertEqual(Conv2D.kernelBytes(inChannels: ci, outChannels: co, kernelSize: k, layout: .chw),
                           k < 9 ? 4 * ci * co * k * k : 4 * floats, "k = \(k)")
        }
    }

    /// One k×k, 16 → 16 conv on 128×128, the direct kernel (weights packed once, as the automatic
    /// path ran it before the FFT) against the FFT, 1 and 2 threads, median of 5; runs only with
    /// `ENHANCE_TIMING=1` (`swift build -c release --build-tests`, then
    /// `ENHANCE_TIMING=1 swift test -c release --skip-build --filter LargeKernelConvTests/testTiming`).
    func testTiming() throws {
        try XCTSkipUnless(ProcessInfo.processInfo.environment["ENHANCE_TIMING"] == "1", "ENHANCE_TIMING=1 to run")
        var rng = SplitMix(seed: 94)
        for k in [7, 9, 11, 13, 17] {
            let conv = makeConv(&rng, ci: 16, co: 16, k: k)
            let x = Tensor(channels: 16, height: 128, width: 128, data: rng.floats(16 * 128 * 128, scale: 1))
            for threads in [1, 2] {
                let pool = ThreadPool(threads: threads)
                let packed = Conv2D.pack(conv.weight, outChannels: 16, inChannels: 16, kernelSize: k, groups: 1,
                                         direct: true, rows: KernelISA.compiled.rows, pool: pool)
                func direct() {
                    _ = [Float](unsafeUninitializedCapacity: 16 * 128 * 128) { out, count in
                        count = 16 * 128 * 128
                        withPlanes([x]) { planes in
                            conv.withEpilogue(activation: .identity, outputScale: 1, residual: nil) { epi in
                                packed.withUnsafeBufferPointer { pk in
                                    DirectConv.run(.compiled, packed: pk.baseAddress!, outChannels: 16, kernelSize: k,
                                                   planes: planes, height: 128, width: 128, out: out.baseAddress!,
                                                   epilogue: epi, pool: pool)
                                }
                            }
                        }
                    }
                }
                func median(_ run: () -> Void) -> Double {
                    run()
                    let times = (0..<5).map { _ in
                        let start = DispatchTime.now().uptimeNanoseconds
                        run()
                        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                    }
                    return times.sorted()[2]
                }
                let d = median(direct), f = median {
                    _ = conv.run([x], activation: .identity, outputScale: 1, residual: nil, pool: pool, algorithm: .fft)
                }
                print(String(format: "timing %2d×%2d 16→16 128×128, %d thread(s): direct %.2f ms, fft %.2f ms,"
                             + " ×%.1f", k, k, threads, d, f, d / f))
            }
        }
    }
}

private extension Int {
    func roundedUp(_ m: Int) -> Int { (self + m - 1) / m * m }
}
