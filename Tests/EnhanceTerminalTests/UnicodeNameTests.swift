import XCTest
@testable import EnhanceTerminal

/// Checks every glyph against the Unicode character database's names (an oracle independent of
/// the mask → code point arithmetic in ``SymbolSet``).
final class UnicodeNameTests: XCTestCase {
    func name(_ c: Character) -> String { c.unicodeScalars.first!.properties.name ?? "" }

    func testEverySextantNameMatchesItsMask() {
        for mask in 1..<63 where mask != 21 && mask != 42 {
            // Sextant cells are numbered 1…6 row-major; mask bit k is cell k + 1.
            let cells = (0..<6).filter { mask & (1 << $0) != 0 }.map { String($0 + 1) }.joined()
            XCTAssertEqual(name(SymbolSet.sextant.glyph(for: mask)), "BLOCK SEXTANT-" + cells, "mask \(mask)")
        }
        XCTAssertEqual(name(SymbolSet.sextant.glyph(for: 21)), "LEFT HALF BLOCK")
        XCTAssertEqual(name(SymbolSet.sextant.glyph(for: 42)), "RIGHT HALF BLOCK")
        XCTAssertEqual(name(SymbolSet.sextant.glyph(for: 63)), "FULL BLOCK")
    }

    func testEveryQuadrantNameMatchesItsMask() {
        let parts = ["UPPER LEFT", "UPPER RIGHT", "LOWER LEFT", "LOWER RIGHT"]
        let special = [3: "UPPER HALF BLOCK", 12: "LOWER HALF BLOCK", 5: "LEFT HALF BLOCK", 10: "RIGHT HALF BLOCK",
                       15: "FULL BLOCK"]
        for mask in 1..<16 {
            if let s = special[mask] {
                XCTAssertEqual(name(SymbolSet.quadrant.glyph(for: mask)), s)
                continue
            }
            let set = (0..<4).filter { mask & (1 << $0) != 0 }.map { parts[$0] }
            XCTAssertEqual(name(SymbolSet.quadrant.glyph(for: mask)), "QUADRANT " + set.joined(separator: " AND "),
                           "mask \(mask)")
        }
        XCTAssertEqual(name(SymbolSet.halfBlock.glyph(for: 1)), "UPPER HALF BLOCK")
    }
}
