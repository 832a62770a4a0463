/// A family of block glyphs that split a terminal cell into a grid of sub-pixels.
///
/// Masks number the sub-pixels row-major from the top-left: bit `r * columns + c` is set when the
/// sub-pixel at row `r`, column `c` is drawn in the foreground colour.
public enum SymbolSet: String, Sendable, CaseIterable {
    /// 1×2: upper half block `▀` (foreground = top pixel, background = bottom pixel).
    case halfBlock
    /// 2×2 quadrant blocks (U+2596–U+259F with `▀ ▄ ▌ ▐ █`).
    case quadrant
    /// 2×3 sextants (Unicode 13, U+1FB00–U+1FB3B, plus space, `▌`, `▐`, `█`).
    case sextant

    /// Sub-pixel columns per cell.
    public var columns: Int { self == .halfBlock ? 1 : 2 }
    /// Sub-pixel rows per cell.
    public var rows: Int {
        switch self {
        case .halfBlock: return 2
        case .quadrant: return 2
        case .sextant: return 3
        }
    }
    /// Sub-pixels per cell.
    public var count: Int { columns * rows }
    /// The mask with every sub-pixel set.
    public var fullMask: Int { (1 << count) - 1 }

    /// The glyph drawing `mask`'s sub-pixels in the foreground colour and the rest in the background.
    public func glyph(for mask: Int) -> Character {
        let m = mask & fullMask
        if m == 0 { return " " }
        if m == fullMask { return "\u{2588}" }
        switch self {
        case .halfBlock:
            return m == 1 ? "\u{2580}" : "\u{2584}"
        case .quadrant:
            return Character(Unicode.Scalar(SymbolSet.quadrantScalars[m])!)
        case .sextant:
            if m == 21 { return "\u{258C}" }  // left column
            if m == 42 { return "\u{2590}" }  // right column
            let offset = m - 1 - (m > 21 ? 1 : 0) - (m > 42 ? 1 : 0)
            return Character(Unicode.Scalar(UInt32(0x1FB00 + offset))!)
        }
    }

    /// Quadrant glyph code points by mask (bits: 1 top-left, 2 top-right, 4 bottom-left, 8 bottom-right).
    static let quadrantScalars: [UInt32] = [
        0x20, 0x2598, 0x259D, 0x2580, 0x2596, 0x258C, 0x259E, 0x259B,
        0x2597, 0x259A, 0x2590, 0x259C, 0x2584, 0x2599, 0x259F, 0x2588,
    ]
}
