/// How pane images reach the screen.
public enum GraphicsProtocol: String, Sendable, CaseIterable {
    /// kitty graphics protocol (kitty, WezTerm, Ghostty, Konsole).
    case kitty
    /// DEC sixel (xterm `-ti vt340`, foot, mlterm, WezTerm, tmux ≥ 3.4).
    case sixel
    /// iTerm2 inline images (iTerm2, WezTerm, mintty, Konsole).
    case iterm2
    /// Unicode block characters with 24-bit or 256 colours: works everywhere, the default.
    case blocks

    /// Whether real pixels are drawn (anything but ``blocks``).
    public var isPixels: Bool { self != .blocks }
}

/// The setting a user asked for: a protocol, or `auto` (detect).
public enum GraphicsChoice: Equatable, Sendable {
    case auto
    case fixed(GraphicsProtocol)

    /// Parses `auto`, `kitty`, `sixel`, `iterm2` or `blocks` (case-insensitive); nil otherwise.
    public init?(_ text: String) {
        let t = text.lowercased()
        if t == "auto" { self = .auto; return }
        guard let p = GraphicsProtocol(rawValue: t) else { return nil }
        self = .fixed(p)
    }

    /// `--graphics` when given, else `ENHANCE_GRAPHICS` when valid, else `auto`.
    public static func resolve(option: String?, environment: [String: String]) -> GraphicsChoice {
        if let option, let c = GraphicsChoice(option) { return c }
        if let e = environment["ENHANCE_GRAPHICS"], let c = GraphicsChoice(e) { return c }
        return .auto
    }
}

/// One pane image in pixels, addressed in cells.
///
/// `image` is sized for the cell rectangle at the terminal's cell size; terminals that scale
/// (kitty `c`/`r`, iTerm2 `width`/`height`) fit it to exactly `columns × rows` cells.
public struct PlacedImage: Hashable, Sendable {
    /// 0-based top-left screen cell and the size in cells.
    public var row: Int, column: Int, columns: Int, rows: Int
    public var image: RGBImage
    /// Stable per pane (0, 1, …): kitty reuses one image id per slot.
    public var slot: Int

    public init(row: Int, column: Int, columns: Int, rows: Int, image: RGBImage, slot: Int) {
        self.row = row
        self.column = column
        self.columns = columns
        self.rows = rows
        self.image = image
        self.slot = slot
    }
}

/// Turns placed images into the bytes of one protocol.
public struct GraphicsEncoder: Sendable {
    public var protocolKind: GraphicsProtocol
    /// Wrap for tmux passthrough (kitty inside tmux).
    public var tmuxPassthrough: Bool
    /// Ordered dither for sixel.
    public var dither: Bool
    /// kitty image ids are `idBase + slot`.
    public var idBase: Int
    /// Added to every position: the tmux pane's top-left cell in the outer terminal, since
    /// passthrough positions the image there, not in the pane.
    public var origin: (row: Int, column: Int) = (0, 0)
    /// The largest sixel image the terminal draws (XTSMGRAPHICS); larger placed images are split
    /// into pieces within it (``Sixel/split(_:limit:)``).
    public var sixelLimit = Sixel.defaultLimit

    public init(_ kind: GraphicsProtocol, tmuxPassthrough: Bool = false, dither: Bool = false, idBase: Int = 7100) {
        protocolKind = kind
        self.tmuxPassthrough = tmuxPassthrough
        self.dither = dither
        self.idBase = idBase
    }

    /// Escapes drawing `p` (empty for ``GraphicsProtocol/blocks``). The cursor is restored after.
    public func draw(_ p: PlacedImage) -> [UInt8] {
        switch protocolKind {
        case .kitty:
            let data = KittyGraphics.transmit(p.image, id: idBase + p.slot)
            let put = KittyGraphics.put(id: idBase + p.slot, row: p.row + origin.row, column: p.column + origin.column,
                                        columns: p.columns, rows: p.rows)
            return tmuxPassthrough ? TmuxPassthrough.wrapEach(data) + TmuxPassthrough.wrap(put) : data + put
        case .sixel:
            return Sixel.split(p, limit: sixelLimit).flatMap {
                Sixel.place($0.image, row: $0.row, column: $0.column, dither: dither)
            }
        case .iterm2:
            let out = ITerm2Graphics.place(p.image, row: p.row + origin.row, column: p.column + origin.column,
                                           columns: p.columns, rows: p.rows)
            return tmuxPassthrough ? TmuxPassthrough.wrap(out) : out
        case .blocks:
            return []
        }
    }

    /// Escapes drawing `image` at the cursor at its natural size (one image pixel per screen
    /// pixel), for output that scrolls (`enhance preview`); the terminal moves the cursor past
    /// the image's rows, and a newline follows. Empty for ``GraphicsProtocol/blocks``.
    public func inline(_ image: RGBImage) -> [UInt8] {
        var out: [UInt8]
        switch protocolKind {
        case .kitty:
            out = KittyGraphics.chunked(Base64.encode(image.bytes),
                                        firstKeys: "a=T,q=2,f=24,s=\(image.width),v=\(image.height)")
            if tmuxPassthrough { out = TmuxPassthrough.wrapEach(out) }
        case .sixel:
            out = Sixel.encode(image, dither: dither)
        case .iterm2:
            let png = PNGWriter.encode(image)
            out = Array("\u{1B}]1337;File=inline=1;size=\(png.count);".utf8)
            out += Array("width=\(image.width)px;height=\(image.height)px:".utf8)
            out += Base64.encode(png) + [0x07]
            if tmuxPassthrough { out = TmuxPassthrough.wrap(out) }
        case .blocks:
            return []
        }
        return out + [0x0A]
    }

    /// Escapes removing the image of `slot` where the protocol can (kitty); sixel and iTerm2
    /// pixels go when text is written over their cells, which the caller does.
    public func erase(slot: Int) -> [UInt8] {
        guard protocolKind == .kitty else { return [] }
        let out = KittyGraphics.delete(id: idBase + slot)
        return tmuxPassthrough ? TmuxPassthrough.wrapEach(out) : out
    }
}
