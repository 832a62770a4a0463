import Foundation

/// Runs background jobs one at a time, most important first (lowest ``Priority``, then oldest).
///
/// A job submitted with a better priority than the running one preempts it: the running job's
/// flag is cancelled (engines stop within one network layer) and the job goes back in the queue
/// to start again later. ``cancel(id:)`` drops a queued job or stops a running one for good.
/// Every transition is reported to `observer` (tests wait on these events, never on time).
public final class InferenceScheduler: @unchecked Sendable {
    /// Runs the job; returns false when it stopped early because `flag` was cancelled.
    public typealias Work = @Sendable (_ flag: CancellationToken) -> Bool

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

    private struct State {
        var pending: [Item] = []
        var running: (item: Item, flag: CancellationToken, preempted: Bool)?
        var workerActive = false
        var seq = 0
    }

    private let state = Locked(State())
    private let queue = DispatchQueue(label: "enhance.infer", qos: .userInitiated)
    private let observer: (@Sendable (Event) -> Void)?

    /// A scheduler with no jobs; `observer` hears every ``Event`` (from the worker or the caller).
    public init(observer: (@Sendable (Event) -> Void)? = nil) {
        self.observer = observer
    }

    /// Queues `work` as job `id`.
    public func submit(id: Int, priority: Priority, work: @escaping Work) {
        let (preempt, start): (CancellationToken?, Bool) = state.withLock { s in
            s.seq += 1
            s.pending.append(Item(id: id, priority: priority, seq: s.seq, work: work))
            var preempt: CancellationToken?
            if let r = s.running, priority < r.item.priority, !r.preempted, !r.flag.isCancelled {
                s.running?.preempted = true
                preempt = r.flag
            }
            defer { s.workerActive = true }
            return (preempt, !s.workerActive)
        }
        preempt?.cancel()
        if start { queue.async { [weak self] in self?.drain() } }
    }

    /// Drops job `id` if queued; stops it if running (it is not resumed).
    public func cancel(id: Int) {
        let (dropped, flag): (Bool, CancellationToken?) = state.withLock { s in
            let before = s.pending.count
            s.pending.removeAll { $0.id == id }
            guard let r = s.running, r.item.id == id else { return (s.pending.count != before, nil) }
            s.running?.preempted = false
            return (s.pending.count != before, r.flag)
        }
        flag?.cancel()
        if dropped { observer?(.cancelled(id)) }
    }

    /// Drops every queued job and stops the running one.
    public func cancelAll() {
        let (ids, flag): ([Int], CancellationToken?) = state.withLock { s in
            defer { s.pending = [] }
            s.running?.preempted = false
            return (s.pending.map(\.id), s.running?.flag)
        }
        flag?.cancel()
        for id in ids { observer?(.cancelled(id)) }
    }

    /// Queued jobs (not the running one), in the order they would run.
    public var queued: [Int] {
        state.withLock { $0.pending.sorted(by: Item.before).map(\.id) }
    }

    private func drain() {
        while true {
            let next: (Item, CancellationToken)? = state.withLock { s in
                guard let i = s.pending.indices.min(by: { Item.before(s.pending[$0], s.pending[$1]) }) else {
                    s.workerActive = false
                    return nil
                }
                let item = s.pending.remove(at: i)
                let flag = CancellationToken()
                s.running = (item, flag, false)
                return (item, flag)
            }
            guard let (item, flag) = next else { return }
            observer?(.started(item.id))
            let completed = item.work(flag)
            let preempted = state.withLock { s in
                let preempted = s.running?.preempted ?? false
                s.running = nil
                if !completed && preempted { s.pending.append(item) }
                return preempted
            }
            observer?(completed ? .finished(item.id) : preempted ? .preempted(item.id) : .cancelled(item.id))
        }
    }
}
