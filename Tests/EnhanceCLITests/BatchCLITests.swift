import EnhanceImaging
import Foundation
import XCTest

/// `enhance upscale IN... -o FOLDER`: batches with good, bad and already-done files, resuming.
final class BatchCLITests: XCTestCase {
    private func sample(_ path: String, width: Int = 6, height: Int = 5) throws {
        var img = Image(width: width, height: height)
        for c in 0..<3 { for y in 0..<height { for x in 0..<width { img[c, y, x] = Float((x + y + c) % 5) / 4 } } }
        try ImageFile.write(img, to: path)
    }

    private func files(_ dir: URL) -> [String] {
        let e = FileManager.default.enumerator(atPath: dir.path)
        return (e?.allObjects as? [String] ?? []).filter { !isDir(dir.appendingPathComponent($0).path) }.sorted()
    }

    private func isDir(_ p: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: p, isDirectory: &d) && d.boolValue
    }

    func testBatchWritesSkipsAndReportsFailuresThenResumes() throws {
        let root = try CLI.tempDir()
        let src = root.appendingPathComponent("in"), out = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: src.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try sample(src.appendingPathComponent("a.png").path)
        try sample(src.appendingPathComponent("b.jpg").path)
        try sample(src.appendingPathComponent("sub/c.png").path)
        try Data("not an image".utf8).write(to: src.appendingPathComponent("notes.txt"))
        // A PNG signature followed by garbage: recognised as an image, fails to decode.
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]).write(to: src.appendingPathComponent("bad.png"))
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("done before".utf8).write(to: out.appendingPathComponent("a_x4.png"))

        let args = ["upscale", "--method", "bicubic", src.path, "-o", out.path, "--recursive", "--suffix", "_x4"]
        let first = try CLI.run(args)
        XCTAssertEqual(first.status, 1, first.stderr)
        let lines = first.stderr.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains("2 written, 1 skipped, 1 failed"), first.stderr)
        XCTAssertTrue(lines.contains { $0.hasPrefix("skipped ") && $0.contains("a_x4.png exists") }, first.stderr)
        XCTAssertTrue(lines.contains { $0.hasPrefix("  ") && $0.contains("bad.png") }, first.stderr)
        XCTAssertEqual(files(out), ["a_x4.png", "b_x4.png", "sub/c_x4.png"])
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("a_x4.png"), encoding: .utf8), "done before")
        XCTAssertEqual(try ImageFile.info(path: out.appendingPathComponent("sub/c_x4.png").path).width, 24)

        let again = try CLI.run(args)
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("0 written, 3 skipped, 1 failed"), again.stderr)

        let forced = try CLI.run(args + ["--force", "--format", "jpg"])
        XCTAssertTrue(forced.stderr.contains("3 written, 0 skipped, 1 failed"), forced.stderr)
        XCTAssertEqual(try ImageFile.info(path: out.appendingPathComponent("a_x4.jpg").path).format, .jpeg)
    }

    func testWithoutRecursiveSubfoldersAreLeftAndNamesStayFlat() throws {
        let root = try CLI.tempDir()
        let src = root.appendingPathComponent("in"), out = root.appendingPathComponent("new/out")
        try FileManager.default.createDirectory(at: src.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try sample(src.appendingPathComponent("a.png").path)
        try sample(src.appendingPathComponent("sub/c.png").path)
        let single = root.appendingPathComponent("lone.png").path
        try sample(single)
        let r = try CLI.run(["upscale", "--method", "bicubic", src.path, single, "-o", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("2 written, 0 skipped, 0 failed"), r.stderr)
        XCTAssertEqual(files(out), ["a.png", "lone.png"])
    }

    func testTwoInputsWithOneOutputFileAreRefused() throws {
        let root = try CLI.tempDir()
        let a = root.appendingPathComponent("a.png").path, b = root.appendingPathComponent("b.png").path
        try sample(a)
        try sample(b)
        let r = try CLI.run(["upscale", "--method", "bicubic", a, b, "-o", root.appendingPathComponent("x.png").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("x.png") && r.stderr.contains("output folder"), r.stderr)
        XCTAssertEqual(files(root), ["a.png", "b.png"])
    }
}
