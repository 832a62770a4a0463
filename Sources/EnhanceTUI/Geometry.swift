import EnhanceImaging
import EnhanceTerminal

/// A rectangle of terminal cells.
public struct CellRect: Hashable, Sendable {
    public var row: Int
    public var column: Int
    public var width: Int
    public var height: Int

    public init(row: Int, column: Int, width: Int, height: Int) {
        self.row = row
        self.column = column
        self.width = max(width, 0)
        self.height = max(height, 0)
    }
}

/// The size of one terminal cell in screen pixels (from TIOCGWINSZ or `CSI 16 t`).
public struct CellPixels: Hashable, Sendable {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = max(width, 1)
        self.height = max(height, 1)
    }

    /// Used when the terminal reports no pixel size.
    public static let fallback = CellPixels(width: 10, height: 20)
}

/// The part of the upscaled image a pane shows, in output pixels, and how it is sampled: the
/// glyphs for block cells, and the samples per cell (sub-pixels for blocks, screen pixels when a
/// graphics protocol draws the pane).
public struct SourceRect: Hashable, Sendable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    public var symbols: SymbolSet
    /// Samples per cell across and down: `symbols`' sub-pixels, or the cell size in pixels.
    public var perCell: CellPixels

    public init(x: Double, y: Double, width: Double, height: Double, symbols: SymbolSet, perCell: CellPixels? = nil) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.symbols = symbols
        self.perCell = perCell ?? CellPixels(width: symbols.columns, height: symbols.rows)
    }
}

enum Geometry {
    /// Image panes (each includes a one-row label at its top) for `layout` inside `area`.
    static func panes(_ layout: Layout, area: CellRect) -> [CellRect] {
        switch layout {
        case .sideBySide:
            let w = (area.width - 1) / 2
            return [CellRect(row: area.row, column: area.column, width: w, height: area.height),
                    CellRect(row: area.row, column: area.column + w + 1, width: area.width - w - 1,
                             height: area.height)]
        case .grid:
            let w = (area.width - 1) / 2, h = area.height / 2
            return [CellRect(row: area.row, column: area.column, width: w, height: h),
                    CellRect(row: area.row, column: area.column + w + 1, width: area.width - w - 1, height: h),
                    CellRect(row: area.row + h, column: area.column, width: w, height: area.height - h),
                    CellRect(row: area.row + h, column: area.column + w + 1, width: area.width - w - 1,
                             height: area.height - h)]
        default:
            return [area]
        }
    }

    /// The image rows of a pane (below its label row).
    static func imageArea(_ pane: CellRect) -> CellRect {
        CellRect(row: pane.row + 1, column: pane.column, width: pane.width, height: pane.height - 1)
    }

    /// What a `columns × rows` cell area shows of an `outW × outH` output image at `zoom`, centred
    /// on (`cx`, `cy`) output pixels. With `pixels` (a graphics protocol) the area is
    /// `columns·width × rows·height` screen pixels and zoom k:1 shows one output pixel as k×k screen
    /// pixels; without, cells are taken to be twice as tall as wide and k:1 is k output pixels per
    /// half-block sub-pixel.
    static func source(zoom: Zoom, columns: Int, rows: Int, outW: Int, outH: Int, cx: Double, cy: Double,
                       pixels: CellPixels? = nil) -> SourceRect {
        let cw = Double(pixels?.width ?? 1), ch = Double(pixels?.height ?? 2)
        let c = Double(max(columns, 1)) * cw, r = Double(max(rows, 1)) * ch
        switch zoom {
        case .fit:
            let s = min(c / Double(max(outW, 1)), r / Double(max(outH, 1)))
            let w = c / s, h = r / s
            return SourceRect(x: Double(outW) / 2 - w / 2, y: Double(outH) / 2 - h / 2, width: w, height: h,
                              symbols: .sextant, perCell: pixels)
        case .factor(let k):
            let w = c / Double(k), h = r / Double(k)
            return SourceRect(x: (cx - w / 2).rounded(), y: (cy - h / 2).rounded(), width: w, height: h,
                              symbols: .halfBlock, perCell: pixels)
        }
    }

    /// Input-pixel rectangle covering `src` (output pixels), clipped to the image.
    static func inputRegion(_ src: SourceRect, scale: Int, inW: Int, inH: Int) -> PixelRect {
        let s = Double(scale)
        let x0 = max(Int((src.x / s).rounded(.down)), 0), y0 = max(Int((src.y / s).rounded(.down)), 0)
        let x1 = min(Int(((src.x + src.width) / s).rounded(.up)), inW)
        let y1 = min(Int(((src.y + src.height) / s).rounded(.up)), inH)
        return PixelRect(x: x0, y: y0, width: max(x1 - x0, 0), height: max(y1 - y0, 0))
    }
}
