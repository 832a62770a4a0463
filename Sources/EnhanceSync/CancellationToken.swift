/// A thread-safe, cooperative cancellation flag.
///
/// Set it from any thread with ``cancel()``; long-running work calls ``check()`` between tiles
/// and between network blocks, which throws `CancellationError` once the flag is set. Handlers
/// registered with ``onCancel(_:)`` run once, on the thread that cancels (at once if it already
/// has), e.g. to pass the cancellation on to another token.
public final class CancellationToken: Sendable {
    private struct State: Sendable {
        var cancelled = false
        var handlers: [@Sendable () -> Void] = []
    }

    private let state = Locked(State())

    public init() {}

    /// Requests cancellation (idempotent); runs the registered handlers once, outside the lock.
    public func cancel() {
        let handlers: [@Sendable () -> Void] = state.withLock { s in
            guard !s.cancelled else { return [] }
            s.cancelled = true
            defer { s.handlers = [] }
            return s.handlers
        }
        for h in handlers { h() }
    }

    /// Whether ``cancel()`` has been called.
    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    /// Runs `handler` when cancelled (at once, on this thread, if already cancelled).
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let now = state.withLock { s in
            if !s.cancelled { s.handlers.append(handler) }
            return s.cancelled
        }
        if now { handler() }
    }

    /// Throws `CancellationError` when cancelled.
    public func check() throws {
        if isCancelled { throw CancellationError() }
    }
}

extension Optional where Wrapped == CancellationToken {
    /// Throws `CancellationError` when a token is present and cancelled.
    public func check() throws { if let t = self { try t.check() } }
}
