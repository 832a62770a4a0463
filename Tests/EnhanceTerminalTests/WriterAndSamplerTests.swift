import XCTest
import EnhanceImaging
@testable import EnhanceTerminal

final class WriterAndSamplerTests: XCTestCase {
    let esc = "\u{1B}"

    func testTrueColorMinimalEscapes() {
        var g = CellGrid(columns: 3, rows: 1)
        g[0, 0] = ImageCell(glyph: "▀", fg: RGB8(255, 0, 0), bg: RGB8(0, 0, 255))
        g[0, 1] = ImageCell(glyph: "▀", fg: RGB8(255, 0, 0), bg: RGB8(0, 255, 0))
        g[0, 2] = ImageCell(glyph: " ", fg: RGB8(9, 9, 9), bg: RGB8(0, 255, 0))
        let s = ANSIWriter.draw(g, row: 2, column: 3, mode: .trueColor)
        XCTAssertEqual(s, "\(esc)[0m\(esc)[3;4H\(esc)[38;2;255;0;0;48;2;0;0;255m▀\(esc)[48;2;0;255;0m▀ \(esc)[0m")
    }

    func testSkipsUnchangedCellsAndReaddresses() {
        var a = CellGrid(columns: 3, rows: 2)
        var b = a
        b[0, 2] = ImageCell(glyph: "▀", fg: .white, bg: .black)
        b[1, 0] = ImageCell(glyph: " ", fg: .white, bg: .white)
        let s = ANSIWriter.draw(b, row: 0, column: 0, mode: .trueColor, previous: a, saveCursor: true)
        XCTAssertEqual(s, "\(esc)7\(esc)[0m\(esc)[1;3H\(esc)[38;2;255;255;255;48;2;0;0;0m▀"
                       + "\(esc)[2;1H\(esc)[48;2;255;255;255m \(esc)[0m\(esc)8")
        a = b
        XCTAssertEqual(ANSIWriter.draw(b, row: 0, column: 0, mode: .trueColor, previous: a), "\(esc)[0m\(esc)[0m")
    }

    func test256AndNoColor() {
        var g = CellGrid(columns: 2, rows: 1)
        g[0, 0] = ImageCell(glyph: "▀", fg: RGB8(255, 0, 0), bg: RGB8(128, 128, 128))
        g[0, 1] = ImageCell(glyph: "▄", fg: RGB8(250, 5, 5), bg: RGB8(128, 128, 128))
        // (250, 5, 5) maps to the same index 196, so no second SGR is needed.
        XCTAssertEqual(ANSIWriter.draw(g, row: 0, column: 0, mode: .ansi256),
                       "\(esc)[0m\(esc)[1;1H\(esc)[38;5;196;48;5;244m▀▄\(esc)[0m")
        XCTAssertEqual(ANSIWriter.draw(g, row: 0, column: 0, mode: .none), "\(esc)[0m\(esc)[1;1H▀▄\(esc)[0m")
    }

    func testSameColourAfterQuantisationBecomesSpace() {
        var g = CellGrid(columns: 1, rows: 1)
        g[0, 0] = ImageCell(glyph: "▀", fg: RGB8(10, 10, 10), bg: RGB8(12, 12, 12))  // both → grey 232
        XCTAssertEqual(ANSIWriter.draw(g, row: 0, column: 0, mode: .ansi256), "\(esc)[0m\(esc)[1;1H\(esc)[48;5;232m \(esc)[0m")
        XCTAssertEqual(ANSIWriter.drawSparse([g[0, 0], nil], columns: 2, mode: .ansi256, previous: nil, saveCursor: false),
                       "\(esc)[0m\(esc)[1;1H\(esc)[48;5;232m \(esc)[0m")
    }

    func testSparseSkipsNonImageCellsAndForcesRows() {
        let a = ImageCell(glyph: "▀", fg: .white, bg: .black)
        let cells: [ImageCell?] = [a, nil, a, a]
        let s = ANSIWriter.drawSparse(cells, columns: 2, mode: .trueColor, previous: nil)
        XCTAssertEqual(s, "\(esc)7\(esc)[0m\(esc)[1;1H\(esc)[38;2;255;255;255;48;2;0;0;0m▀\(esc)[2;1H▀▀\(esc)[0m\(esc)8")
        // Unchanged: nothing drawn, unless the row is forced.
        XCTAssertEqual(ANSIWriter.drawSparse(cells, columns: 2, mode: .trueColor, previous: cells, saveCursor: false),
                       "\(esc)[0m\(esc)[0m")
        XCTAssertEqual(ANSIWriter.drawSparse(cells, columns: 2, mode: .trueColor, previous: cells, forceRows: [1],
                                             saveCursor: false),
                       "\(esc)[0m\(esc)[2;1H\(esc)[38;2;255;255;255;48;2;0;0;0m▀▀\(esc)[0m")
    }

    func testPlainLines() {
        var g = CellGrid(columns: 2, rows: 2)
        g[0, 0] = ImageCell(glyph: "▀", fg: RGB8(1, 2, 3), bg: RGB8(4, 5, 6))
        g[0, 1] = ImageCell(glyph: " ", fg: RGB8(4, 5, 6), bg: RGB8(4, 5, 6))
        // Each line starts with no colour assumed (the previous line ended with a reset).
        XCTAssertEqual(ANSIWriter.lines(g, mode: .trueColor),
                       "\(esc)[38;2;1;2;3;48;2;4;5;6m▀ \(esc)[0m\n\(esc)[48;2;0;0;0m  \(esc)[0m\n")
        // NO_COLOR: plain text, no escape sequences at all.
        XCTAssertEqual(ANSIWriter.lines(g, mode: .none), "▀ \n  \n")
    }

    func testSamplerAveragesAndReplicates() {
        let img = makeImage(2, 2, [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 1)])
        let avg = PixelGrid.sample(img, x: 0, y: 0, width: 2, height: 2, toWidth: 1, height: 1)
        XCTAssertEqual(avg.rgb, [0.5, 0.5, 0.5])
        let up = PixelGrid.sample(img, x: 0, y: 0, width: 2, height: 2, toWidth: 4, height: 4)
        XCTAssertEqual(up[0, 0].0, 1); XCTAssertEqual(up[1, 1].0, 1); XCTAssertEqual(up[2, 0].1, 1)
        XCTAssertEqual(up[3, 3].0, 1); XCTAssertEqual(up[0, 3].2, 1); XCTAssertEqual(up[1, 2].0, 0)
        // Half the footprint outside the image → half background (grey 0.5 here).
        let edge = PixelGrid.sample(img, x: 1, y: 0, width: 2, height: 1, toWidth: 1, height: 1,
                                    background: (0.5, 0.5, 0.5))
        XCTAssertEqual(edge.rgb[0], 0.25, accuracy: 1e-6)   // (0 + 0.5) / 2
        XCTAssertEqual(edge.rgb[1], 0.75, accuracy: 1e-6)   // (1 + 0.5) / 2
    }

    func testAlphaCompositesOverBackground() {
        let img = Image(width: 1, height: 1, channelCount: 4, pixels: [1, 0, 0, 0.25])
        let s = PixelGrid.sample(img, x: 0, y: 0, width: 1, height: 1, toWidth: 1, height: 1, background: (0, 0, 1))
        XCTAssertEqual(s.rgb[0], 0.25, accuracy: 1e-6)
        XCTAssertEqual(s.rgb[2], 0.75, accuracy: 1e-6)
    }

    func testImageToCellsEndToEnd() {
        // 2×4 image at 1:1 half-block → 2 columns × 2 rows.
        let img = makeImage(2, 4, [red, green, blue, white, black, black, white, red])
        let g = BlockRenderer.render(img, x: 0, y: 0, width: 2, height: 4, columns: 2, rows: 2, symbols: .halfBlock)
        XCTAssertEqual(g[0, 0], ImageCell(glyph: "▀", fg: RGB8(255, 0, 0), bg: RGB8(0, 0, 255)))
        XCTAssertEqual(g[0, 1], ImageCell(glyph: "▀", fg: RGB8(0, 255, 0), bg: .white))
        XCTAssertEqual(g[1, 0], ImageCell(glyph: "▀", fg: .black, bg: .white))
        XCTAssertEqual(g[1, 1], ImageCell(glyph: "▀", fg: .black, bg: RGB8(255, 0, 0)))
    }
}
