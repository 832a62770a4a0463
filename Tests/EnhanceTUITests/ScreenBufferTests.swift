import XCTest
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
}
