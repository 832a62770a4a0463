import XCTest
import EnhanceImaging
@testable import EnhanceTerminal

/// Builds an RGB image from row-major (r, g, b) triples.
func makeImage(_ w: Int, _ h: Int, _ px: [(Float, Float, Float)]) -> Image {
    var p = [Float](repeating: 0, count: 3 * w * h)
    for (i, c) in px.enumerated() {
        p[i] = c.0; p[w * h + i] = c.1; p[2 * w * h + i] = c.2
    }
    return Image(width: w, height: h, channelCount: 3, pixels: p)
}

func grid(_ w: Int, _ h: Int, _ px: [(Float, Float, Float)]) -> PixelGrid {
    PixelGrid(width: w, height: h, rgb: px.flatMap { [$0.0, $0.1, $0.2] })
}

let red: (Float, Float, Float) = (1, 0, 0)
let green: (Float, Float, Float) = (0, 1, 0)
let blue: (Float, Float, Float) = (0, 0, 1)
let white: (Float, Float, Float) = (1, 1, 1)
let black: (Float, Float, Float) = (0, 0, 0)

final class GlyphTests: XCTestCase {
    func testSextantCodePoints() {
        // Unicode 13 "BLOCK SEXTANT-1" … "BLOCK SEXTANT-23456" skip the two column patterns.
        XCTAssertEqual(SymbolSet.sextant.glyph(for: 1), "\u{1FB00}")   // SEXTANT-1
        XCTAssertEqual(SymbolSet.sextant.glyph(for: 2), "\u{1FB01}")   // SEXTANT-2
        XCTAssertEqual(SymbolSet.sextant.glyph(for: 20), "\u{1FB13}")  // SEXTANT-35
        XCTAssertEqual(SymbolSet.sextant.glyph(for: 21), "\u{258C}")   // left half block
        XCTAssertEqual(SymbolSet.sextant.glyph(for: 22), "\u{1FB14}")  // SEXTANT-235
        XCTAssertEqual(SymbolSet.sextant.glyph(for: 42), "\u{2590}")   // right half block
        XCTAssertEqual(SymbolSet.sextant.glyph(for: 62), "\u{1FB3B}")  // SEXTANT-23456
        XCTAssertEqual(SymbolSet.sextant.glyph(for: 0), " ")
        XCTAssertEqual(SymbolSet.sextant.glyph(for: 63), "\u{2588}")
        XCTAssertEqual(Set((0...63).map { SymbolSet.sextant.glyph(for: $0) }).count, 64)
    }

    func testQuadrantCodePoints() {
        XCTAssertEqual(SymbolSet.quadrant.glyph(for: 1), "▘")
        XCTAssertEqual(SymbolSet.quadrant.glyph(for: 6), "▞")
        XCTAssertEqual(SymbolSet.quadrant.glyph(for: 9), "▚")
        XCTAssertEqual(SymbolSet.quadrant.glyph(for: 12), "▄")
        XCTAssertEqual(Set((0...15).map { SymbolSet.quadrant.glyph(for: $0) }).count, 16)
        XCTAssertEqual(SymbolSet.halfBlock.glyph(for: 1), "▀")
        XCTAssertEqual(SymbolSet.halfBlock.glyph(for: 2), "▄")
    }

    func testHalfBlockExactColours() {
        let g = BlockRenderer.render(grid(2, 2, [red, (0.2, 0.2, 0.2), (0, 0.5, 1), (0.2, 0.2, 0.2)]),
                                     symbols: .halfBlock)
        XCTAssertEqual(g.columns, 2)
        XCTAssertEqual(g.rows, 1)
        XCTAssertEqual(g[0, 0], ImageCell(glyph: "▀", fg: RGB8(255, 0, 0), bg: RGB8(0, 128, 255)))
        // Uniform column: a space on the exact colour (0.2 * 255 = 51).
        XCTAssertEqual(g[0, 1], ImageCell(glyph: " ", fg: RGB8(51, 51, 51), bg: RGB8(51, 51, 51)))
    }

    func testSextantTwoColourPatterns() {
        let leftRed = BlockRenderer.render(grid(2, 3, [red, blue, red, blue, red, blue]), symbols: .sextant)
        XCTAssertEqual(leftRed[0, 0], ImageCell(glyph: "▌", fg: RGB8(255, 0, 0), bg: RGB8(0, 0, 255)))

        let dot = BlockRenderer.render(grid(2, 3, [white, black, black, black, black, black]), symbols: .sextant)
        XCTAssertEqual(dot[0, 0], ImageCell(glyph: "\u{1FB00}", fg: .white, bg: .black))

        // Only the bottom-right sub-pixel white: drawn as its complement SEXTANT-12345 (U+1FB1D: mask 31, one
        // code point below 0x1FB00 + 30 because mask 21 is skipped) in black on white.
        let corner = BlockRenderer.render(grid(2, 3, [black, black, black, black, black, white]), symbols: .sextant)
        XCTAssertEqual(corner[0, 0], ImageCell(glyph: "\u{1FB1D}", fg: .black, bg: .white))

        // Top row and middle-left white: mask 1+2+4 = 7 → SEXTANT-123 (U+1FB06).
        let l = BlockRenderer.render(grid(2, 3, [white, white, white, black, black, black]), symbols: .sextant)
        XCTAssertEqual(l[0, 0], ImageCell(glyph: "\u{1FB06}", fg: .white, bg: .black))
    }

    func testSextantMeansAndChoiceByHand() {
        // Left column greys 0.2/0.4/0.6, right column white. Left-column mask: fg 0.4, error
        // 3·(0.04+0+0.04) = 0.24. Next best {0.2,0.4} vs rest: 3·0.02 + 3·(0.09+3·0.01) = 0.42.
        let g: (Float) -> (Float, Float, Float) = { ($0, $0, $0) }
        let cell = BlockRenderer.render(grid(2, 3, [g(0.2), white, g(0.4), white, g(0.6), white]), symbols: .sextant)
        XCTAssertEqual(cell[0, 0], ImageCell(glyph: "▌", fg: RGB8(102, 102, 102), bg: .white))
    }

    func testQuadrantDiagonal() {
        let g = BlockRenderer.render(grid(2, 2, [red, green, green, red]), symbols: .quadrant)
        XCTAssertEqual(g[0, 0], ImageCell(glyph: "▚", fg: RGB8(255, 0, 0), bg: RGB8(0, 255, 0)))
    }

    func testNoColorThresholdsLuma() {
        // Luma: red 0.2126 (dark), green 0.7152 (light), white light, blue 0.0722 dark.
        let g = BlockRenderer.render(grid(2, 3, [red, green, white, blue, blue, blue]), symbols: .sextant, mode: .none)
        XCTAssertEqual(g[0, 0].glyph, SymbolSet.sextant.glyph(for: 2 | 4))
        XCTAssertEqual(g[0, 0].glyph, "\u{1FB05}")  // SEXTANT-23
    }

    func testMultiCellLayout() {
        // 4×2 half-block pixels → 4 columns × 1 row; each cell is its own column.
        let g = BlockRenderer.render(grid(4, 2, [red, red, blue, white, red, green, blue, black]), symbols: .halfBlock)
        XCTAssertEqual(g.text(row: 0), " ▀ ▀")
        XCTAssertEqual(g[0, 1].fg, RGB8(255, 0, 0))
        XCTAssertEqual(g[0, 1].bg, RGB8(0, 255, 0))
        XCTAssertEqual(g[0, 3].bg, .black)
    }
}
