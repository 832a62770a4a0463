import Foundation
import XCTest
import EnhanceTerminal
@testable import EnhanceTUI

/// Whole frames compared with goldens written by hand from the layout rules (not captured from
/// the program): every row's text, and every cell's image colour through a legend.
final class GoldenFrameTests: PhotoDirTestCase {
    /// The fake blend at α is (0, 1 − α², 0.4·α) → 8-bit by rounding: G = 255 − 255α², B = 102α.
    static let legend: [Character: RGB8] = [
        "a": RGB8(0, 255, 0), "b": RGB8(0, 252, 10), "c": RGB8(0, 245, 20), "d": RGB8(0, 232, 31),
        "e": RGB8(0, 214, 41), "f": RGB8(0, 191, 51), "g": RGB8(0, 163, 61), "h": RGB8(0, 130, 71),
        "i": RGB8(0, 92, 82), "j": RGB8(0, 48, 92), "k": RGB8(0, 0, 102),
    ]

    /// Checks `frame` against `text` (one string per row) and `colours` (one legend letter per
    /// cell, "." for a text cell).
    func assertFrame(_ frame: ScreenBuffer, text: [String], colours: [String], file: StaticString = #filePath,
                     line: UInt = #line) {
        XCTAssertEqual(frame.rows, text.count, file: file, line: line)
        for r in 0..<min(frame.rows, text.count) {
            XCTAssertEqual(frame.text(row: r), text[r], "row \(r) text", file: file, line: line)
            let got = String((0..<frame.columns).map { c -> Character in
                guard let img = frame[r, c].image else { return "." }
                return Self.legend.first { $0.value == img.bg }?.key ?? "?"
            })
            XCTAssertEqual(got, colours[r], "row \(r) colours", file: file, line: line)
        }
    }

    func testFilmstripFrame() {
        // 48×13 body at 1:1: panels of the pane's aspect (48:12) fit biggest 4 to a row: 12
        // columns (11 + a gap) × 4 rows (label + 3 image rows) at rows 0, 4, 8; row 12 is left over.
        let h = Harness(directory: dir, columns: 48, rows: 14)
        h.keys(.enter)
        h.type("z")
        h.type("s")
        h.settle()
        let blank = String(repeating: " ", count: 48)
        func labels(_ l: [String]) -> String {
            (l + Array(repeating: "", count: 4 - l.count)).map { $0 + String(repeating: " ", count: 12 - $0.count) }
                .joined()
        }
        func strip(_ c: String) -> String {
            c.map { String(repeating: String($0), count: 11) + "." }.joined()
                + String(repeating: ".", count: 12 * (4 - c.count))
        }
        let dots = String(repeating: ".", count: 48)
        assertFrame(h.screen, text: [
            labels([" α 0.00", " α 0.10", " α 0.20", " α 0.30"]), blank, blank, blank,
            labels([" α 0.40", "▶α 0.50", " α 0.60", " α 0.70"]), blank, blank, blank,
            labels([" α 0.80", " α 0.90", " α 1.00"]), blank, blank, blank,
            blank,
            " α 0.50 │ zoom 1:1 │ view single │ last 0.00s │ ",
        ], colours: [
            dots, strip("abcd"), strip("abcd"), strip("abcd"),
            dots, strip("efgh"), strip("efgh"), strip("efgh"),
            dots, strip("ijk"), strip("ijk"), strip("ijk"),
            dots, dots,
        ])
    }

    /// 11 panels of a 4:3 image at fit in 80×24 (body 23 rows; a picture is 8·2/6 = 8/3 cells wide
    /// per row): 4 columns × 3 rows of 19×6 image cells hold a picture 6 rows tall (3 × 4: 25×4 →
    /// 4; 5 × 3: 15×6 → 5.6; 6 × 2: 12×10 → 4.5; 11 × 1: 6×22 → 2.25); the grid tiles the body,
    /// and the filmstrip keeps fit and the centre, open and closed.
    func testFilmstripGridAtFitKeepsTheView() {
        let h = Harness(directory: dir, columns: 80, rows: 24)
        h.keys(.enter)
        let before = h.state.preview!
        XCTAssertEqual(before.zoom, .fit)
        h.type("s")
        XCTAssertEqual(h.state.preview!.zoom, .fit, "the filmstrip keeps the zoom it was opened at")
        let area = CellRect(row: 0, column: 0, width: 80, height: 23)
        let panels = filmstripPanels(area, aspect: filmstripAspect(h.state, h.state.preview!, area))
        XCTAssertEqual(panels.count, 11)
        XCTAssertEqual(Set(panels.map(\.width)), [19])
        XCTAssertEqual(Set(panels.map(\.height)), [7])
        XCTAssertEqual(panels.map(\.column), [0, 20, 40, 60, 0, 20, 40, 60, 0, 20, 40])
        XCTAssertEqual(panels.map(\.row), [0, 0, 0, 0, 7, 7, 7, 7, 14, 14, 14])
        h.settle()
        XCTAssertTrue(h.screen.text(row: 7).contains("▶α 0.50"), h.screen.plainText)
        h.keys(.escape)
        let after = h.state.preview!
        XCTAssertFalse(after.filmstrip)
        XCTAssertEqual(after.zoom, before.zoom)
        XCTAssertEqual(after.centerX, before.centerX)
        XCTAssertEqual(after.centerY, before.centerY)
        XCTAssertEqual(after.alpha, before.alpha)
    }

    func testPairPickerFrame() {
        // 32×14 at 1:1: the 8×6 image is 32×24 output px, exactly the 32×12 image cells.
        let engine = FakeEngine()
        engine.offered = [PairChoice(name: "other", psnr: "/m/o-psnr.pth", gan: "/m/o-gan.pth"),
                          PairChoice(name: "x.pth", psnr: "/u/x.pth", gan: "/u/x.pth"),
                          PairChoice(name: "y.pth", psnr: "/u/y.pth", gan: "/u/y.pth")]
        let h = Harness(directory: dir, columns: 32, rows: 14, engine: engine)
        h.keys(.enter)
        h.type("z")
        h.settle()
        h.type("p")
        let image = String(repeating: " ", count: 32)
        func inner(_ s: String) -> String { "│ " + s + String(repeating: " ", count: 29 - s.count) + "│" }
        let dots = String(repeating: ".", count: 32), f = String(repeating: "f", count: 32)
        assertFrame(h.screen, text: [
            " blend α=0.50" + String(repeating: " ", count: 19),
            image, image,
            "┌─ Model pairs " + String(repeating: "─", count: 16) + "┐",
            inner("▶ other"),
            inner("  x.pth (checkpoint)"),
            inner("  y.pth (checkpoint)"),
            inner(""),
            inner("Enter switch · Esc close"),
            "└" + String(repeating: "─", count: 30) + "┘",
            image, image, image,
            " α 0.50 │ zoom 1:1 │ view single",
        ], colours: [dots, f, f, dots, dots, dots, dots, dots, dots, dots, f, f, f, dots])
        XCTAssertEqual(h.screen[4, 2].style, .reverse, "the selection is highlighted")
    }

    func testPairPickerEscRestoresTheFrame() {
        // Blocks: the picker opens (loading, then listed), Esc closes it; the frame is the one before.
        let engine = FakeEngine()
        engine.offered = [PairChoice(name: "other", psnr: "/m/o-psnr.pth", gan: "/m/o-gan.pth")]
        let h = Harness(directory: dir, columns: 32, rows: 14, engine: engine)
        h.keys(.enter)
        h.type("z")
        h.settle()
        let image = String(repeating: " ", count: 32)
        let dots = String(repeating: ".", count: 32), f = String(repeating: "f", count: 32)
        let text = [" blend α=0.50" + String(repeating: " ", count: 19)] + Array(repeating: image, count: 12)
            + [" α 0.50 │ zoom 1:1 │ view single"]
        let colours = [dots] + Array(repeating: f, count: 12) + [dots]
        assertFrame(h.screen, text: text, colours: colours)
        h.type("p")
        XCTAssertTrue(h.screen.plainText.contains("Model pairs"))
        h.keys(.escape)
        XCTAssertNil(h.state.picker)
        assertFrame(h.screen, text: text, colours: colours)
    }
}
