import XCTest
import EnhanceTerminal
@testable import EnhanceTUI

final class ScreenBufferTests: XCTestCase {
    func testPutClipsAndHandlesWideCharacters() {
        var b = ScreenBuffer(columns: 6, rows: 1)
        let end = b.put("a漢b", row: 0, column: 0)
        XCTAssertEqual(end, 4)
        XCTAssertEqual(b[0, 1].text, "漢")
        XCTAssertEqual(b[0, 2].text, "")
        XCTAssertEqual(b.text(row: 0), "a漢b  ")
        var c = ScreenBuffer(columns: 3, rows: 1)
        c.put("ab漢", row: 0, column: 0)   // the wide char does not fit in the last column
        XCTAssertEqual(c.text(row: 0), "ab ")
    }

    func testSanitizeRemovesControlCharacters() {
        XCTAssertEqual(sanitize("a\u{1B}[2Jb\n\u{9B}c"), "a?[2Jb??c")
        XCTAssertEqual(displayWidth("e\u{301}"), 1)
        XCTAssertEqual(displayWidth("日本"), 4)
    }

    func testFormatting() {
        XCTAssertEqual(formatBytes(512), "512 B")
        XCTAssertEqual(formatBytes(1536), "1.5 KiB")
        XCTAssertEqual(formatBytes(3 * 1024 * 1024), "3.0 MiB")
        XCTAssertEqual(formatAlpha(0.05), "0.05")
        XCTAssertEqual(formatAlpha(1), "1.00")
        XCTAssertEqual(formatSeconds(0.25), "0.25s")
        XCTAssertEqual(formatSeconds(12.34), "12.3s")
        XCTAssertEqual(formatSeconds(125), "2m05s")
    }

    /// A dialog box moving down a row reads, to curses, like lines that moved (it would scroll
    /// them, block cells included); a changed status line or image cells alone do not.
    func testCursesMayMoveLines() {
        func frame(boxAt top: Int?, status: String, colour: UInt8 = 10) -> ScreenBuffer {
            var b = ScreenBuffer(columns: 12, rows: 8)
            let cell = ImageCell(glyph: "▀", fg: RGB8(colour, 0, 0), bg: RGB8(0, colour, 0))
            b.blit(CellGrid(columns: 12, rows: 7, fill: cell), row: 0, column: 0)
            if let top { drawBox(&b, CellRect(row: top, column: 2, width: 8, height: 3), title: "x") }
            b.put(status, row: 7, column: 0, style: .reverse)
            return b
        }
        XCTAssertTrue(frame(boxAt: 3, status: "a").cursesMayMoveLines(from: frame(boxAt: 2, status: "a")))
        XCTAssertTrue(frame(boxAt: nil, status: "a").cursesMayMoveLines(from: frame(boxAt: 2, status: "a")))
        XCTAssertFalse(frame(boxAt: 2, status: "b").cursesMayMoveLines(from: frame(boxAt: 2, status: "a")))
        let recoloured = frame(boxAt: nil, status: "a", colour: 99)
        XCTAssertFalse(recoloured.cursesMayMoveLines(from: frame(boxAt: nil, status: "a")))
        XCTAssertFalse(frame(boxAt: 2, status: "a").cursesMayMoveLines(from: frame(boxAt: nil, status: "a")))
    }
}
