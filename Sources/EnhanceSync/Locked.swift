#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a lock: the one lock wrapper of the package.
///
/// Every access goes through ``withLock(_:)``, so the value cannot be touched unlocked. The lock is
/// a `pthread_mutex_t` (not `Synchronization.Mutex`): ThreadSanitizer intercepts pthread mutexes,
/// whereas on Linux `Mutex` hands a contended lock over inside the kernel (a PI futex), where
/// TSan sees no happens-before and reports the guarded accesses as races. Not reentrant: calling
/// ``withLock(_:)`` again from inside `body` on the same instance deadlocks.
public final class Locked<Value> {
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline var value: Value

    /// A lock guarding `value`.
    public init(_ value: Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let rc = pthread_mutex_init(mutex, nil)
        precondition(rc == 0, "pthread_mutex_init failed (\(rc))")
        self.value = value
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value and returns its result. Keep `body` short
    /// (no I/O or waiting): other threads block on the lock meanwhile.
    @inlinable
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

/// Sendable when the value is: only one thread at a time reaches it, through the lock.
extension Locked: @unchecked Sendable where Value: Sendable {}
