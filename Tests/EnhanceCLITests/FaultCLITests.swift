import EnhanceImaging
import Foundation
import XCTest

/// Interrupted and failing exports leave no output, and nothing that a rerun would mistake for one.
final class FaultCLITests: XCTestCase {
    private var dir: URL!

    override func setUpWithError() throws { dir = try CLI.tempDir() }

    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// A 1500×1500 input: its ×4 bicubic PNG (6000×6000) takes seconds to encode.
    private func bigInput() throws -> String {
        var img = Image(width: 1500, height: 1500)
        for i in 0..<img.pixels.count { img.pixels[i] = Float((i * 7919) % 251) / 250 }
        let path = dir.appendingPathComponent("big.png").path
        try ImageFile.write(img, to: path)
        return path
    }

    private func entries() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()) ?? [] }

    /// Starts `enhance args`, waits (bounded) until its temporary output exists, sends `signal`.
    private func interrupt(_ args: [String], with signal: Int32) throws -> (status: Int32, reason: Process.TerminationReason) {
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while !entries().contains(where: { AtomicFile.isTemporary(name: $0) }) && p.isRunning && Date() < deadline {
            usleep(1000)  // polling for the file (bounded), not waiting a guessed time
        }
        XCTAssertTrue(p.isRunning, "the export finished before it could be interrupted")
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        return (p.terminationStatus, p.terminationReason)
    }

    func testSIGKILLMidExportLeavesNoTargetAndTheNextRunCleansUp() throws {
        let input = try bigInput()
        let out = dir.appendingPathComponent("out.png").path
        let r = try interrupt(["upscale", "--method", "bicubic", input, "-o", out], with: SIGKILL)
        XCTAssertEqual(r.reason, .uncaughtSignal)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let left = entries().filter { AtomicFile.isTemporary(name: $0) }
        XCTAssertEqual(left.count, 1, "\(entries())")
        XCTAssertTrue(left[0].hasPrefix(".out.png.enhance-tmp-"), left[0])
        let rerun = try CLI.run(["upscale", "--method", "bicubic", input, "-o", out])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertEqual(entries(), ["big.png", "out.png"], "the stale temporary is removed by the next run")
        XCTAssertEqual(try ImageFile.info(path: out).width, 6000)
    }

    func testSIGINTMidExportRemovesTheTemporary() throws {
        let input = try bigInput()
        let out = dir.appendingPathComponent("out.png").path
        let r = try interrupt(["upscale", "--method", "bicubic", input, "-o", out], with: SIGINT)
        XCTAssertEqual(r.reason, .uncaughtSignal)
        XCTAssertEqual(r.status, SIGINT)
        XCTAssertEqual(entries(), ["big.png"])
    }

    func testFileSizeLimitGivesOneClearErrorAndNoFile() throws {
        let input = try bigInput()
        let out = dir.appendingPathComponent("out.png").path
        // ulimit -f counts 1024-byte blocks in bash: 2 MB, far below the ~100 MB PNG.
        let r = try CLI.run(executable: URL(fileURLWithPath: "/bin/bash"),
                            ["-c", "ulimit -f 2000; exec \"$0\" upscale --method bicubic \"$1\" -o \"$2\"",
                             CLI.binary.path, input, out])
        XCTAssertNotEqual(r.status, 0)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("out.png") && r.stderr.contains("File too large"), r.stderr)
        XCTAssertEqual(entries(), ["big.png"])
    }

    func testFullDiskGivesOneClearErrorAndNoFile() throws {
        let mnt = dir.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: mnt, withIntermediateDirectories: true)
        let m = try CLI.run(executable: URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt.path])
        guard m.status == 0 else { throw XCTSkip("cannot mount a small tmpfs here (\(m.stderr)); needs root") }
        defer { _ = try? CLI.run(executable: URL(fileURLWithPath: "/bin/umount"), [mnt.path]) }
        var img = Image(width: 300, height: 300)
        var state: UInt64 = 42
        for i in 0..<img.pixels.count {  // noise: its ×4 PNG cannot compress to 256 KiB
            state = state &* 6364136223846793005 &+ 1442695040888963407
            img.pixels[i] = Float(state >> 40) / Float(1 << 24)
        }
        let input = dir.appendingPathComponent("in.png").path
        try ImageFile.write(img, to: input)
        let out = mnt.appendingPathComponent("out.png").path
        let r = try CLI.run(["upscale", "--method", "bicubic", input, "-o", out])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("out.png") && r.stderr.contains("No space left"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mnt.path), [])
    }
}
