@testable import EnhanceBench
import Foundation
import XCTest

/// `enhance bench` drives each anchor's script in serve mode (scripts/bench/timing.py): these run
/// the real timing.py under fake engines whose work is known, and check what the Swift side reads.
final class AnchorSessionTests: XCTestCase {
    private static let repo = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A folder holding the repository's timing.py and `script` as ort_bench.py and openvino_bench.py.
    private func engines(_ script: String) throws -> (options: BenchOptions, log: URL) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            throw XCTSkip("needs /usr/bin/python3")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("anchor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: Self.repo.appendingPathComponent("scripts/bench/timing.py"),
                                         to: dir.appendingPathComponent("timing.py"))
        let log = dir.appendingPathComponent("calls.log")
        let text = script.replacingOccurrences(of: "LOG", with: log.path)
        for name in ["ort_bench.py", "openvino_bench.py"] {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        var options = BenchOptions()
        options.python = "/usr/bin/python3"
        options.ortScript = dir.appendingPathComponent("ort_bench.py").path
        return (options, log)
    }

    /// An engine whose run busy-waits 30 ms and logs each call, warmed up once as the real scripts are.
    private let busy = """
        import json, sys, time
        from timing import arguments, timed
        a = arguments()
        def once():
            with open("LOG", "a") as f:
                f.write("call\\n")
            t = time.perf_counter()
            while time.perf_counter() - t < 0.03:
                pass
        once()
        row = timed(a.nets, int(a.sizes), int(a.threads), a.repeats, once)
        json.dump({"engine": "fake", "version": "fake-1.0", "results": [row]}, sys.stdout)
        print()
        """

    func testServedRunsAreTimedOneAtATimeAfterAnUntimedOne() throws {
        let (options, log) = try engines(busy)
        let session = try AnchorSession(.onnxRuntime, options, network: "net", size: 16, threads: 1)
        // Ready means warmed up: one call so far, and none timed.
        XCTAssertEqual(try String(contentsOf: log, encoding: .utf8).split(separator: "\n").count, 1)
        var walls: [Double] = []
        for n in 1...3 {
            walls.append(try session.run(options))
            // Each request is one untimed and one timed call, finished before the answer.
            XCTAssertEqual(try String(contentsOf: log, encoding: .utf8).split(separator: "\n").count, 1 + 2 * n)
        }
        XCTAssertTrue(walls.allSatisfy { $0 >= 0.03 }, "each timed run busy-waits 30 ms: \(walls)")
        let timing = session.finish()
        XCTAssertEqual(timing.version, "fake-1.0")
        XCTAssertEqual(timing.wall, walls.sorted()[1])
        XCTAssertNotNil(timing.cpu)
        XCTAssertEqual(try String(contentsOf: log, encoding: .utf8).split(separator: "\n").count, 7)
    }

    func testAScriptThatFailsBeforeReadyIsReportedWithItsLastLine() throws {
        let (options, _) = try engines("""
            import sys
            print("loading graph", file=sys.stderr)
            sys.exit("/tmp/none-128.onnx missing: run scripts/bench/export_onnx.py")
            """)
        XCTAssertThrowsError(try AnchorSession(.openVINO, options, network: "net", size: 128, threads: 1)) { e in
            let message = (e as? BenchError)?.message ?? ""
            XCTAssertTrue(message.contains("openvino_bench.py failed: /tmp/none-128.onnx missing"), message)
        }
    }

    func testAScriptThatDiesMidRunFailsThatRunWithoutTakingTheBenchDown() throws {
        let (options, _) = try engines("""
            import sys
            from timing import arguments, timed
            a = arguments()
            def once():
                print("engine crashed", file=sys.stderr)
                sys.exit(3)
            timed(a.nets, int(a.sizes), int(a.threads), a.repeats, once)
            """)
        let session = try AnchorSession(.onnxRuntime, options, network: "net", size: 16, threads: 1)
        XCTAssertThrowsError(try session.run(options)) { e in
            XCTAssertTrue(((e as? BenchError)?.message ?? "").contains("engine crashed"), "\(e)")
        }
        // A second request writes to a closed pipe: an error, not SIGPIPE.
        XCTAssertThrowsError(try session.run(options))
    }
}
