/// Packed kernels made once, by `make` on first use, under a lock. With `recycle`, the array goes
/// to ``KernelRecycler`` when these kernels are freed, for the next network's (same sizes).
final class PackedKernels: @unchecked Sendable {
    private let kernels = Locked<[Float]?>(nil)
    private let make: (ThreadPool) -> [Float]
    private let recycle: Bool

    init(recycle: Bool = false, _ make: @escaping (ThreadPool) -> [Float]) {
        self.make = make
        self.recycle = recycle
    }

    deinit {
        if recycle, let k = kernels.withLock({ $0 }) { KernelRecycler.shared.give(k) }
    }

    /// Whether the kernels have been made.
    var isMade: Bool { kernels.withLock { $0 != nil } }

    /// The kernels (made with `pool`, which the caller holds exclusively, if not yet made).
    func value(_ pool: ThreadPool) -> [Float] {
        kernels.withLock { kernels in
            if let kernels { return kernels }
            let k = make(pool)
            kernels = k
            return k
        }
    }
}

/// One input channel plane and the bounds of the tensor storage it lives in (loads that stay
/// inside `lo..<hi` are memory-safe even when they run past the plane's own edges).
struct Plane {
    let base: UnsafePointer<Float>
    let lo: UnsafePointer<Float>
    let hi: UnsafePointer<Float>
}

/// Calls `body` with one ``Plane`` per input channel, in concatenation order.
func withPlanes<R>(_ xs: [Tensor], _ body: ([Plane]) -> R) -> R {
    var ptrs: [Plane] = []
    ptrs.reserveCapacity(xs.reduce(0) { $0 + $1.channels })
    func step(_ i: Int) -> R {
        if i == xs.count { return body(ptrs) }
        let plane = xs[i].planeSize, channels = xs[i].channels
        return xs[i].data.withUnsafeBufferPointer { b in
            if let base = b.baseAddress {
                for c in 0..<channels { ptrs.append(Plane(base: base + c * plane, lo: base, hi: base + b.count)) }
            }
            return step(i + 1)
        }
    }
    return step(0)
}

/// Calls `body` with the storage of `a` (a residual's, a skip's, a bias table's), or nil.
func withStorage<R>(_ a: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let a else { return body(nil) }
    return a.withUnsafeBufferPointer { body($0.baseAddress) }
}
