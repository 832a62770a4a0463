import EnhanceImaging
import EnhanceTerminal

/// How a text cell is drawn (the backend maps these to terminal attributes).
public enum TextStyle: Hashable, Sendable {
    case normal, bold, dim, reverse, title, error, accent
}

/// One screen cell: either text (one grapheme of `width` columns, `""` for the trailing half of a
/// wide character) or a block-image cell drawn with exact colours.
public struct ScreenCell: Hashable, Sendable {
    public var text: String
    public var style: TextStyle
    public var image: ImageCell?

    public init(text: String = " ", style: TextStyle = .normal, image: ImageCell? = nil) {
        self.text = text
        self.style = style
        self.image = image
    }
}

/// A full frame: `columns × rows` cells, row-major. Tests compare it; backends draw it.
public struct ScreenBuffer: Hashable, Sendable {
    public let columns: Int
    public let rows: Int
    public var cells: [ScreenCell]
    /// Pane images drawn with a graphics protocol, over cells that ``place(_:)`` filled with
    /// black image cells (so block backends and tests still see the area as image).
    public var images: [PlacedImage] = []

    public init(columns: Int, rows: Int) {
        self.columns = max(columns, 0)
        self.rows = max(rows, 0)
        cells = Array(repeating: ScreenCell(), count: self.columns * self.rows)
    }

    public subscript(row: Int, column: Int) -> ScreenCell {
        get { cells[row * columns + column] }
        set { cells[row * columns + column] = newValue }
    }

    /// Row `row` as plain text (image cells contribute their glyphs).
    public func text(row: Int) -> String {
        guard row >= 0 && row < rows else { return "" }
        return cells[(row * columns)..<((row + 1) * columns)].map(\.text).joined()
    }

    /// All rows, trailing spaces trimmed, joined by newlines (handy in test failure messages).
    public var plainText: String {
        (0..<rows).map { r in
            var s = text(row: r)
            while s.hasSuffix(" ") { s.removeLast() }
            return s
        }.joined(separator: "\n")
    }

    /// Writes `string` at (`row`, `column`), clipped to `maxWidth` columns and the screen; wide
    /// characters take two cells. Returns the column after the last cell written.
    @discardableResult
    public mutating func put(_ string: String, row: Int, column: Int, style: TextStyle = .normal,
                             maxWidth: Int? = nil) -> Int {
        guard row >= 0 && row < rows else { return column }
        let limit = min(columns, column + (maxWidth ?? columns))
        var c = column
        for ch in sanitize(string) {
            let w = displayWidth(ch)
            if w == 0 { continue }
            if c + w > limit { break }
            if c >= 0 {
                self[row, c] = ScreenCell(text: String(ch), style: style)
                if w == 2 { self[row, c + 1] = ScreenCell(text: "", style: style) }
            }
            c += w
        }
        return c
    }

    /// Fills `width` cells of `row` from `column` with spaces in `style`.
    public mutating func fill(row: Int, column: Int, width: Int, style: TextStyle) {
        guard row >= 0 && row < rows else { return }
        for c in max(column, 0)..<min(columns, column + width) { self[row, c] = ScreenCell(text: " ", style: style) }
    }

    /// Copies `grid` into the buffer with its top-left at (`row`, `column`), clipped.
    public mutating func blit(_ grid: CellGrid, row: Int, column: Int) {
        for r in 0..<grid.rows where row + r >= 0 && row + r < rows {
            for c in 0..<grid.columns where column + c >= 0 && column + c < columns {
                let cell = grid[r, c]
                self[row + r, column + c] = ScreenCell(text: String(cell.glyph), style: .normal, image: cell)
            }
        }
    }
}

extension ScreenBuffer {
    /// Adds `image` to ``images`` and marks its cells (clipped to the screen) as image cells.
    public mutating func place(_ image: PlacedImage) {
        let cell = ImageCell(glyph: " ", fg: .black, bg: .black)
        blit(CellGrid(columns: image.columns, rows: image.rows, fill: cell), row: image.row, column: image.column)
        images.append(image)
    }

    /// Removes ``images`` and turns the cells they covered into blank text cells (so backends
    /// also write over sixel/iTerm2 pixels there); titles and other text stay.
    public mutating func blankImages() {
        for p in images {
            for r in max(p.row, 0)..<min(p.row + p.rows, rows) {
                for c in max(p.column, 0)..<min(p.column + p.columns, columns) where self[r, c].image != nil {
                    self[r, c] = ScreenCell()
                }
            }
        }
        images = []
    }
}

/// Replaces control characters (C0, DEL, C1) and U+FFFD-worthy junk with visible `?`, so file
/// names can never inject terminal escapes.
public func sanitize(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        let v = scalar.value
        if v < 0x20 || v == 0x7F || (v >= 0x80 && v < 0xA0) {
            out.append("?")
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// Terminal columns taken by `ch`: 0 for combining marks, 2 for East Asian wide/fullwidth and
/// emoji presentation ranges, otherwise 1.
public func displayWidth(_ ch: Character) -> Int {
    guard let first = ch.unicodeScalars.first else { return 0 }
    let v = first.value
    if first.properties.generalCategory == .nonspacingMark || first.properties.generalCategory == .enclosingMark {
        return 0
    }
    if v == 0x200B { return 0 }
    let wide: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
        0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
        0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD,
    ]
    return wide.contains { $0.contains(v) } ? 2 : 1
}

/// Display width of a whole string.
public func displayWidth(_ s: String) -> Int { sanitize(s).reduce(0) { $0 + displayWidth($1) } }

extension ScreenBuffer {
    /// Row `row` as a text-only screen library (curses) holds it: image cells are plain blanks,
    /// since their colours go out as raw escapes it never sees.
    func cursesRow(_ row: Int) -> ArraySlice<ScreenCell> {
        cells[(row * columns)..<((row + 1) * columns)].map {
            $0.image == nil ? ScreenCell(text: $0.text, style: $0.style) : ScreenCell()
        }[...]
    }

    /// Whether going from `previous` to this frame may make curses move lines on the terminal:
    /// its scroll optimisation shifts a region (change-scroll-region + index/reverse index) when a
    /// changed row now reads as another row did before, e.g. a dialog box that grows or closes. The
    /// shift carries the image cells drawn outside curses along, so the caller must redraw them all.
    public func cursesMayMoveLines(from previous: ScreenBuffer) -> Bool {
        guard previous.columns == columns, previous.rows == rows else { return false }
        let old = Set((0..<rows).map { Array(previous.cursesRow($0)) })
        return (0..<rows).contains { r in
            let now = Array(cursesRow(r))
            return now != Array(previous.cursesRow(r)) && old.contains(now)
        }
    }
}
