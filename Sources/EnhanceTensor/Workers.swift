import Foundation
import Synchronization

/// Persistent helper threads for ``ThreadPool`` (`threads − 1` of them; the caller is worker 0).
///
/// Helpers spin briefly on the job word before sleeping, so back-to-back loops (one per
/// convolution) start without a kernel wake-up — on a loaded machine a sleeping thread can wait
/// milliseconds for a core. The job word packs `generation | count | next item`, so claiming an
/// item also proves which job it belongs to (a late helper can never run a stale body).
final class Workers: @unchecked Sendable {
    private static let itemBits = 24, itemMask = (1 << 24) - 1, generationMask = (1 << 15) - 1
    /// Upper bound on items per loop (bigger loops are run in slices).
    static let maxItems = itemMask

    private let state = Atomic<Int>(0)
    private let completed = Atomic<Int>(0)
    private let active = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    private let shutdown = Atomic<Bool>(false)
    private let condition = NSCondition()
    private var body: ((Int, Int) -> Void)?
    private var generation = 0

    init(helpers: Int) {
        for w in 1...max(1, helpers) {
            let t = Thread { [self] in self.helperLoop(worker: w) }
            t.stackSize = 1 << 20
            t.start()
        }
    }

    /// Stops the helpers (they exit after their current spin or sleep).
    func stop() {
        shutdown.store(true, ordering: .releasing)
        condition.lock(); condition.broadcast(); condition.unlock()
    }

    private func unpack(_ s: Int) -> (gen: Int, count: Int, next: Int) {
        (s >> (2 * Workers.itemBits), (s >> Workers.itemBits) & Workers.itemMask, s & Workers.itemMask)
    }

    /// Claims and runs items of the current job until none is left.
    private func work(gen: Int, worker: Int) {
        var s = state.load(ordering: .acquiring)
        while true {
            let u = unpack(s)
            if u.gen != gen || u.next >= u.count { return }
            let (exchanged, original) = state.compareExchange(expected: s, desired: s + 1,
                                                              ordering: .acquiringAndReleasing)
            if !exchanged { s = original; continue }
            body!(u.next, worker)  // the job cannot finish (or change) before this item completes
            completed.add(1, ordering: .releasing)
            s = state.load(ordering: .acquiring)
        }
    }

    private func helperLoop(worker: Int) {
        var seen = 0
        while !shutdown.load(ordering: .acquiring) {
            var spins = 0
            var gen = unpack(state.load(ordering: .acquiring)).gen
            while gen == seen && spins < 200_000 && !shutdown.load(ordering: .relaxed) {
                spins += 1
                gen = unpack(state.load(ordering: .acquiring)).gen
            }
            if gen == seen {
                condition.lock()
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while unpack(state.load(ordering: .acquiring)).gen == seen && !shutdown.load(ordering: .acquiring) {
                    condition.wait()
                }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                condition.unlock()
                continue
            }
            seen = gen
            work(gen: gen, worker: worker)
        }
    }

    /// Runs `body(i, worker)` for `i` in `0..<count` on the caller and the helpers. Returns false
    /// (running nothing) when another loop is already using the helpers.
    func run(_ count: Int, _ body: (Int, Int) -> Void) -> Bool {
        guard active.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        defer { active.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            var start = 0
            while start < count {
                let n = min(Workers.maxItems, count - start), base = start
                self.body = { i, w in body(base + i, w) }
                // 15 bits: the job word stays positive, so `unpack` (an arithmetic shift) returns
                // the generation the caller passes to `work`. With 16, generations 2¹⁵… made the
                // word negative, the caller claimed nothing, and the helper ran every item alone.
                generation = (generation + 1) & Workers.generationMask
                if generation == 0 { generation = 1 }
                completed.store(0, ordering: .relaxed)
                state.store((generation << (2 * Workers.itemBits)) | (n << Workers.itemBits),
                            ordering: .sequentiallyConsistent)
                if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                    condition.lock(); condition.broadcast(); condition.unlock()
                }
                work(gen: generation, worker: 0)
                while completed.load(ordering: .acquiring) < n {}
                self.body = nil
                start += n
            }
        }
        return true
    }
}
