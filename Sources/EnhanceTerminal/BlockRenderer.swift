/// Turns sub-pixel samples into block-glyph cells, choosing per cell the glyph and two colours that
/// minimise the squared RGB error (the approach of chafa's symbol mode).
///
/// For every candidate mask the foreground is the mean of the covered sub-pixels and the
/// background the mean of the others; the error is the summed squared distance of each sub-pixel
/// to its colour. A uniform cell (space, `fg == bg`) is tried first and wins ties; masks and their
/// complements are equivalent, so only masks containing the top-left sub-pixel are tried.
public enum BlockRenderer {
    /// Renders `pixels` (whose size must be `columns × symbols.columns` by `rows × symbols.rows`;
    /// any excess is ignored) into `columns × rows` cells.
    ///
    /// In ``ColorMode/none`` no colours can be shown, so each sub-pixel is thresholded at mid-grey
    /// luma (Rec. 709) and drawn white-on-black: the exact glyph for that binary mask.
    public static func render(_ pixels: PixelGrid, symbols: SymbolSet, mode: ColorMode = .trueColor) -> CellGrid {
        let sw = symbols.columns, sh = symbols.rows
        let cols = pixels.width / sw, rows = pixels.height / sh
        var grid = CellGrid(columns: cols, rows: rows)
        let n = symbols.count
        var sub = [Float](repeating: 0, count: n * 3)
        for cy in 0..<rows {
            for cx in 0..<cols {
                for k in 0..<n {
                    let (r, g, b) = pixels[cx * sw + k % sw, cy * sh + k / sw]
                    sub[k * 3] = r; sub[k * 3 + 1] = g; sub[k * 3 + 2] = b
                }
                grid[cy, cx] = mode == .none ? threshold(sub, symbols: symbols) : bestCell(sub, symbols: symbols)
            }
        }
        return grid
    }

    /// The minimum-error cell for `n` sub-pixels given as interleaved RGB (`sub.count == 3 * n`).
    public static func bestCell(_ sub: [Float], symbols: SymbolSet) -> ImageCell {
        let n = symbols.count
        var total: (Float, Float, Float) = (0, 0, 0)
        var sumSq: Float = 0
        for k in 0..<n {
            total.0 += sub[k * 3]; total.1 += sub[k * 3 + 1]; total.2 += sub[k * 3 + 2]
            sumSq += sub[k * 3] * sub[k * 3] + sub[k * 3 + 1] * sub[k * 3 + 1] + sub[k * 3 + 2] * sub[k * 3 + 2]
        }
        let nf = Float(n)
        // Uniform cell error: Σ|p|² − |Σp|²/n.
        var bestErr = sumSq - (total.0 * total.0 + total.1 * total.1 + total.2 * total.2) / nf
        var bestMask = 0
        var bestFg = (total.0 / nf, total.1 / nf, total.2 / nf)
        var bestBg = bestFg
        var mask = 1
        while mask < symbols.fullMask {
            var s: (Float, Float, Float) = (0, 0, 0)
            var c = 0
            for k in 0..<n where mask & (1 << k) != 0 {
                s.0 += sub[k * 3]; s.1 += sub[k * 3 + 1]; s.2 += sub[k * 3 + 2]
                c += 1
            }
            let o = (total.0 - s.0, total.1 - s.1, total.2 - s.2)
            let cf = Float(c), co = Float(n - c)
            let err = sumSq - (s.0 * s.0 + s.1 * s.1 + s.2 * s.2) / cf - (o.0 * o.0 + o.1 * o.1 + o.2 * o.2) / co
            if err < bestErr - 1e-6 {
                bestErr = err
                bestMask = mask
                bestFg = (s.0 / cf, s.1 / cf, s.2 / cf)
                bestBg = (o.0 / co, o.1 / co, o.2 / co)
            }
            mask += 2  // only masks containing sub-pixel 0 (bit 0)
        }
        let bg = RGB8(unit: bestBg.0, bestBg.1, bestBg.2)
        if bestMask == 0 { return ImageCell(glyph: " ", fg: bg, bg: bg) }
        return ImageCell(glyph: symbols.glyph(for: bestMask), fg: RGB8(unit: bestFg.0, bestFg.1, bestFg.2), bg: bg)
    }

    /// Monochrome cell: sub-pixels with luma ≥ 0.5 are foreground (white), others background (black).
    static func threshold(_ sub: [Float], symbols: SymbolSet) -> ImageCell {
        var mask = 0
        for k in 0..<symbols.count {
            let y = 0.2126 * sub[k * 3] + 0.7152 * sub[k * 3 + 1] + 0.0722 * sub[k * 3 + 2]
            if y >= 0.5 { mask |= 1 << k }
        }
        return ImageCell(glyph: symbols.glyph(for: mask), fg: .white, bg: .black)
    }

    /// The summed squared error (in [0,1] units) of drawing `cell` for the sub-pixels `sub`.
    public static func error(of cell: ImageCell, for sub: [Float], symbols: SymbolSet) -> Float {
        let mask = mask(of: cell.glyph, symbols: symbols) ?? 0
        var err: Float = 0
        for k in 0..<symbols.count {
            let c = mask & (1 << k) != 0 ? cell.fg : cell.bg
            let d = (sub[k * 3] - Float(c.r) / 255, sub[k * 3 + 1] - Float(c.g) / 255,
                     sub[k * 3 + 2] - Float(c.b) / 255)
            err += d.0 * d.0 + d.1 * d.1 + d.2 * d.2
        }
        return err
    }

    /// The mask drawn by `glyph` in `symbols`, or nil when the glyph is not in the set.
    public static func mask(of glyph: Character, symbols: SymbolSet) -> Int? {
        (0...symbols.fullMask).first { symbols.glyph(for: $0) == glyph }
    }
}
