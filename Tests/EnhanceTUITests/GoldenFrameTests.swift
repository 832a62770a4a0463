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
        // 48 columns: 3 panels of 16 per row (15 + a gap), 4 rows of 3 cells (label + 2 image rows).
        let h = Harness(directory: dir, columns: 48, rows: 14)
        h.keys(.enter)
        h.type("s")
        h.settle()
        let blank = String(repeating: " ", count: 48)
        func labels(_ a: String, _ b: String, _ c: String) -> String {
            [a, b, c].map { $0 + String(repeating: " ", count: 16 - $0.count) }.joined()
        }
        func strip(_ a: Character, _ b: Character, _ c: Character?) -> String {
            [a, b].map { String(repeating: String($0), count: 15) + "." }.joined()
                + (c.map { String(repeating: String($0), count: 15) + "." } ?? String(repeating: ".", count: 16))
        }
        let dots = String(repeating: ".", count: 48)
        assertFrame(h.screen, text: [
            labels(" α 0.00", " α 0.10", " α 0.20"), blank, blank,
            labels(" α 0.30", " α 0.40", "▶α 0.50"), blank, blank,
            labels(" α 0.60", " α 0.70", " α 0.80"), blank, blank,
            labels(" α 0.90", " α 1.00", ""), blank, blank,
            blank,
            " α 0.50 │ zoom 1:1 │ view single │ last 0.25s │ ",
        ], colours: [
            dots, strip("a", "b", "c"), strip("a", "b", "c"),
            dots, strip("d", "e", "f"), strip("d", "e", "f"),
            dots, strip("g", "h", "i"), strip("g", "h", "i"),
            dots, strip("j", "k", nil), strip("j", "k", nil),
            dots, dots,
        ])
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
