import Foundation
import XCTest

/// `enhance` runs measured by GNU time, which reports the child's own CPU time and peak RSS.
struct Measured {
    let result: CLI.Result
    let cpuSeconds: Double
    let wallSeconds: Double
    let maxRSSKiB: Int

    /// Runs `enhance args` under `/usr/bin/time` (XCTSkip when it is not installed).
    static func run(_ args: [String]) throws -> Measured {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else {
            throw XCTSkip("GNU time not installed")
        }
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("time-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: report) }
        let result = try CLI.run(executable: URL(fileURLWithPath: "/usr/bin/time"),
                                 ["-o", report, "-f", "%U %S %e %M", CLI.binary.path] + args)
        let fields = try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n").last!
            .split(separator: " ").map(String.init)
        return Measured(result: result, cpuSeconds: Double(fields[0])! + Double(fields[1])!,
                        wallSeconds: Double(fields[2])!, maxRSSKiB: Int(fields[3])!)
    }

    /// Whether the binary is instrumented (`make sanitize`), which makes it several times slower.
    static var sanitized: Bool { ProcessInfo.processInfo.environment["ENHANCE_SANITIZER"] != nil }

    /// One line for the test log: wall and CPU time, peak RSS.
    var summary: String { "\(wallSeconds) s wall, \(cpuSeconds) s CPU, \(maxRSSKiB) KiB peak RSS" }
}

extension CLI {
    /// Runs `tool args` (e.g. python3 with a fixture script), failing the test on a non-zero status;
    /// returns its standard output.
    static func runTool(_ tool: String, _ args: [String]) throws -> String {
        let r = try run(executable: URL(fileURLWithPath: tool), args)
        XCTAssertEqual(r.status, 0, "\(tool) \(args): \(r.stderr)")
        return r.stdout
    }

    /// SHA-256 of `path` by Python's hashlib (an oracle for the streamed hash).
    static func pythonSHA256(_ path: String) throws -> String {
        try runTool("/usr/bin/env", ["python3", "-c", """
            import hashlib, sys
            h = hashlib.sha256()
            with open(sys.argv[1], 'rb') as f:
                for b in iter(lambda: f.read(1 << 22), b''): h.update(b)
            print(h.hexdigest())
            """, path]).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
