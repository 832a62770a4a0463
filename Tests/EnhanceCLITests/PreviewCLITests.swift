import Foundation
import XCTest

/// `enhance preview` computes what it shows: a 60-column preview of the RRDBNet-23 pair runs the
/// network at the displayed resolution's need, not on the whole image at full resolution.
final class PreviewCLITests: XCTestCase {
    func testNarrowPreviewComputesOnlyWhatItShows() throws {
        let input = CLI.repoRoot.appendingPathComponent("Assets/chelsea.png").path  // 451 × 300
        let m = try Measured.run(["preview", input, "--method", "psnr", "--pair", "enhance-rrdb-x4", "--width", "60",
                                  "--graphics", "blocks", "--color", "truecolor", "--threads", "2"])
        XCTAssertEqual(m.result.status, 0, m.result.stderr)
        // 60 sextant cells per row, rows from the image's aspect (cells about twice as tall as wide).
        let rows = m.result.stdout.split(separator: "\n")
        XCTAssertEqual(rows.count, Int((60.0 * 300 / 451 / 2).rounded()))
        // The whole image at full resolution is 451·300 input pixels × 17.9 M MACs ≈ 2.4 T MACs,
        // over 10 s of CPU on any machine this runs on; the displayed need (≈ 30 × 30 input pixels)
        // is a few hundredths of that, so the run is loading the pair and little else.
        if !Measured.sanitized { XCTAssertLessThan(m.cpuSeconds, 6, m.summary) }
    }

    /// `--color` takes the names the help lists (and `24bit`) in both commands, and nothing else:
    /// the case name `ansi256` is refused by `preview` and `tui` alike (one parse, ColorMode(option:)).
    func testColorNamesAreTheSameForPreviewAndTUI() throws {
        let input = CLI.repoRoot.appendingPathComponent("Assets/chelsea.png").path
        let ok = try CLI.run(["preview", input, "--width", "8", "--graphics", "blocks", "--color", "24bit"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.contains("[38;2;") || ok.stdout.contains("[48;2;"), "24-bit colour for --color 24bit")
        for command in [["preview", input], ["tui", input]] {
            let bad = try CLI.run(command + ["--color", "ansi256"])
            XCTAssertNotEqual(bad.status, 0, command[0])
            XCTAssertTrue(bad.stderr.contains("--color must be"), bad.stderr)
        }
    }
}
