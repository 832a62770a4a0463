import Dispatch
import Synchronization
import XCTest
@testable import EnhanceTensor

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
        let results = Locked<[Int: Tensor]>([:])
        // Outer parallel loop on the same pool: every inner conv finds the pool busy.
        pool.parallelFor(inputs.count) { i in
            let y = conv(inputs[i], activation: .relu, pool: pool)
            results.withLock { $0[i] = y }
        }
        // Plain threads sharing the pool.
        let threaded = Locked<[Int: Tensor]>([:])
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

    /// `exclusive` hands the pool (its scratch arenas) to one caller at a time and a private
    /// one-thread pool to the others: plain (non-atomic) increments of arena memory made while
    /// holding the pool add up to the number of times it was held. Eight threads contending
    /// also take the lock's slow path, the synchronisation ThreadSanitizer must see.
    func testExclusiveHandsThePoolToOneCallerAtATime() {
        let pool = ThreadPool(threads: 2)
        let cell = pool.arenas[0].floats(1)
        cell[0] = 0
        let held = Atomic<Int>(0), fallbacks = Atomic<Int>(0), badFallback = Atomic<Bool>(false)
        let cellAddress = Int(bitPattern: cell)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<400 {
                pool.exclusive { p in
                    guard p === pool else {
                        fallbacks.add(1, ordering: .relaxed)
                        if p.threads != 1 { badFallback.store(true, ordering: .relaxed) }
                        return
                    }
                    held.add(1, ordering: .relaxed)
                    UnsafeMutablePointer<Float>(bitPattern: cellAddress)![0] += 1
                }
            }
        }
        XCTAssertEqual(held.load(ordering: .relaxed) + fallbacks.load(ordering: .relaxed), 8 * 400)
        XCTAssertEqual(Int(cell[0]), held.load(ordering: .relaxed), "two callers held the pool at once")
        XCTAssertFalse(badFallback.load(ordering: .relaxed))
    }
}
