import Foundation
import XCTest
@testable import EnhanceTUI

final class RobustnessTests: XCTestCase {
    /// Random keys, resizes (down to 1×1) and job completions in every layout must never crash,
    /// and every frame must have exactly the terminal's size.
    func testRandomSessionsNeverCrash() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        writeFakeImage(dir + "/a.dat", 13, 7)
        writeFakeImage(dir + "/b.dat", 1, 1)
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: false)
        let keys: [Key] = [.up, .down, .left, .right, .shiftLeft, .shiftRight, .enter, .backspace, .escape, .tab,
                           .backTab, .pageUp, .pageDown, .home, .end] +
            "123456789aqzZfhjklvV[]{}=c <>e/.?xyn".map { Key.char($0) }
        var rng = XorShift(state: 2024)
        for session in 0..<3 {
            let h = Harness(directory: dir, columns: 50, rows: 14)
            for step in 0..<150 {
                switch Int.random(in: 0..<20, using: &rng) {
                case 0:
                    h.send(.resize(columns: Int.random(in: 1...90, using: &rng), rows: Int.random(in: 1...30, using: &rng)))
                case 1, 2:
                    h.finishJobs()
                case 3:
                    h.send(.exportProgress(fraction: Double.random(in: 0...1, using: &rng), elapsed: 3))
                default:
                    var k = keys[Int.random(in: 0..<keys.count, using: &rng)]
                    if k == .char("q") { k = .char("?") }  // keep the session alive
                    h.send(.key(k))
                }
                let frame = h.screen
                XCTAssertEqual(frame.columns, h.state.columns, "session \(session) step \(step)")
                XCTAssertEqual(frame.rows, h.state.rows)
                XCTAssertEqual(frame.cells.count, frame.columns * frame.rows)
            }
        }
    }
}
