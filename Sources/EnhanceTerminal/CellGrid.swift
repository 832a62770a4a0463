/// One terminal cell of a block image: a glyph drawn in `fg` over `bg`.
public struct ImageCell: Hashable, Sendable {
    public var glyph: Character
    public var fg: RGB8
    public var bg: RGB8

    public init(glyph: Character, fg: RGB8, bg: RGB8) {
        self.glyph = glyph
        self.fg = fg
        self.bg = bg
    }
}

/// A row-major grid of ``ImageCell``s, `columns × rows` terminal cells.
public struct CellGrid: Hashable, Sendable {
    public let columns: Int
    public let rows: Int
    public var cells: [ImageCell]

    public init(columns: Int, rows: Int, fill: ImageCell = ImageCell(glyph: " ", fg: .black, bg: .black)) {
        self.columns = max(columns, 0)
        self.rows = max(rows, 0)
        cells = Array(repeating: fill, count: self.columns * self.rows)
    }

    public subscript(row: Int, column: Int) -> ImageCell {
        get { cells[row * columns + column] }
        set { cells[row * columns + column] = newValue }
    }

    /// The glyphs of row `row` as a string (for tests and debugging).
    public func text(row: Int) -> String {
        String(cells[(row * columns)..<((row + 1) * columns)].map(\.glyph))
    }
}
