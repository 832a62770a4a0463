import Foundation

/// A thread-safe, cooperative cancellation flag.
///
/// Set it from any thread with ``cancel()``; long-running work calls ``check()`` between tiles
/// and between network blocks, which throws `CancellationError` once the flag is set.
public final class CancellationToken: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    /// Requests cancellation (idempotent).
    public func cancel() {
        lock.lock(); cancelled = true; lock.unlock()
    }

    /// Whether ``cancel()`` has been called.
    public var isCancelled: Bool {
        lock.lock(); defer { lock.unlock() }
        return cancelled
    }

    /// Throws `CancellationError` when cancelled.
    public func check() throws {
        if isCancelled { throw CancellationError() }
    }
}

extension Optional where Wrapped == CancellationToken {
    /// Throws `CancellationError` when a token is present and cancelled.
    func check() throws { if let t = self { try t.check() } }
}
