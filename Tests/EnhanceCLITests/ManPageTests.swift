import Foundation
import XCTest

/// Every subcommand and every option the CLI defines must be documented in man/enhance.1.
final class ManPageTests: XCTestCase {
    func testEverySubcommandAndOptionIsInTheManPage() throws {
        let text = try renderedManPage()
        let dump = try CLI.run(["--experimental-dump-help"])
        XCTAssertEqual(dump.status, 0, dump.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var checked = 0
        func walk(_ command: [String: Any], path: [String]) {
            let name = command["commandName"] as? String ?? ""
            let here = path + [name]
            if here.count > 1 {
                XCTAssertTrue(text.contains(name), "man page lacks subcommand \(here.joined(separator: " "))")
                checked += 1
            }
            for arg in command["arguments"] as? [[String: Any]] ?? [] {
                for n in arg["names"] as? [[String: Any]] ?? [] {
                    guard let kind = n["kind"] as? String, let v = n["name"] as? String else { continue }
                    let spelled = kind == "long" ? "--\(v)" : (kind == "short" ? "-\(v)" : v)
                    if ["--help", "-h", "--version", "--experimental-dump-help"].contains(spelled) { continue }
                    XCTAssertTrue(text.contains(spelled), "man page lacks \(spelled) of \(here.joined(separator: " "))")
                    checked += 1
                }
            }
            for sub in command["subcommands"] as? [[String: Any]] ?? [] { walk(sub, path: here) }
        }
        walk(try XCTUnwrap(json["command"] as? [String: Any]), path: [])
        XCTAssertGreaterThan(checked, 10, "the help dump listed suspiciously few commands/options")
    }

    func testManPageLintsClean() throws {
        let (status, out) = try mandoc(["-T", "lint", "-W", "error"])
        XCTAssertEqual(status, 0, "mandoc -T lint reports errors:\n\(out)")
    }

    /// The page as a reader sees it (mandoc's ASCII rendering, overstrike removed).
    private func renderedManPage() throws -> String {
        let (status, out) = try mandoc(["-T", "ascii"])
        XCTAssertEqual(status, 0)
        var text = ""
        for ch in out {
            if ch == "\u{8}" { if !text.isEmpty { text.removeLast() } } else { text.append(ch) }
        }
        return text
    }

    private func mandoc(_ args: [String]) throws -> (Int32, String) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/mandoc") else {
            throw XCTSkip("mandoc is not installed (apt-get install mandoc; make test installs it)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/mandoc")
        p.arguments = args + [CLI.repoRoot.appendingPathComponent("man/enhance.1").path]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, out)
    }
}
