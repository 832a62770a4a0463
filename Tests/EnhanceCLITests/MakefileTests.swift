import Foundation
import XCTest

/// The README's two commands, `make run` and `make test`, build with flags that do not depend on
/// whether the output is a terminal (SwiftPM adds -color-diagnostics on a terminal only, and a plan
/// with other flags recompiles every module), so a run in a terminal reuses what a run into a file
/// built and the other way round.
final class MakefileTests: XCTestCase {
    /// The swift commands `make -n TARGET` would run (deps stubbed out), as argument lists.
    private func swiftCommands(_ target: String) throws -> [[String]] {
        let make = try XCTUnwrap(CLI.tool("make"), "make is needed")
        let r = try CLI.run(executable: make, ["-n", "-C", CLI.repoRoot.path, target, "SWIFT=swift"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return r.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            .filter { $0.first == "swift" && ["build", "test"].contains($0.dropFirst().first ?? "") }
    }

    func testRunAndTestBuildWithTerminalIndependentFlags() throws {
        let commands = try swiftCommands("run") + swiftCommands("test")
        XCTAssertEqual(commands.count, 3, "\(commands)")  // build -c release; build; test
        for c in commands {
            XCTAssertTrue(c.contains("--no-color-diagnostics"), "terminal-dependent flags: \(c.joined(separator: " "))")
            XCTAssertFalse(c.contains("--color-diagnostics"), c.joined(separator: " "))
        }
    }
}
