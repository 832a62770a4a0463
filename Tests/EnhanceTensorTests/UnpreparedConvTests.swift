import XCTest
@testable import EnhanceTensor

/// A pool that makes no kernels (``ThreadPool/preparesKernels`` false, the ONNX native check's
/// probe): every convolution runs direct, equal to the naive loop nest (`Conv2D.reference`)
/// within the direct path's tolerance, in its own layout, and no Winograd, FFT or channel-packed
/// kernel is made.
final class UnpreparedConvTests: XCTestCase {
    let pool = ThreadPool(threads: 2, preparesKernels: false)
    let plain = ThreadPool(threads: 1)

    func check(_ conv: Conv2D, _ inputs: [Tensor], residual: Tensor?, act: Activation, packedInput: Bool = false,
               line: UInt = #line) {
        let ref = conv.reference(inputs, activation: act, outputScale: 0.5, residual: residual, pool: plain)
        func layout(_ t: Tensor) -> Tensor { conv.layout == .packed16 ? Packed16.pack(t, pool: plain) : t }
        let xs = packedInput ? inputs.map { Packed16.pack($0, pool: plain) } : inputs.map(layout)
        let y = conv(xs, activation: act, outputScale: 0.5, residual: residual.map(layout), pool: pool)
        XCTAssertEqual(y.layout, conv.layout, line: line)
        let got = y.layout == .packed16 ? Packed16.unpack(y, pool: plain) : y
        let peak = ref.data.reduce(0) { max($0, abs($1)) }
        let worst = zip(ref.data, got.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        XCTAssertEqual(got.data.count, ref.data.count, line: line)
        XCTAssertLessThanOrEqual(worst, 1e-5 * (peak + 1), line: line)
        XCTAssertFalse(conv.tileKernels.isMade || conv.fewKernels.isMade, line: line)
        if conv.kernelSize == 3 || conv.kernelSize >= FFTConv.minKernelSize {
            XCTAssertFalse(conv.packed.isMade, "Winograd or FFT kernels made", line: line)
        }
    }

    func make(_ rng: inout SplitMix, in ci: Int, out co: Int, k: Int, groups: Int = 1,
              layout: TensorLayout = .chw) -> Conv2D {
        let n = co * ci / groups * k * k
        return Conv2D(weight: rng.floats(n, scale: 1 / Float(ci / groups * k * k).squareRoot()),
                      bias: rng.floats(co, scale: 0.5), inChannels: ci, outChannels: co, kernelSize: k,
                      groups: groups, layout: layout)
    }

    func tensor(_ rng: inout SplitMix, _ c: Int, _ h: Int, _ w: Int) -> Tensor {
        Tensor(channels: c, height: h, width: w, data: rng.floats(c * h * w, scale: 1))
    }

    func testDenseWinogradAndFFTShapesRunDirect() {
        var rng = SplitMix(seed: 41)
        check(make(&rng, in: 5, out: 7, k: 3), [tensor(&rng, 3, 4, 6), tensor(&rng, 2, 4, 6)],
              residual: tensor(&rng, 7, 4, 6), act: .leakyReLU(0.2))
        check(make(&rng, in: 4, out: 3, k: 17), [tensor(&rng, 4, 9, 5)], residual: nil, act: .identity)
        check(make(&rng, in: 4, out: 6, k: 1), [tensor(&rng, 4, 3, 3)], residual: nil, act: .relu)
    }

    func testPackedLayoutsRunDirect() {
        var rng = SplitMix(seed: 42)
        check(make(&rng, in: 32, out: 16, k: 3, layout: .packed16), [tensor(&rng, 16, 4, 4), tensor(&rng, 16, 4, 4)],
              residual: tensor(&rng, 16, 4, 4), act: .leakyReLU(0.2))
        // A CHW convolution reading a packed16 input (few outputs).
        check(make(&rng, in: 16, out: 3, k: 3), [tensor(&rng, 16, 5, 4)], residual: nil, act: .identity,
              packedInput: true)
    }

    func testGroupedConvolutionsRunDirect() {
        var rng = SplitMix(seed: 43)
        let conv = make(&rng, in: 8, out: 8, k: 3, groups: 8)
        let x = tensor(&rng, 8, 5, 6)
        let ref = conv.reference([x], activation: .identity, outputScale: 1, residual: nil, pool: plain)
        let y = conv([x], pool: pool)
        let worst = zip(ref.data, y.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        XCTAssertLessThanOrEqual(worst, 1e-5)
    }
}
