import EnhanceImaging

/// Emits the escape sequences that draw a ``CellGrid`` at a screen position with as few bytes as
/// practical: one cursor-address per run of changed cells and SGR colour changes only when the
/// colour actually needed differs from the one in effect (a space needs no foreground).
public enum ANSIWriter {
    /// Escape sequences drawing `grid` with its top-left cell at 0-based screen `row`, `column`.
    ///
    /// - Parameters:
    ///   - previous: the grid last drawn at the same place; cells equal to it are skipped. Pass nil
    ///     (or a grid of another size) to draw every cell.
    ///   - saveCursor: wrap the output in DECSC/DECRC (`ESC 7` … `ESC 8`) so the caller's cursor
    ///     position survives.
    /// The output always ends with `ESC[0m` so no colour leaks into later text.
    public static func draw(_ grid: CellGrid, row: Int, column: Int, mode: ColorMode,
                            previous: CellGrid? = nil, saveCursor: Bool = false) -> String {
        let prev = (previous?.columns == grid.columns && previous?.rows == grid.rows) ? previous : nil
        var out = saveCursor ? "\u{1B}7" : ""
        out += "\u{1B}[0m"
        var pen = Pen()
        for r in 0..<grid.rows {
            var cursorOK = false
            for c in 0..<grid.columns {
                let cell = grid[r, c]
                if let prev, prev[r, c] == cell {
                    cursorOK = false
                    continue
                }
                if !cursorOK {
                    out += "\u{1B}[\(row + r + 1);\(column + c + 1)H"
                    cursorOK = true
                }
                pen.put(cell, mode: mode, into: &out)
            }
        }
        out += "\u{1B}[0m"
        if saveCursor { out += "\u{1B}8" }
        return out
    }

    /// `grid` as plain lines for a scrolling terminal (no cursor addressing): each row's cells
    /// with minimal SGR changes, then `ESC[0m` and a newline. For non-interactive previews.
    public static func lines(_ grid: CellGrid, mode: ColorMode) -> String {
        var out = ""
        for r in 0..<grid.rows {
            var pen = Pen()
            for c in 0..<grid.columns { pen.put(grid[r, c], mode: mode, into: &out) }
            out += mode == .none ? "\n" : "\u{1B}[0m\n"
        }
        return out
    }

    /// The colours in effect on the terminal; emits SGR only where a cell needs a different one.
    struct Pen {
        private var fg: Int?, bg: Int?  // as ``ANSIWriter/key(_:mode:)``

        /// Appends `cell` (with any colour change it needs) to `out`. A glyph whose two colours
        /// map to one terminal colour would be invisible, so it is drawn as a space.
        mutating func put(_ cell: ImageCell, mode: ColorMode, into out: inout String) {
            var glyph = cell.glyph
            if mode != .none {
                let fk = key(cell.fg, mode: mode), bk = key(cell.bg, mode: mode)
                if fk == bk { glyph = " " }
                let needFg = glyph != " " && fk != fg
                let needBg = bk != bg
                if needFg || needBg {
                    out += sgr(fg: needFg ? cell.fg : nil, bg: needBg ? cell.bg : nil, mode: mode)
                    if needFg { fg = fk }
                    if needBg { bg = bk }
                }
            }
            out.append(glyph)
        }
    }

    /// Identity of the colour the terminal will show for `c` in `mode` (palette index in 256 mode).
    static func key(_ c: RGB8, mode: ColorMode) -> Int {
        mode == .ansi256 ? Int(Palette256.nearest(c)) : Int(c.r) << 16 | Int(c.g) << 8 | Int(c.b)
    }

    /// Like ``draw(_:row:column:mode:previous:saveCursor:)`` for a whole screen where only some
    /// cells are image cells: `cells` is row-major `columns` wide, nil = not an image cell (skipped).
    /// Cells equal to `previous` at the same index are skipped unless their row is in `forceRows`.
    public static func drawSparse(_ cells: [ImageCell?], columns: Int, mode: ColorMode, previous: [ImageCell?]?,
                                  forceRows: Set<Int> = [], saveCursor: Bool = true) -> String {
        let prev = previous?.count == cells.count ? previous : nil
        var out = saveCursor ? "\u{1B}7" : ""
        out += "\u{1B}[0m"
        var pen = Pen()
        var cursorAt = -1
        for (i, cell) in cells.enumerated() {
            guard let cell else { continue }
            let row = i / max(columns, 1), col = i % max(columns, 1)
            if let prev, prev[i] == cell, !forceRows.contains(row) { continue }
            if cursorAt != i { out += "\u{1B}[\(row + 1);\(col + 1)H" }
            pen.put(cell, mode: mode, into: &out)
            cursorAt = (col + 1 < columns) ? i + 1 : -1
        }
        out += "\u{1B}[0m"
        if saveCursor { out += "\u{1B}8" }
        return out
    }

    /// One SGR sequence setting the given colours (nil = unchanged) in `mode`; empty for ``ColorMode/none``.
    public static func sgr(fg: RGB8?, bg: RGB8?, mode: ColorMode) -> String {
        var parts = [String]()
        switch mode {
        case .none: return ""
        case .trueColor:
            if let fg { parts.append("38;2;\(fg.r);\(fg.g);\(fg.b)") }
            if let bg { parts.append("48;2;\(bg.r);\(bg.g);\(bg.b)") }
        case .ansi256:
            if let fg { parts.append("38;5;\(Palette256.nearest(fg))") }
            if let bg { parts.append("48;5;\(Palette256.nearest(bg))") }
        }
        return parts.isEmpty ? "" : "\u{1B}[" + parts.joined(separator: ";") + "m"
    }
}

extension BlockRenderer {
    /// Samples the source rectangle `(x, y, width, height)` of `image` (image pixels) onto
    /// `columns × rows` cells of `symbols` and renders it (see
    /// ``PixelGrid/sample(_:x:y:width:height:toWidth:height:background:)``).
    public static func render(_ image: Image, x: Double, y: Double, width: Double, height: Double,
                              columns: Int, rows: Int, symbols: SymbolSet, mode: ColorMode = .trueColor,
                              background: (Float, Float, Float) = (0, 0, 0)) -> CellGrid {
        let px = PixelGrid.sample(image, x: x, y: y, width: width, height: height,
                                  toWidth: columns * symbols.columns, height: rows * symbols.rows,
                                  background: background)
        return render(px, symbols: symbols, mode: mode)
    }
}
