import Foundation
import XCTest
@testable import EnhanceTensor

/// `Conv2D(blending:_:alpha:)` against a conv built from weights blended elementwise here.
final class ConvBlendTests: XCTestCase {
    let pool = ThreadPool(threads: 2)

    private func conv(_ rng: inout SplitMix, ci: Int, k: Int, size: Int) -> Conv2D {
        Conv2D(weight: rng.floats(k * ci * size * size, scale: 1 / Float(ci * size * size).squareRoot()),
               bias: rng.floats(k, scale: 0.5), inChannels: ci, outChannels: k, kernelSize: size)
    }

    private func lerp(_ a: [Float], _ b: [Float], _ alpha: Float) -> [Float] {
        (0..<a.count).map { (1 - alpha) * a[$0] + alpha * b[$0] }
    }

    func testBlendOfPreparedKernelsEqualsConvOfBlendedWeights() {
        var rng = SplitMix(seed: 41)
        // 3×3 runs as Winograd, 1×1 and 5×5 as direct convolutions.
        for (size, ci, k) in [(3, 19, 11), (1, 8, 5), (5, 6, 9)] {
            let a = conv(&rng, ci: ci, k: k, size: size), b = conv(&rng, ci: ci, k: k, size: size)
            let x = Tensor(channels: ci, height: 13, width: 17, data: rng.floats(ci * 13 * 17, scale: 1))
            for alpha: Float in [0, 0.3, 0.75, 1] {
                let blended = Conv2D(blending: a, b, alpha: alpha)
                let oracle = Conv2D(weight: lerp(a.weight, b.weight, alpha), bias: lerp(a.bias, b.bias, alpha),
                                    inChannels: ci, outChannels: k, kernelSize: size)
                XCTAssertEqual(blended.weight, oracle.weight)
                XCTAssertEqual(blended.bias, oracle.bias)
                let y = blended(x, activation: .leakyReLU(0.2), pool: pool)
                let want = oracle(x, activation: .leakyReLU(0.2), pool: pool)
                let peak = want.data.reduce(0) { max($0, abs($1)) }
                var worst: Float = 0
                for i in want.data.indices { worst = max(worst, abs(y.data[i] - want.data[i])) }
                XCTAssertLessThanOrEqual(worst, 1e-5 * (peak + 1), "\(size)×\(size) α=\(alpha)")
                if alpha == 0 || alpha == 1 {
                    XCTAssertEqual(y, (alpha == 0 ? a : b)(x, activation: .leakyReLU(0.2), pool: pool))
                }
            }
        }
    }

    func testLazyBlendIsMadeOnceAndAgreesWithPrepared() {
        var rng = SplitMix(seed: 7)
        let a = conv(&rng, ci: 24, k: 16, size: 3), b = conv(&rng, ci: 24, k: 16, size: 3)
        let x = Tensor(channels: 24, height: 20, width: 20, data: rng.floats(24 * 400, scale: 1))
        let prepared = Conv2D(blending: a, b, alpha: 0.4)
        prepared.prepare(pool: pool)
        let want = prepared(x, pool: pool)
        // First use from several threads at once, each with its own pool.
        let lazy = Conv2D(blending: a, b, alpha: 0.4)
        let results = Locked<[Tensor]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let y = lazy(x, pool: ThreadPool(threads: 2))
            results.withLock { $0.append(y) }
        }
        let values = results.withLock { $0 }
        XCTAssertEqual(values.count, 4)
        for y in values { XCTAssertEqual(y, want) }
        // A blend of blends is a blend too.
        let nested = Conv2D(blending: Conv2D(blending: a, b, alpha: 0.5), b, alpha: 0)
        XCTAssertEqual(nested.weight, lerp(a.weight, b.weight, 0.5))
    }
}
