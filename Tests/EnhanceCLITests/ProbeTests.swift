import EnhanceImaging
import Foundation
import XCTest

/// Detection over a real pseudo-terminal (`scripts/tests/pty_probe.py`): `enhance preview --graphics auto`
/// sends its queries, the script answers as kitty or xterm -ti vt340 would, or stays silent;
/// the replies must be consumed (never printed back) and silence must not hang.
final class ProbeTests: XCTestCase {
    func probe(_ mode: String) throws -> (seconds: Double, status: Int, output: String) {
        guard Spawn.has("python3") else { throw XCTSkip("python3 is missing") }
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var img = Image(width: 30, height: 20)
        for y in 0..<20 { for x in 0..<30 { img[0, y, x] = Float(x) / 29; img[1, y, x] = Float(y) / 19 } }
        let input = dir.appendingPathComponent("in.png").path, out = dir.appendingPathComponent("out").path
        try ImageFile.write(img, to: input)
        let script = CLI.repoRoot.appendingPathComponent("scripts/tests/pty_probe.py").path
        let (rc, text) = try Spawn.run(["python3", script, CLI.binary.path, input, mode, out])
        XCTAssertEqual(rc, 0, text)
        let parts = text.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
        let output = String(decoding: (try? Data(contentsOf: URL(fileURLWithPath: out))) ?? Data(), as: UTF8.self)
        return (Double(parts.first ?? "") ?? .infinity, Int(parts.last ?? "") ?? -1, output)
    }

    func testKittyRepliesSelectKitty() throws {
        let r = try probe("kitty")
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.output.contains("\u{1B}_Gi=31,s=1,v=1,a=q"), "the query was sent")
        XCTAssertTrue(r.output.contains("\u{1B}_Ga=T,q=2,f=24,s=30,v=20"), "kitty image at 1:1 (30 px ≤ 8 × 10)")
        XCTAssertFalse(r.output.contains("Gi=31;OK") || r.output.contains("62;c"),
                       "replies echoed: \(r.output.debugDescription.prefix(300))")
    }

    func testDA1SixelSelectsSixelWithTheReportedCellSize() throws {
        let r = try probe("sixel")
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.output.contains("\u{1B}P0;1;0q\"1;1;30;20"),
                      "sixel image: \(r.output.debugDescription.prefix(300))")
        XCTAssertFalse(r.output.contains("XTerm(379)"), "replies echoed")
    }

    func testSilenceFallsBackToBlocksWithinTheDeadline() throws {
        let r = try probe("silent")
        XCTAssertEqual(r.status, 0)
        XCTAssertLessThan(r.seconds, 5, "a silent terminal must not hang detection")
        XCTAssertFalse(r.output.contains("\u{1B}_Ga=T") || r.output.contains("\u{1B}P0;1;0q"), "no graphics")
        XCTAssertTrue(r.output.contains("\u{1B}[38;") || r.output.contains("\u{1B}[48;"), "block cells")
    }
}
