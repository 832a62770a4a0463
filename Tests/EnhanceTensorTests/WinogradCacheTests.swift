import Dispatch
import Synchronization
import XCTest
@testable import EnhanceTensor

/// The pool's transformed-input cache must never serve stale or mismatched transforms.
final class WinogradCacheTests: XCTestCase {
    let pool = ThreadPool(threads: 2)

    func maxError(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.data, b.data).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    func testReuseMutationAndDuplicates() {
        var rng = SplitMix(seed: 11)
        let conv = Conv2D(weight: rng.floats(6 * 24 * 9, scale: 0.2), bias: rng.floats(6, scale: 0.1),
                          inChannels: 24, outChannels: 6, kernelSize: 3)
        var a = Tensor(channels: 16, height: 9, width: 21, data: rng.floats(16 * 9 * 21, scale: 1))
        let b = Tensor(channels: 8, height: 9, width: 21, data: rng.floats(8 * 9 * 21, scale: 1))
        for _ in 0..<3 {  // miss, then hits
            let y = conv([a, b], pool: pool)
            XCTAssertLessThan(maxError(y, conv.reference([a, b], pool: pool)), 1e-4)
        }
        // Copy-on-write mutation: the cached storage stays intact, the new one is a miss.
        a.data[5] += 3
        a[3, 4, 20] = -2
        XCTAssertLessThan(maxError(conv([a, b], pool: pool), conv.reference([a, b], pool: pool)), 1e-4)
        // Reinterpreting the same storage with another shape must not hit.
        let bWide = Tensor(channels: 8, height: 7, width: 27, data: b.data)
        let aWide = Tensor(channels: 16, height: 7, width: 27, data: a.data)
        XCTAssertLessThan(maxError(conv([aWide, bWide], pool: pool), conv.reference([aWide, bWide], pool: pool)), 1e-4)
        // The same tensor twice in one call (cold and warm).
        let half = Conv2D(weight: rng.floats(5 * 16 * 9, scale: 0.2), bias: nil, inChannels: 16,
                          outChannels: 5, kernelSize: 3)
        let c = Tensor(channels: 8, height: 9, width: 21, data: rng.floats(8 * 9 * 21, scale: 1))
        for _ in 0..<2 {
            XCTAssertLessThan(maxError(half([c, c], pool: pool), half.reference([c, c], pool: pool)), 1e-4)
        }
        // Many distinct tensors cycle through the bounded cache.
        for i in 0..<(WinogradCache.maxEntries + 3) {
            let x = Tensor(channels: 8, height: 5, width: 6 + i, data: rng.floats(8 * 5 * (6 + i), scale: 1))
            XCTAssertLessThan(maxError(half([x, c.resized(5, 6 + i, &rng)], pool: pool),
                                       half.reference([x, c.resized(5, 6 + i, &rng)], pool: pool)), 1e-4)
        }
        pool.clearCaches()
        XCTAssertLessThan(maxError(conv([a, b], pool: pool), conv.reference([a, b], pool: pool)), 1e-4)
    }
}

private extension Tensor {
    /// A deterministic tensor with this channel count and the given size (for cache cycling).
    func resized(_ h: Int, _ w: Int, _ rng: inout SplitMix) -> Tensor {
        var r = SplitMix(seed: UInt64(h * 1000 + w))
        return Tensor(channels: channels, height: h, width: w, data: r.floats(channels * h * w, scale: 1))
    }
}

/// A pool used by several callers at once must stay correct (busy pools fall back to private scratch).
final class PoolSharingTests: XCTestCase {
    func testConcurrentAndNestedCallers() {
        let pool = ThreadPool(threads: 2)
        var rng = SplitMix(seed: 21)
        let conv = Conv2D(weight: rng.floats(8 * 12 * 9, scale: 0.2), bias: rng.floats(8, scale: 0.1),
                          inChannels: 12, outChannels: 8, kernelSize: 3)
        let inputs = (0..<4).map { i in
            [Tensor(channels: 8, height: 10 + i, width: 33, data: rng.floats(8 * (10 + i) * 33, scale: 1)),
             Tensor(channels: 4, height: 10 + i, width: 33, data: rng.floats(4 * (10 + i) * 33, scale: 1))]
        }
        let expected = inputs.map { conv.reference($0, activation: .relu, pool: ThreadPool(threads: 1)) }
        let results = Mutex<[Int: Tensor]>([:])
        // Outer parallel loop on the same pool: every inner conv finds the pool busy.
        pool.parallelFor(inputs.count) { i in
            let y = conv(inputs[i], activation: .relu, pool: pool)
            results.withLock { $0[i] = y }
        }
        // Plain threads sharing the pool.
        let threaded = Mutex<[Int: Tensor]>([:])
        DispatchQueue.concurrentPerform(iterations: inputs.count) { i in
            let y = conv(inputs[i], activation: .relu, pool: pool)
            threaded.withLock { $0[i] = y }
        }
        for i in 0..<inputs.count {
            for got in [results.withLock { $0[i] }, threaded.withLock { $0[i] }] {
                guard let got else { return XCTFail("missing result \(i)") }
                let err = zip(got.data, expected[i].data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
                XCTAssertLessThan(err, 1e-4)
            }
        }
    }
}
