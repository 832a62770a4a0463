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
}
