import EnhanceTerminal
import EnhanceTUI
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the terminal can draw, found before ncurses starts (the only place that queries it).
public struct TerminalGraphics: Sendable {
    public var decision: GraphicsDecision
    /// Cell size in pixels, when the terminal reported one.
    public var cellPixels: CellPixels?
    /// Inside tmux: where the pane sits in the outer terminal.
    public var tmux: TmuxInfo?
    /// The largest sixel image the terminal reported (XTSMGRAPHICS); nil: not asked or no answer.
    public var sixelLimit: (width: Int, height: Int)?

    public init(decision: GraphicsDecision, cellPixels: CellPixels? = nil, tmux: TmuxInfo? = nil,
                sixelLimit: (width: Int, height: Int)? = nil) {
        self.decision = decision
        self.cellPixels = cellPixels
        self.tmux = tmux
        self.sixelLimit = sixelLimit
    }

    /// Block characters, without asking the terminal.
    public static func blocks(environment: [String: String]) -> TerminalGraphics {
        TerminalGraphics(decision: GraphicsDecision(choice: .fixed(.blocks), replies: nil, environment: environment,
                                                    tmux: nil))
    }

    /// The encoder for ``decision``.
    public var encoder: GraphicsEncoder {
        var e = GraphicsEncoder(decision.kind, tmuxPassthrough: decision.tmuxPassthrough)
        if decision.tmuxPassthrough, let tmux { e.origin = tmux.paneOrigin }
        e.sixelLimit = sixelLimit ?? Sixel.defaultLimit
        return e
    }

    /// Resolves `option` / `ENHANCE_GRAPHICS`; for `auto` (or, with a fixed protocol, to learn the
    /// cell size when standard output is a terminal without TIOCGWINSZ pixels) queries the
    /// controlling terminal with ``GraphicsReplies/query``, reading replies in raw mode with echo
    /// off for at most `timeout` seconds (inside tmux, until the kitty reply or the deadline),
    /// so replies never reach the UI and a silent terminal costs only the deadline.
    public static func detect(option: String?, environment env: [String: String] = ProcessInfo.processInfo.environment,
                              timeout: Double = 0.35) -> TerminalGraphics {
        let choice = GraphicsChoice.resolve(option: option, environment: env)
        if choice == .fixed(.blocks) { return blocks(environment: env) }
        let tmux = env["TMUX"] != nil ? tmuxInfo() : nil
        let window = windowCellPixels()
        let ask = choice == .auto || (window == nil && isatty(STDOUT_FILENO) == 1)
        let replies = ask
            ? query(timeout: timeout, insideTmux: tmux != nil, passthrough: tmux?.passthrough ?? false) : nil
        let decision = GraphicsDecision(choice: choice, replies: replies, environment: env, tmux: tmux)
        let reported = replies?.cellPixels.map { CellPixels(width: $0.width, height: $0.height) }
        return TerminalGraphics(decision: decision, cellPixels: window ?? reported, tmux: tmux,
                                sixelLimit: replies?.sixelGeometry)
    }

    /// Cell size from TIOCGWINSZ (`ws_xpixel / ws_col`), nil when the terminal leaves it 0.
    public static func windowCellPixels() -> CellPixels? {
        var ws = winsize()
        for fd in [STDOUT_FILENO, STDIN_FILENO] where ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0 {
            guard ws.ws_col > 0, ws.ws_row > 0, ws.ws_xpixel > 0, ws.ws_ypixel > 0 else { continue }
            return CellPixels(width: Int(ws.ws_xpixel) / Int(ws.ws_col), height: Int(ws.ws_ypixel) / Int(ws.ws_row))
        }
        return nil
    }

    /// Sends the queries to /dev/tty and collects replies; nil without a controlling terminal.
    static func query(timeout: Double, insideTmux: Bool, passthrough: Bool) -> GraphicsReplies? {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        _ = tcsetattr(fd, TCSANOW, &raw)
        // TCSAFLUSH drops replies that arrive after the deadline instead of echoing them later.
        defer { _ = tcsetattr(fd, TCSAFLUSH, &saved) }
        let q = GraphicsReplies.queryBytes(tmuxPassthrough: insideTmux && passthrough)
        var replies = GraphicsReplies()
        guard ask(fd, q, into: &replies, timeout: timeout, until: { $0.complete(insideTmux: insideTmux) })
        else { return nil }
        if replies.sixel {
            // Second round, only for sixel terminals: the geometry, fenced by another DA1.
            let attributes = replies.deviceAttributes
            replies.deviceAttributes = nil
            _ = ask(fd, Array(GraphicsReplies.sixelGeometryQuery.utf8), into: &replies, timeout: timeout,
                    until: { $0.deviceAttributes != nil })
            replies.deviceAttributes = attributes
        }
        return replies
    }

    /// Writes `query` to `fd` and feeds replies to `replies` until `done` or `timeout` seconds;
    /// false when the query could not be written.
    static func ask(_ fd: Int32, _ query: [UInt8], into replies: inout GraphicsReplies, timeout: Double,
                    until done: (GraphicsReplies) -> Bool) -> Bool {
        guard query.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == query.count else { return false }
        let deadline = Date().addingTimeInterval(timeout)
        var buf = [UInt8](repeating: 0, count: 512)
        while !done(replies) {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { break }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let rc = poll(&pfd, 1, Int32(left * 1000) + 1)
            if rc < 0 && errno == EINTR { continue }
            if rc <= 0 { break }
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            replies.feed(Array(buf[0..<n]))
        }
        return true
    }

    /// tmux's version and passthrough setting, from `tmux -V` and `tmux show -gv allow-passthrough`.
    static func tmuxInfo() -> TmuxInfo {
        let version = TmuxInfo.parseVersion(run(["tmux", "-V"])) ?? (0, 0)
        let pass = run(["tmux", "show", "-gv", "allow-passthrough"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let origin = run(["tmux", "display", "-p", "#{pane_top} #{pane_left}"]).split(separator: " ")
            .compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return TmuxInfo(version: version, passthrough: pass == "on" || pass == "all",
                        paneOrigin: origin.count == 2 ? (origin[0], origin[1]) : (0, 0))
    }

    /// Runs a short command (posix_spawn, PATH search) and returns its stdout; "" on failure.
    static func run(_ args: [String]) -> String {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return "" }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, args[0], &actions, nil, argv, environ)
        close(fds[1])
        defer { close(fds[0]) }
        guard rc == 0 else { return "" }
        var out = [UInt8](), buf = [UInt8](repeating: 0, count: 256)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return String(decoding: out, as: UTF8.self)
    }
}
