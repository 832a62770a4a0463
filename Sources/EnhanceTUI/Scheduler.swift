import Foundation

/// Runs background jobs one at a time, most important first (lowest ``Priority``, then oldest).
///
/// A job submitted with a better priority than the running one preempts it: the running job's
/// flag is cancelled (engines stop within one network layer) and the job goes back in the queue
/// to start again later. ``cancel(id:)`` drops a queued job or stops a running one for good.
/// Every transition is reported to `observer` (tests wait on these events, never on time).
public final class InferenceScheduler: @unchecked Sendable {
    /// Runs the job; returns false when it stopped early because `flag` was cancelled.
    public typealias Work = @Sendable (_ flag: CancelFlag) -> Bool

    /// What happened to a job.
    public enum Event: Equatable, Sendable {
        case started(Int)
        case finished(Int)
        case preempted(Int)
        case cancelled(Int)
    }

    private struct Item {
        var id: Int
        var priority: Priority
        var seq: Int
        var work: Work

        static func before(_ a: Item, _ b: Item) -> Bool {
            a.priority != b.priority ? a.priority < b.priority : a.seq < b.seq
        }
    }

    private let lock = NSLock()
    private var pending: [Item] = []
    private var running: (item: Item, flag: CancelFlag, preempted: Bool)?
    private var workerActive = false
    private var seq = 0
    private let queue = DispatchQueue(label: "enhance.infer", qos: .userInitiated)
    private let observer: (@Sendable (Event) -> Void)?

    /// A scheduler with no jobs; `observer` hears every ``Event`` (from the worker or the caller).
    public init(observer: (@Sendable (Event) -> Void)? = nil) {
        self.observer = observer
    }

    /// Queues `work` as job `id`.
    public func submit(id: Int, priority: Priority, work: @escaping Work) {
        lock.lock()
        seq += 1
        pending.append(Item(id: id, priority: priority, seq: seq, work: work))
        var preempt: CancelFlag?
        if let r = running, priority < r.item.priority, !r.preempted, !r.flag.isCancelled {
            running?.preempted = true
            preempt = r.flag
        }
        let start = !workerActive
        workerActive = true
        lock.unlock()
        preempt?.cancel()
        if start { queue.async { [weak self] in self?.drain() } }
    }

    /// Drops job `id` if queued; stops it if running (it is not resumed).
    public func cancel(id: Int) {
        lock.lock()
        let before = pending.count
        pending.removeAll { $0.id == id }
        let dropped = pending.count != before
        var flag: CancelFlag?
        if let r = running, r.item.id == id {
            running?.preempted = false
            flag = r.flag
        }
        lock.unlock()
        flag?.cancel()
        if dropped { observer?(.cancelled(id)) }
    }

    /// Drops every queued job and stops the running one.
    public func cancelAll() {
        lock.lock()
        let ids = pending.map(\.id)
        pending = []
        running?.preempted = false
        let flag = running?.flag
        lock.unlock()
        flag?.cancel()
        for id in ids { observer?(.cancelled(id)) }
    }

    /// Queued jobs (not the running one), in the order they would run.
    public var queued: [Int] {
        lock.lock(); defer { lock.unlock() }
        return pending.sorted(by: Item.before).map(\.id)
    }

    private func drain() {
        while true {
            lock.lock()
            guard let i = pending.indices.min(by: { Item.before(pending[$0], pending[$1]) }) else {
                workerActive = false
                lock.unlock()
                return
            }
            let item = pending.remove(at: i)
            let flag = CancelFlag()
            running = (item, flag, false)
            lock.unlock()
            observer?(.started(item.id))
            let completed = item.work(flag)
            lock.lock()
            let preempted = running?.preempted ?? false
            running = nil
            if !completed && preempted { pending.append(item) }
            lock.unlock()
            observer?(completed ? .finished(item.id) : preempted ? .preempted(item.id) : .cancelled(item.id))
        }
    }
}
