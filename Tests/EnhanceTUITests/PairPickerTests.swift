import Foundation
import XCTest
import EnhanceImaging
@testable import EnhanceTUI

/// The pair picker starts on the pair in use and marks it, marks the pairs that cannot be used
/// with their reason, and shows a refused switch's reason whole.
final class PairPickerTests: PhotoDirTestCase {
    /// The rows of the picker's box between its borders, without the frame.
    func boxRows(_ h: Harness) -> [String] {
        let rows = (0..<h.state.rows).map { h.screen.text(row: $0) }
        guard let top = rows.firstIndex(where: { $0.contains("┌─ Model pairs") }),
              let bottom = rows.lastIndex(where: { $0.contains("└─") }) else { return [] }
        return rows[(top + 1)..<bottom].map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "│"))
                .trimmingCharacters(in: .whitespaces)
        }
    }

    func testCursorStartsOnThePairInUseAndUnusablePairsShowWhy() {
        let engine = FakeEngine()
        let why = "a-psnr.pth + a-gan.pth: cannot blend: 'conv_first.weight' has shape [64, 3, 3, 3] in a-psnr.pth "
            + "but [32, 3, 3, 3] in a-gan.pth"
        engine.offered = [PairChoice(name: "a", psnr: "/m/a-psnr.pth", gan: "/m/a-gan.pth", problem: why),
                          PairChoice(name: "b", psnr: "/m/b-psnr.pth", gan: "/m/b-gan.pth", isCurrent: true),
                          PairChoice(name: "c", psnr: "/m/c-psnr.pth", gan: "/m/c-gan.pth")]
        let h = Harness(directory: dir, columns: 50, rows: 16, engine: engine)
        h.keys(.enter)
        h.type("p")
        XCTAssertEqual(h.state.picker?.selected, 1, "the cursor starts on the pair in use")
        var box = boxRows(h)
        XCTAssertEqual(Array(box.prefix(3)), ["a ✗ incompatible", "▶ b ● in use", "c"])
        h.effects = []
        h.keys(.enter)  // the pair in use: nothing to load
        XCTAssertNil(h.state.picker)
        XCTAssertEqual(h.state.status, "b is the pair in use")
        h.type("p")
        h.keys(.up)
        box = boxRows(h)
        // The reason under the list, whole, wrapped to the box (30 columns inside at 50 wide).
        let reason = box.dropFirst(4).prefix { !$0.hasPrefix("Enter switch") }
        XCTAssertGreaterThan(reason.count, 2)
        XCTAssertEqual(reason.joined(separator: " "), "✗ " + why)
        h.keys(.enter)  // refused at once: nothing is loaded
        XCTAssertNotNil(h.state.picker)
        XCTAssertFalse(h.effects.contains { if case .switchPair = $0 { return true } else { return false } })
    }

    func testARefusedSwitchShowsTheWholeReasonAndMarksThePair() throws {
        let engine = FakeEngine()
        engine.offered = [PairChoice(name: "other", psnr: "/m/other-psnr.pth", gan: "/m/other-gan.pth")]
        engine.refuse = "other-psnr.pth + other-gan.pth: cannot blend: 'body.0.weight' is in other-psnr.pth but "
            + "not in other-gan.pth"
        let h = Harness(directory: dir, columns: 44, rows: 14, engine: engine)
        h.keys(.enter)
        h.type("p")
        h.keys(.enter)
        let error = try XCTUnwrap(h.state.picker?.error)
        XCTAssertTrue(error.hasPrefix("cannot switch to other: "), error)
        XCTAssertTrue(error.contains(engine.refuse!))
        XCTAssertNil(h.state.status, "the status line would cut the reason")
        let box = boxRows(h)
        XCTAssertEqual(box.first, "▶ other ✗ incompatible")
        let shown = box.dropFirst(2).prefix { !$0.hasPrefix("Enter switch") }
        XCTAssertEqual(shown.joined(separator: " ").split(separator: " "), error.split(separator: " "),
                       "every word of the reason is on screen, in order")
        XCTAssertTrue(shown.allSatisfy { displayWidth($0) <= 36 }, "inside the 40-column box: \(shown)")
    }
}
