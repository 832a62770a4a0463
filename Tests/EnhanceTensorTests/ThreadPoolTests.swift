import Synchronization
import XCTest
@testable import EnhanceTensor

final class ThreadPoolTests: XCTestCase {
    func testEveryIndexOnceAcrossManyLoops() {
        let pool = ThreadPool(threads: 2)
        for round in 0..<2000 {
            let n = round % 37 + 1
            let hits = UnsafeMutablePointer<Int>.allocate(capacity: n)
            hits.initialize(repeating: 0, count: n)
            let base = Int(bitPattern: hits)
            let badWorker = Atomic<Bool>(false)
            pool.parallelFor(n) { i, w in
                if w < 0 || w >= 2 { badWorker.store(true, ordering: .relaxed) }
                UnsafeMutablePointer<Int>(bitPattern: base)![i] += 1  // disjoint indices
            }
            XCTAssertFalse(badWorker.load(ordering: .relaxed))
            XCTAssertEqual(Array(UnsafeBufferPointer(start: hits, count: n)), [Int](repeating: 1, count: n))
            hits.deallocate()
        }
    }

    func testNestedLoopsAndPoolLifetimes() {
        for _ in 0..<20 {
            let pool = ThreadPool(threads: 2)
            let total = Atomic<Int>(0)
            pool.parallelFor(4) { _ in
                pool.parallelFor(5) { j in total.add(j, ordering: .relaxed) }
            }
            XCTAssertEqual(total.load(ordering: .relaxed), 4 * 10)
        }
    }

    /// Both workers run items of every loop, also after the job generation has gone round (2¹⁶ loops)
    /// and through its upper half: there the packed job word once turned negative, so the caller
    /// claimed nothing and every 2-thread loop ran on the helper alone for 32 768 loops at a time.
    /// Each loop has two items and each item waits (spinning, bounded) for the other one to start,
    /// which only a second worker can do; one that gives up counts the loop as single-threaded.
    func testBothWorkersTakePartAcrossTheGenerationWrap() {
        let pool = ThreadPool(threads: 2)
        let loops = 70_000, lonely = Atomic<Int>(0), callerItems = Atomic<Int>(0)
        for _ in 0..<loops where lonely.load(ordering: .relaxed) == 0 {
            let started = Atomic<Int>(0)
            pool.parallelFor(2) { _, w in
                if w == 0 { callerItems.add(1, ordering: .relaxed) }
                started.add(1, ordering: .acquiringAndReleasing)
                var spins = 0
                while started.load(ordering: .acquiring) < 2 {
                    spins += 1
                    if spins == 500_000_000 { lonely.add(1, ordering: .relaxed); return }
                }
            }
        }
        XCTAssertEqual(lonely.load(ordering: .relaxed), 0, "loops that ran on one worker only")
        XCTAssertEqual(callerItems.load(ordering: .relaxed), loops, "the caller's items (one per loop)")
    }
}
