import Foundation
import XCTest

/// The checkpoint bomb of issue 10: a sparse 6.6 GB safetensors (scripts/checkpoints/make_bomb.py)
/// with a consistent header declaring an MSRResNet with 4096 features. `models inspect` must
/// describe it from its header and stream its hash; `upscale --model` must refuse it from the header.
final class CheckpointBombTests: XCTestCase {
    struct Measured {
        let result: CLI.Result
        let cpuSeconds: Double
        let wallSeconds: Double
        let maxRSSKiB: Int
    }

    /// Runs `enhance args` under GNU time, which reports the child's own CPU time and peak RSS.
    private func measured(_ args: [String]) throws -> Measured {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("time-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: report) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        p.arguments = ["-o", report, "-f", "%U %S %e %M", CLI.binary.path] + args
        let out = Pipe(), err = Pipe()
        (p.standardOutput, p.standardError, p.standardInput) = (out, err, FileHandle.nullDevice)
        try p.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let fields = try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n").last!
            .split(separator: " ").map(String.init)
        let result = CLI.Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                                stderr: String(decoding: errData, as: UTF8.self))
        return Measured(result: result, cpuSeconds: Double(fields[0])! + Double(fields[1])!,
                        wallSeconds: Double(fields[2])!, maxRSSKiB: Int(fields[3])!)
    }

    private func run(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "\(tool) \(args)")
        return String(decoding: data, as: UTF8.self)
    }

    func testBombIsInspectedFromItsHeaderAndRefusedByUpscale() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else {
            throw XCTSkip("GNU time not installed")
        }
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bomb = dir.appendingPathComponent("bomb.safetensors").path
        _ = try run("/usr/bin/env", ["python3", CLI.repoRoot.path + "/scripts/checkpoints/make_bomb.py", bomb])
        var st = stat()
        XCTAssertEqual(stat(bomb, &st), 0)
        XCTAssertEqual(st.st_size, 6_644_860_164)
        guard st.st_blocks * 512 < 1 << 20 else { throw XCTSkip("this filesystem does not keep the bomb sparse") }

        let inspect = try measured(["models", "inspect", bomb])
        XCTAssertEqual(inspect.result.status, 0, inspect.result.stderr)
        let out = inspect.result.stdout
        XCTAssertTrue(out.contains("MSRResNet (from key names; not built)"), out)
        XCTAssertTrue(out.contains("parameters            1661214723"), out)
        XCTAssertTrue(out.contains("over the budget"), out)
        // Oracle for the streamed hash: Python's hashlib over the same (sparse) bytes.
        let digest = try run("/usr/bin/env", ["python3", "-c", """
            import hashlib, sys
            h = hashlib.sha256()
            with open(sys.argv[1], 'rb') as f:
                for b in iter(lambda: f.read(1 << 22), b''): h.update(b)
            print(h.hexdigest())
            """, bomb]).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(out.contains("sha256                \(digest)"), out)
        // Under `make sanitize` the instrumented binary hashes several times slower: time is not checked.
        let sanitized = ProcessInfo.processInfo.environment["ENHANCE_SANITIZER"] != nil
        if !sanitized {
            XCTAssertLessThanOrEqual(inspect.cpuSeconds, 20, "inspect CPU time (wall \(inspect.wallSeconds) s)")
        }
        XCTAssertLessThanOrEqual(inspect.maxRSSKiB, 300 * 1024, "inspect peak RSS")

        let png = dir.appendingPathComponent("out.png").path
        let upscale = try measured(["upscale", "--model", bomb, CLI.repoRoot.path + "/Assets/coffee.png", "-o", png])
        XCTAssertNotEqual(upscale.result.status, 0)
        let line = upscale.result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(line.contains("\n"), line)
        XCTAssertTrue(line.contains(bomb) && line.contains("needs 39.87 GB"), line)
        XCTAssertTrue(line.contains("over the budget of"), line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: png))
        if !sanitized {
            XCTAssertLessThanOrEqual(upscale.cpuSeconds, 5, "refusal CPU time (wall \(upscale.wallSeconds) s)")
        }
        XCTAssertLessThanOrEqual(upscale.maxRSSKiB, 300 * 1024, "refusal peak RSS")
        print("bomb: inspect \(inspect.wallSeconds) s wall, \(inspect.cpuSeconds) s CPU, \(inspect.maxRSSKiB) KiB; "
              + "upscale refusal \(upscale.wallSeconds) s wall, \(upscale.cpuSeconds) s CPU, \(upscale.maxRSSKiB) KiB")
    }

    func testMaxModelBytesRaisesAndLowersTheBudget() throws {
        let model = CLI.repoRoot.path + "/Models/enhance-x4-psnr.safetensors"
        let low = try CLI.run(["models", "inspect", "--max-model-bytes", "1000000", model])
        XCTAssertEqual(low.status, 0, low.stderr)
        XCTAssertTrue(low.stdout.contains("not built") && low.stdout.contains("over the budget of 1.00 MB"), low.stdout)
        let ok = try CLI.run(["models", "inspect", "--max-model-bytes", "100000000", model])
        XCTAssertTrue(ok.stdout.contains("MACs / input pixel"), ok.stdout)
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let refused = try CLI.run(["upscale", "--model", model, "--max-model-bytes", "1000000",
                                   CLI.repoRoot.path + "/Assets/coffee.png", "-o", dir.path + "/o.png"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("enhance-x4-psnr.safetensors") && refused.stderr.contains("budget"),
                      refused.stderr)
    }
}
