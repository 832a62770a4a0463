#if canImport(Glibc)
import Glibc
#endif

/// Freed F(6×6) kernel arrays kept for reuse by count. A network made for a new α (or method)
/// replaces one of the same architecture, whose kernels are freed just before: taking their arrays
/// spares the page faults of ~474 MB of fresh memory per α on RealESRGAN_x4plus (about half the time of
/// preparing its kernels). Holds at most ``limit`` bytes; ``drain()`` frees everything (a new pair,
/// whose sizes may differ).
public final class KernelRecycler: @unchecked Sendable {
    /// The one recycler the convolutions use.
    public static let shared = KernelRecycler()

    private struct Store {
        var free: [Int: [[Float]]] = [:]
        var held = 0
    }

    private let store = Locked(Store())
    /// Upper bound of the bytes held.
    public let limit = 1 << 30

    /// An array of exactly `count` floats (contents undefined), if one is held.
    func take(_ count: Int) -> [Float]? {
        store.withLock { s in
            guard let a = s.free[count]?.popLast() else { return nil }
            s.held -= count * 4
            return a
        }
    }

    /// Keeps `array` for a later ``take(_:)`` while under ``limit``.
    func give(_ array: [Float]) {
        store.withLock { s in
            guard s.held + array.count * 4 <= limit else { return }
            s.free[array.count, default: []].append(array)
            s.held += array.count * 4
        }
    }

    /// Bytes held now.
    public var bytes: Int { store.withLock { $0.held } }

    /// Frees every array held.
    public func drain() {
        let dropped = store.withLock { s in  // released after the lock, not under it
            defer { s = Store() }
            return s.free
        }
        withExtendedLifetime(dropped) {}
    }
}

/// A new array of `count` floats (contents undefined) whose pages are made resident in one call
/// (`MADV_POPULATE_WRITE`, Linux 5.14; refused harmlessly before) instead of one fault per 4 KiB
/// page as the kernel transform first writes them. Transparent huge pages were tried and left out:
/// their direct compaction stalled some first runs by up to 0.8 s.
func freshKernelArray(_ count: Int) -> [Float] {
    var a = [Float](unsafeUninitializedCapacity: count) { $1 = count }
    #if canImport(Glibc)
    a.withUnsafeMutableBytes { raw in
        let page = 4096, start = (Int(bitPattern: raw.baseAddress!) + page - 1) / page * page
        let end = (Int(bitPattern: raw.baseAddress!) + raw.count) / page * page
        guard end > start, let p = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(p, end - start, 23)  // MADV_POPULATE_WRITE (Linux 5.14)
    }
    #endif
    return a
}
