import Foundation

/// Freed F(6×6) kernel arrays kept for reuse by count. A network made for a new α (or method)
/// replaces one of the same architecture, whose kernels are freed just before: taking their arrays
/// spares the page faults of ~474 MB of fresh memory per α on RRDBNet-23 (about half the time of
/// preparing its kernels). Holds at most ``limit`` bytes; ``drain()`` frees everything (a new pair,
/// whose sizes may differ).
public final class KernelRecycler: @unchecked Sendable {
    /// The one recycler the convolutions use.
    public static let shared = KernelRecycler()

    private let lock = NSLock()
    private var free: [Int: [[Float]]] = [:]
    private var held = 0
    /// Upper bound of the bytes held.
    public let limit = 1 << 30

    /// An array of exactly `count` floats (contents undefined), if one is held.
    func take(_ count: Int) -> [Float]? {
        lock.lock(); defer { lock.unlock() }
        guard let a = free[count]?.popLast() else { return nil }
        held -= count * 4
        return a
    }

    /// Keeps `array` for a later ``take(_:)`` while under ``limit``.
    func give(_ array: [Float]) {
        lock.lock(); defer { lock.unlock() }
        guard held + array.count * 4 <= limit else { return }
        free[array.count, default: []].append(array)
        held += array.count * 4
    }

    /// Bytes held now.
    public var bytes: Int {
        lock.lock(); defer { lock.unlock() }
        return held
    }

    /// Frees every array held.
    public func drain() {
        lock.lock()
        let dropped = free  // released after the lock, not under it
        free = [:]
        held = 0
        lock.unlock()
        withExtendedLifetime(dropped) {}
    }
}
