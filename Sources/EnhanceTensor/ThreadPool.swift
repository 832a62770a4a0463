import Dispatch
// Re-exported: users of the pool and the networks see `Locked` and `CancellationToken` with it.
@_exported import EnhanceSync
import Synchronization

#if os(Linux)
/// glibc `int mallopt(int param, int value)` (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt")
private func glibcMallopt(_ param: Int32, _ value: Int32) -> Int32
#endif

/// A fixed-width worker pool for data-parallel loops.
///
/// `threads` bounds the number of loop bodies running at once. Work is handed out dynamically
/// (an atomic counter), so uneven items and a busy machine balance themselves. The pool also owns
/// one scratch arena per worker that the fast kernels reuse between calls (no allocation in hot
/// loops). A pool serves one convolution at a time: a ``Conv2D`` call that finds the pool busy
/// (another thread, or a call from inside this pool's own `parallelFor`) runs single-threaded on
/// private scratch instead — correct, but use one pool per concurrent caller for speed.
public final class ThreadPool: @unchecked Sendable {
    /// Maximum concurrency.
    public let threads: Int
    /// Whether convolutions run with this pool make their kernels (Winograd transforms, FFT spectra,
    /// channel-packed forms; kept for later calls). A pool that does not runs each convolution
    /// direct instead (``Conv2D``), its weights packed for that on the fly: slower per pixel, but a
    /// pass over a small probe image then costs little more than its products, and leaves none of
    /// those kernels behind (a convolution whose own kernels are the direct layout, 1×1 or 5×5 or
    /// grouped, makes them as its first run would).
    public let preparesKernels: Bool
    /// Per-worker scratch memory, index = worker id.
    let arenas: [ScratchArena]
    /// True while a convolution uses the arenas.
    private let busy = Locked(false)

    /// Runs `body` with this pool if no other convolution holds it, else with a private
    /// single-threaded pool.
    func exclusive<R>(_ body: (ThreadPool) -> R) -> R {
        let acquired = busy.withLock { taken in
            if taken { return false }
            taken = true
            return true
        }
        guard acquired else { return body(ThreadPool(threads: 1, preparesKernels: preparesKernels)) }
        defer { busy.withLock { $0 = false } }
        return body(self)
    }

    /// Persistent spinning helpers (nil for one thread).
    private let workers: Workers?

    public init(threads: Int, preparesKernels: Bool = true) {
        _ = ThreadPool.tuneAllocator
        self.threads = max(1, threads)
        self.preparesKernels = preparesKernels
        arenas = (0..<max(1, threads)).map { _ in ScratchArena() }
        workers = threads > 1 ? Workers(helpers: threads - 1) : nil
    }

    deinit { workers?.stop() }

    /// Keeps freed tensor storage in the malloc heap instead of returning it to the kernel (glibc
    /// would mmap/munmap every multi-megabyte activation, and the page faults on each fresh
    /// tensor cost ~10% of a network run). Process-wide, applied once on first pool creation.
    private static let tuneAllocator: Bool = {
        #if os(Linux)
        _ = glibcMallopt(-3, 1 << 30)       // M_MMAP_THRESHOLD
        _ = glibcMallopt(-1, Int32.max)     // M_TRIM_THRESHOLD
        #endif
        return true
    }()

    /// Runs `body(i)` for every `i` in `0..<count`, spread over at most ``threads`` workers.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        parallelFor(count) { i, _ in body(i) }
    }

    /// Runs `body(i, worker)` for every `i` in `0..<count`; `worker` is in `0..<threads` and unique
    /// among bodies running at the same time (so it can index per-worker state).
    public func parallelFor(_ count: Int, _ body: (Int, Int) -> Void) {
        if count <= 0 { return }
        if threads == 1 || count == 1 {
            for i in 0..<count { body(i, 0) }
            return
        }
        if let workers, workers.run(count, body) { return }
        // Helpers busy (nested or concurrent loop): share the machine through Dispatch instead.
        let workers = min(threads, count)
        let next = Atomic<Int>(0)
        withoutActuallyEscaping(body) { body in
            let task = UncheckedBody(run: body)
            withUnsafePointer(to: next) { counter in
                let shared = UncheckedCounter(pointer: counter)
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    while true {
                        let i = shared.pointer.pointee.add(1, ordering: .relaxed).oldValue
                        if i >= count { break }
                        task.run(i, w)
                    }
                }
            }
        }
    }
}

/// Loop bodies write disjoint memory by contract; this lets them cross into worker threads.
private struct UncheckedBody: @unchecked Sendable {
    let run: (Int, Int) -> Void
}

private struct UncheckedCounter: @unchecked Sendable {
    let pointer: UnsafePointer<Atomic<Int>>
}

/// A growable, 64-byte-aligned float buffer owned by one worker.
final class ScratchArena: @unchecked Sendable {
    private(set) var base: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init() {
        capacity = 1 << 16
        base = ScratchArena.allocate(capacity)
    }

    deinit { base.deallocate() }

    private static func allocate(_ n: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: n * 4, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: n)
    }

    /// At least `count` floats (contents unspecified); valid until the next call.
    func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            base.deallocate()
            capacity = max(count, capacity * 2)
            base = ScratchArena.allocate(capacity)
        }
        return base
    }
}
