import Foundation
import XCTest
@testable import EnhanceTUI

final class BrowserTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try makeTempDir()
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/b_dir", withIntermediateDirectories: false)
        try fm.createDirectory(atPath: dir + "/a_dir", withIntermediateDirectories: false)
        writeFakeImage(dir + "/photo.dat", 8, 6)          // an image by content, odd extension
        _ = fm.createFile(atPath: dir + "/notes.png", contents: Data("just text".utf8))  // not an image
        writeFakeImage(dir + "/.hidden.png", 2, 2)
        _ = fm.createFile(atPath: dir + "/evil\u{1B}[31mname", contents: Data())
        try fm.createSymbolicLink(atPath: dir + "/loop1", withDestinationPath: dir + "/loop2")
        try fm.createSymbolicLink(atPath: dir + "/loop2", withDestinationPath: dir + "/loop1")
        // A name that is not valid UTF-8 (byte 0xFF), created through the raw POSIX call.
        let raw = Array((dir + "/bad").utf8) + [0xFF, 0x2E, 0x70, 0x6E, 0x67, 0]
        let fd = raw.withUnsafeBufferPointer { p in
            p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { open($0, O_CREAT | O_WRONLY, 0o644) }
        }
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func testListingOrderKindsAndSanitising() {
        let h = Harness(directory: dir)
        let names = h.state.browser.visible.map(\.name)
        XCTAssertEqual(names, ["..", "a_dir", "b_dir", "bad\u{FFFD}.png", "evil?[31mname", "loop1", "loop2",
                               "notes.png", "photo.dat"])
        let byName = Dictionary(uniqueKeysWithValues: h.state.browser.entries.map { ($0.name, $0) })
        XCTAssertEqual(byName["photo.dat"]?.probe, ImageProbe(format: "FAKE", width: 8, height: 6))
        XCTAssertNil(byName["notes.png"]?.probe)
        XCTAssertEqual(byName["loop1"]?.kind, .unreadable)
        XCTAssertEqual(byName["loop1"]?.error, "symlink loop")
        XCTAssertNil(byName["bad\u{FFFD}.png"]?.path)
        XCTAssertEqual(h.state.browser.selected, 1)
    }

    func testViewRowsAndDetails() {
        let h = Harness(directory: dir, columns: 60, rows: 14)
        h.keys(.end)  // photo.dat
        let s = h.screen
        XCTAssertTrue(s.text(row: 0).hasPrefix(" Enhance  "))
        XCTAssertTrue(s.text(row: 1).hasPrefix("▸ ..  "))
        XCTAssertTrue(s.text(row: 2).hasPrefix("▸ a_dir/ "))
        XCTAssertTrue(s.text(row: 5).hasPrefix("  evil?[31mname "))
        XCTAssertTrue(s.text(row: 6).hasPrefix("! loop1 "))
        XCTAssertTrue(s.text(row: 9).hasPrefix("◆ photo.dat"))
        XCTAssertEqual(s[9, 0].style, .reverse)
        // Details pane at column 37 (60·3/5 + 1).
        XCTAssertEqual(String(s.text(row: 1).dropFirst(37)).trimmingCharacters(in: .whitespaces), "photo.dat")
        XCTAssertEqual(String(s.text(row: 2).dropFirst(37)).trimmingCharacters(in: .whitespaces), "FAKE image")
        XCTAssertEqual(String(s.text(row: 3).dropFirst(37)).trimmingCharacters(in: .whitespaces), "8 × 6 px")
        XCTAssertEqual(String(s.text(row: 4).dropFirst(37)).trimmingCharacters(in: .whitespaces), "→ ×4: 32 × 24")
        XCTAssertEqual(String(s.text(row: 5).dropFirst(37)).trimmingCharacters(in: .whitespaces), "12 B")  // "FAKEIMG 8 6\n"
        XCTAssertTrue(s.text(row: 13).contains("? help"))
    }

    func testHiddenToggleFilterAndOpen() {
        let h = Harness(directory: dir)
        XCTAssertFalse(h.state.browser.visible.contains { $0.name == ".hidden.png" })
        h.type(".")
        XCTAssertTrue(h.state.browser.visible.contains { $0.name == ".hidden.png" })
        h.type(".")
        h.type("/ph")
        XCTAssertEqual(h.state.browser.visible.map(\.name), ["..", "photo.dat"])
        XCTAssertTrue(h.screen.plainText.contains("/ph▏"))
        h.keys(.enter)
        XCTAssertTrue(h.effects.contains(.load(path: dir + "/photo.dat")))
        XCTAssertEqual(h.state.screen, .preview)
        XCTAssertEqual(h.state.preview?.image.width, 8)
    }

    func testNonImagesUnreadableAndBadNamesDoNotOpen() {
        let h = Harness(directory: dir)
        for name in ["notes.png", "loop1", "bad\u{FFFD}.png"] {
            h.state.browser.selected = h.state.browser.visible.firstIndex { $0.name == name }!
            h.keys(.enter)
            XCTAssertEqual(h.state.screen, .browser, name)
            XCTAssertNotNil(h.state.status, name)
        }
        XCTAssertTrue(h.state.status!.contains("not valid UTF-8"))
    }

    func testEnterDirectoryAndBackspaceUpReselects() {
        let h = Harness(directory: dir)
        h.keys(.down)  // b_dir (a_dir is selected first)
        XCTAssertEqual(h.state.browser.selectedEntry?.name, "b_dir")
        h.keys(.enter)
        XCTAssertEqual(h.state.browser.directory, dir + "/b_dir")
        XCTAssertEqual(h.state.browser.visible.map(\.name), [".."])
        h.keys(.backspace)
        XCTAssertEqual(h.state.browser.directory, dir)
        XCTAssertEqual(h.state.browser.selectedEntry?.name, "b_dir")
    }

    func testUnreadableDirectoryReportsError() {
        let h = Harness(directory: dir + "/missing", columns: 300)
        XCTAssertNotNil(h.state.browser.error)
        XCTAssertTrue(h.screen.plainText.contains("No such file or directory"))
    }
}
