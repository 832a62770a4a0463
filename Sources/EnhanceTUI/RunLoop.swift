import EnhanceTerminal
import Foundation

/// What the event loop needs from a terminal. ``EnhanceNcurses`` implements it for real
/// terminals; ``ScriptedBackend`` replays keys in tests.
public protocol TerminalBackend: AnyObject {
    /// Current size in cells.
    var size: (columns: Int, rows: Int) { get }
    /// The next input event (key or resize), waiting at most `timeoutMs` milliseconds; nil if none.
    func nextEvent(timeoutMs: Int) -> Msg?
    /// Shows `frame`; `previous` is the frame shown before (nil after a resize or at start).
    func draw(_ frame: ScreenBuffer, previous: ScreenBuffer?)
    /// Sees the state each drawn frame was made from, just before ``draw(_:previous:)``
    /// (benchmarks; terminals ignore it).
    func observe(_ state: AppState)
}

extension TerminalBackend {
    public func observe(_ state: AppState) {}
}

/// A thread-safe FIFO through which background work posts messages to the loop.
public final class MessageQueue: @unchecked Sendable {
    private let items = Locked<[Msg]>([])

    public init() {}

    public func post(_ m: Msg) {
        items.withLock { $0.append(m) }
    }

    /// Removes and returns everything queued.
    public func drain() -> [Msg] {
        items.withLock { items in
            defer { items = [] }
            return items
        }
    }
}

/// The interactive loop: input and background results → ``update(_:_:)`` → effects and
/// ``view(_:)``. Input is polled with a short timeout, so inference never blocks keys; queued key
/// repeats are applied together before one redraw. Returns the final state.
@discardableResult
public func runEventLoop(backend: TerminalBackend, engine: any PreviewEngine, initial: (AppState, [Effect]),
                         queue: MessageQueue = MessageQueue(), pollMs: Int = 30,
                         shouldStop: () -> Bool = { false }) -> AppState {
    let executor = EffectExecutor(engine: engine, post: queue.post)
    let cache = RenderCache()
    var state = initial.0
    func apply(_ fx: [Effect]) {
        for e in fx {
            if e == .quit { state.quitting = true } else { executor.run(e) }
        }
    }
    apply(initial.1)
    var last: ScreenBuffer?
    var first = true
    while !state.quitting && !shouldStop() {
        var msgs = queue.drain()
        if let m = backend.nextEvent(timeoutMs: msgs.isEmpty && !first ? pollMs : 0) {
            msgs.append(m)
            while msgs.count < 64, let more = backend.nextEvent(timeoutMs: 0) { msgs.append(more) }
        }
        var resized = false
        for m in msgs {
            if case .resize = m { resized = true }
            let (next, fx) = update(state, m)
            state = next
            apply(fx)
            if state.quitting { break }
        }
        if state.quitting { break }
        if first || !msgs.isEmpty {
            let frame = view(state, cache: cache)
            if frame != last || resized {
                backend.observe(state)
                backend.draw(frame, previous: resized ? nil : last)
                last = frame
            }
            first = false
        }
    }
    executor.cancelAll()
    return state
}
