/// Parses a terminal's replies to the detection queries (pure: bytes in, facts out).
///
/// Sent: ``query`` = kitty `a=q` query, `CSI 16 t` (cell size), XTVERSION (`CSI > 0 q`) and DA1
/// (`CSI c`). Every terminal answers DA1, and answers in order, so the DA1 reply is the fence
/// after which nothing more is coming — except inside tmux, which answers DA1 itself at once
/// while the outer terminal's kitty reply arrives later. Unknown sequences are skipped.
public struct GraphicsReplies: Equatable, Sendable {
    /// The queries, in the order above.
    public static let query = KittyGraphics.query + "\u{1B}[16t\u{1B}[>0q\u{1B}[c"

    /// ``query`` as bytes; with `tmuxPassthrough` the kitty query is wrapped so it reaches the
    /// outer terminal (tmux itself answers the others).
    public static func queryBytes(tmuxPassthrough: Bool) -> [UInt8] {
        guard tmuxPassthrough else { return Array(query.utf8) }
        return TmuxPassthrough.wrap(Array(KittyGraphics.query.utf8)) + Array("\u{1B}[16t\u{1B}[>0q\u{1B}[c".utf8)
    }

    /// kitty answered the `a=q` query with OK.
    public var kittyOK = false
    /// DA1 attributes (`CSI ? a ; b ; … c`); nil until the DA1 reply arrived.
    public var deviceAttributes: [Int]?
    /// XTVERSION text (`DCS > | text ST`), e.g. "kitty(0.26.5)", "XTerm(379)", "tmux 3.3a".
    public var version: String?
    /// Cell size in pixels from `CSI 6 ; height ; width t`.
    public var cellPixels: (width: Int, height: Int)?
    /// The largest sixel image the terminal draws, from the XTSMGRAPHICS reply
    /// `CSI ? 2 ; 0 ; width ; height S` to ``sixelGeometryQuery``.
    public var sixelGeometry: (width: Int, height: Int)?

    /// Asked only once DA1 said sixel (a terminal without XTSMGRAPHICS might read `CSI … S` as
    /// scroll-up): XTSMGRAPHICS read of the sixel geometry (Pi = 2, Pa = 1), then DA1 as the fence.
    public static let sixelGeometryQuery = "\u{1B}[?2;1;0S\u{1B}[c"

    private var buffer: [UInt8] = []

    public init() {}

    /// DA1 attribute 4: sixel graphics.
    public var sixel: Bool { deviceAttributes?.contains(4) ?? false }

    /// Whether reading can stop: DA1 has arrived (and, when `insideTmux`, the kitty reply too —
    /// the caller's deadline covers terminals that never send one).
    public func complete(insideTmux: Bool) -> Bool {
        deviceAttributes != nil && (!insideTmux || kittyOK)
    }

    /// Consumes reply bytes (in any split); a partial sequence waits for the rest.
    public mutating func feed(_ bytes: [UInt8]) {
        buffer += bytes
        var i = 0
        while i < buffer.count {
            guard buffer[i] == 0x1B else { i += 1; continue }
            guard let (end, seq) = GraphicsReplies.sequence(buffer, from: i) else { break }
            interpret(seq)
            i = end
        }
        buffer.removeFirst(i)
    }

    /// The escape sequence starting at `start` (ESC) and the index after it, or nil if incomplete.
    static func sequence(_ b: [UInt8], from start: Int) -> (Int, [UInt8])? {
        guard start + 1 < b.count else { return nil }
        let kind = b[start + 1]
        if kind == 0x5B {  // CSI: parameters then a final byte 0x40…0x7E
            var j = start + 2
            while j < b.count {
                if (0x40...0x7E).contains(b[j]) { return (j + 1, Array(b[start...j])) }
                j += 1
            }
            return nil
        }
        if kind == 0x5F || kind == 0x50 || kind == 0x5D {  // APC, DCS, OSC: up to ST (or BEL)
            var j = start + 2
            while j < b.count {
                if b[j] == 0x07 { return (j + 1, Array(b[start..<j])) }
                if b[j] == 0x1B, j + 1 < b.count, b[j + 1] == 0x5C { return (j + 2, Array(b[start..<j])) }
                if b[j] == 0x1B, j + 1 == b.count { return nil }
                j += 1
            }
            return nil
        }
        return (start + 2, Array(b[start..<(start + 2)]))
    }

    mutating func interpret(_ seq: [UInt8]) {
        let text = String(decoding: seq.dropFirst(2), as: UTF8.self)
        switch seq[1] {
        case 0x5F where text.hasPrefix("G"):
            if let semi = text.firstIndex(of: ";"), text[text.index(after: semi)...].hasPrefix("OK") {
                kittyOK = true
            }
        case 0x50 where text.hasPrefix(">|"):
            version = String(text.dropFirst(2))
        case 0x5B where text.hasPrefix("?") && text.hasSuffix("c"):
            deviceAttributes = text.dropFirst().dropLast().split(separator: ";").compactMap { Int($0) }
        case 0x5B where text.hasPrefix("?2;") && text.hasSuffix("S"):
            // Status 0 is success; 1–3 are errors and carry no usable size.
            let v = text.dropFirst().dropLast().split(separator: ";").compactMap { Int($0) }
            if v.count == 4, v[1] == 0, v[2] > 0, v[3] > 0 { sixelGeometry = (v[2], v[3]) }
        case 0x5B where text.hasPrefix("6;") && text.hasSuffix("t"):
            let v = text.dropFirst(2).dropLast().split(separator: ";").compactMap { Int($0) }
            if v.count == 2, v[0] > 0, v[1] > 0 { cellPixels = (v[1], v[0]) }
        default:
            break
        }
    }

    public static func == (a: GraphicsReplies, b: GraphicsReplies) -> Bool {
        a.kittyOK == b.kittyOK && a.deviceAttributes == b.deviceAttributes && a.version == b.version
            && a.cellPixels?.width == b.cellPixels?.width && a.cellPixels?.height == b.cellPixels?.height
            && a.sixelGeometry?.width == b.sixelGeometry?.width && a.sixelGeometry?.height == b.sixelGeometry?.height
    }
}

/// What tmux allows, when running inside it (from `tmux -V` and `show -gv allow-passthrough`).
public struct TmuxInfo: Equatable, Sendable {
    /// Major/minor version, e.g. (3, 3) for "tmux 3.3a".
    public var version: (Int, Int)
    public var passthrough: Bool
    /// The pane's top-left cell in the outer terminal (`#{pane_top}`, `#{pane_left}`).
    public var paneOrigin: (row: Int, column: Int)

    public init(version: (Int, Int), passthrough: Bool, paneOrigin: (row: Int, column: Int) = (0, 0)) {
        self.version = version
        self.passthrough = passthrough
        self.paneOrigin = paneOrigin
    }

    /// Parses "tmux 3.3a" / "tmux next-3.4" into (3, 3) / (3, 4).
    public static func parseVersion(_ text: String) -> (Int, Int)? {
        let digits = text.drop { !$0.isNumber }
        let parts = digits.split(separator: ".", maxSplits: 1)
        guard let major = parts.first.flatMap({ Int($0) }) else { return nil }
        let minor = parts.count > 1 ? Int(parts[1].prefix { $0.isNumber }) ?? 0 : 0
        return (major, minor)
    }

    public static func == (a: TmuxInfo, b: TmuxInfo) -> Bool {
        a.version == b.version && a.passthrough == b.passthrough && a.paneOrigin == b.paneOrigin
    }
}

/// The protocol to use, and a note for the status line when pixels were not possible.
public struct GraphicsDecision: Equatable, Sendable {
    public var kind: GraphicsProtocol
    public var tmuxPassthrough: Bool
    public var note: String?

    /// Chooses from the user's `choice`, the terminal's `replies` (nil when not queried),
    /// environment hints and `tmux` (nil when not inside tmux).
    ///
    /// Auto order: kitty reply → kitty; DA1 4 → sixel; XTVERSION or `TERM_PROGRAM` naming
    /// iTerm2/WezTerm/mintty (or `KONSOLE_VERSION`) → iTerm2; `TERM=xterm-kitty` or
    /// `KITTY_WINDOW_ID` → kitty; else blocks. Inside tmux, kitty and iTerm2 need passthrough,
    /// and sixel needs tmux ≥ 3.4; otherwise blocks with a note saying why.
    public init(choice: GraphicsChoice, replies: GraphicsReplies?, environment env: [String: String],
                tmux: TmuxInfo?) {
        var want: GraphicsProtocol
        switch choice {
        case .fixed(let p): want = p
        case .auto: want = GraphicsDecision.detect(replies, env)
        }
        tmuxPassthrough = false
        note = nil
        if let tmux, want != .blocks {
            if want == .sixel {
                if tmux.version < (3, 4) {
                    note = "blocks: tmux \(tmux.version.0).\(tmux.version.1) has no sixel (needs 3.4)"
                    want = .blocks
                }
            } else if tmux.passthrough {
                tmuxPassthrough = true
            } else {
                note = "blocks: tmux allow-passthrough is off (tmux set -g allow-passthrough on)"
                want = .blocks
            }
        }
        kind = want
    }

    static func detect(_ r: GraphicsReplies?, _ env: [String: String]) -> GraphicsProtocol {
        if r?.kittyOK == true { return .kitty }
        if r?.sixel == true { return .sixel }
        let names = [r?.version ?? "", env["TERM_PROGRAM"] ?? "", env["LC_TERMINAL"] ?? ""].joined(separator: " ")
        let lower = names.lowercased()
        if ["iterm2", "iterm.app", "wezterm", "mintty"].contains(where: { lower.contains($0) })
            || env["KONSOLE_VERSION"] != nil {
            return .iterm2
        }
        if env["TERM"] == "xterm-kitty" || env["KITTY_WINDOW_ID"] != nil { return .kitty }
        return .blocks
    }
}
