import Foundation
import XCTest

/// The README's measured figures say when and on what they were measured: every "Last results"
/// entry starts with its date, and the test-suite entry names its commit and the script that
/// printed it, so stale numbers show their age instead of passing for today's.
final class ReadmeFiguresTests: XCTestCase {
    func testLastResultsAreDatedAndTheSuiteFiguresGenerated() throws {
        let readme = try String(contentsOf: CLI.repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try XCTUnwrap(readme.components(separatedBy: "\nLast results").dropFirst().first,
                                    "README lacks its Last results")
        let entries = section.components(separatedBy: "\n\n").dropFirst().first?.split(separator: "\n")
            .filter { $0.hasPrefix("- ") } ?? []
        XCTAssertGreaterThanOrEqual(entries.count, 2, section)
        let dated = try NSRegularExpression(pattern: #"^- 20\d\d-[01]\d-[0-3]\d, "#)
        for e in entries {
            let line = String(e)
            XCTAssertNotNil(dated.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)),
                            "undated result: \(line)")
        }
        let suite = try XCTUnwrap(entries.first { $0.contains("make test") && $0.contains(", commit ") },
                                  "no dated make test entry naming its commit")
        XCTAssertTrue(section.contains("scripts/tests/readme_figures.sh"), "the figures' generator is not named")
        XCTAssertTrue(FileManager.default.isExecutableFile(
            atPath: CLI.repoRoot.appendingPathComponent("scripts/tests/readme_figures.sh").path), String(suite))
    }
}
