import Foundation

/// A ``TerminalBackend`` for tests and headless runs: replays a script of events and records
/// every frame drawn.
public final class ScriptedBackend: TerminalBackend, @unchecked Sendable {
    /// One scripted step.
    public enum Step: Sendable {
        case event(Msg)
        /// Wait until `condition` holds for the latest frame's state view (checked each poll), at
        /// most `timeout` seconds.
        case waitFor(timeout: Double, condition: @Sendable (ScreenBuffer) -> Bool)
    }

    public private(set) var frames: [ScreenBuffer] = []
    public private(set) var size: (columns: Int, rows: Int)
    private var steps: [Step]
    private var waitStarted: Date?
    /// Set when a `waitFor` step timed out.
    public private(set) var timedOut = false

    public init(columns: Int, rows: Int, steps: [Step]) {
        size = (columns, rows)
        self.steps = steps
    }

    public func nextEvent(timeoutMs: Int) -> Msg? {
        guard let step = steps.first else {
            return .key(.char("q"))  // script exhausted: quit
        }
        switch step {
        case .event(let m):
            steps.removeFirst()
            if case let .resize(c, r) = m { size = (c, r) }
            return m
        case let .waitFor(timeout, condition):
            if let last = frames.last, condition(last) {
                steps.removeFirst()
                waitStarted = nil
                return nextEvent(timeoutMs: timeoutMs)
            }
            let start = waitStarted ?? Date()
            waitStarted = start
            if Date().timeIntervalSince(start) > timeout {
                timedOut = true
                steps.removeFirst()
                waitStarted = nil
            }
            if timeoutMs > 0 { usleep(UInt32(min(timeoutMs, 20)) * 1000) }
            return nil
        }
    }

    public func draw(_ frame: ScreenBuffer, previous: ScreenBuffer?) {
        frames.append(frame)
    }
}
