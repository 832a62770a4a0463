import Foundation
import XCTest
@testable import EnhanceTUI

/// The scheduler's events, and waiting for one without sleeping (a condition variable).
final class EventLog: @unchecked Sendable {
    private let cond = NSCondition()
    private var events: [InferenceScheduler.Event] = []

    func record(_ e: InferenceScheduler.Event) {
        cond.lock(); events.append(e); cond.broadcast(); cond.unlock()
    }

    /// All events so far, once `e` has happened (fails the test after 10 s without it).
    @discardableResult
    func wait(for e: InferenceScheduler.Event, file: StaticString = #filePath, line: UInt = #line)
        -> [InferenceScheduler.Event] {
        cond.lock(); defer { cond.unlock() }
        let deadline = Date(timeIntervalSinceNow: 10)
        while !events.contains(e) {
            if !cond.wait(until: deadline) { XCTFail("no \(e) in \(events)", file: file, line: line); break }
        }
        return events
    }
}

/// A job that blocks until released (or, with `untilCancelled`, until its flag is cancelled).
final class Gate: @unchecked Sendable {
    private let sem = DispatchSemaphore(value: 0)
    func release() { sem.signal() }
    func work(untilCancelled: Bool) -> InferenceScheduler.Work {
        { [sem] flag in
            if untilCancelled { flag.onCancel { sem.signal() } }
            sem.wait()
            return !flag.isCancelled
        }
    }
}

final class SchedulerTests: XCTestCase {
    func testQueuedJobsRunByPriorityThenAge() {
        let log = EventLog()
        let s = InferenceScheduler(observer: log.record)
        let gate = Gate()
        s.submit(id: 1, priority: .visible, work: gate.work(untilCancelled: false))
        log.wait(for: .started(1))
        s.submit(id: 2, priority: .prefetch) { _ in true }
        s.submit(id: 3, priority: .ladder) { _ in true }
        s.submit(id: 4, priority: .visible) { _ in true }
        s.submit(id: 5, priority: .ladder) { _ in true }
        XCTAssertEqual(s.queued, [4, 3, 5, 2])
        gate.release()
        let events = log.wait(for: .finished(2))
        let starts = events.compactMap { e -> Int? in if case .started(let i) = e { return i } else { return nil } }
        XCTAssertEqual(starts, [1, 4, 3, 5, 2])
    }

    func testBetterJobPreemptsTheRunningOneWhichResumesAfter() {
        let log = EventLog()
        let s = InferenceScheduler(observer: log.record)
        let runs = Locked(0)
        let gate = Gate()
        let ladder: InferenceScheduler.Work = { flag in
            // First run: holds the worker until preempted. Second run: completes.
            runs.withLock { $0 += 1; return $0 } == 1 ? gate.work(untilCancelled: true)(flag) : true
        }
        s.submit(id: 1, priority: .ladder, work: ladder)
        log.wait(for: .started(1))
        s.submit(id: 2, priority: .visible) { _ in true }
        let events = log.wait(for: .finished(1))
        XCTAssertEqual(events, [.started(1), .preempted(1), .started(2), .finished(2), .started(1), .finished(1)])
    }

    func testCancelDropsQueuedAndStopsRunningForGood() {
        let log = EventLog()
        let s = InferenceScheduler(observer: log.record)
        let gate = Gate()
        s.submit(id: 1, priority: .ladder, work: gate.work(untilCancelled: true))
        log.wait(for: .started(1))
        s.submit(id: 2, priority: .prefetch) { _ in XCTFail("job 2 was cancelled"); return true }
        s.cancel(id: 2)
        s.cancel(id: 1)
        log.wait(for: .cancelled(1))
        s.submit(id: 3, priority: .prefetch) { _ in true }
        let events = log.wait(for: .finished(3))
        XCTAssertEqual(events, [.started(1), .cancelled(2), .cancelled(1), .started(3), .finished(3)])
        XCTAssertEqual(s.queued, [])
    }

    func testCancellationTokenRunsHandlersOnceAndAtOnceWhenLate() {
        let f = CancellationToken()
        let n = Locked(0)
        f.onCancel { n.withLock { $0 += 1 } }
        XCTAssertNoThrow(try f.check())
        f.cancel()
        f.cancel()
        XCTAssertEqual(n.withLock { $0 }, 1)
        f.onCancel { n.withLock { $0 += 1 } }
        XCTAssertEqual(n.withLock { $0 }, 2)
        XCTAssertThrowsError(try f.check())
        let none: CancellationToken? = nil
        XCTAssertNoThrow(try none.check())
        XCTAssertThrowsError(try Optional(f).check())
    }
}
