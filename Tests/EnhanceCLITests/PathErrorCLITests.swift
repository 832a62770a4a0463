import EnhanceImaging
import Foundation
import XCTest

/// Bad paths in `upscale`: each error is one line naming the path and the cause in plain words
/// (no Foundation error dump), with a non-zero exit and nothing half-written.
final class PathErrorCLITests: XCTestCase {
    private func sample(_ dir: URL, _ name: String = "in.png") throws -> String {
        var img = Image(width: 6, height: 5)
        for c in 0..<3 { for y in 0..<5 { for x in 0..<6 { img[c, y, x] = Float((x + 2 * y + c) % 5) / 4 } } }
        let path = dir.appendingPathComponent(name).path
        try ImageFile.write(img, to: path)
        return path
    }

    private func assertPlain(_ line: String, file: StaticString = #filePath, line number: UInt = #line) {
        for raw in ["Error Domain", "NSCocoaErrorDomain", "UserInfo", "NSUnderlyingError"] {
            XCTAssertFalse(line.contains(raw), "raw Foundation error: \(line)", file: file, line: number)
        }
    }

    /// A file named like an image whose content is not one fails by name and is counted.
    func testFakeJPEGInAFolderIsReportedAndCountedAsFailed() throws {
        let src = try CLI.tempDir(), out = try CLI.tempDir()
        _ = try sample(src, "good.png")
        try Data("this is a text file, not a JPEG\n".utf8).write(to: src.appendingPathComponent("fake.jpg"))
        try Data("notes\n".utf8).write(to: src.appendingPathComponent("notes.txt"))
        let r = try CLI.run(["upscale", "--method", "bicubic", src.path, "-o", out.path])
        XCTAssertEqual(r.status, 1, r.stderr)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        let failure = try XCTUnwrap(lines.first { $0.hasPrefix("failed: ") }, r.stderr)
        XCTAssertTrue(failure.contains(src.appendingPathComponent("fake.jpg").path), failure)
        XCTAssertTrue(failure.contains("not a PNG or JPEG"), failure)
        XCTAssertTrue(lines.contains("1 written, 0 skipped, 1 failed"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), ["good.png"])
    }

    /// An output folder whose parent cannot hold it: a file in the way, or a read-only parent
    /// (run as an unprivileged user when the tests run as root, whom permissions do not stop).
    func testOutputFolderThatCannotBeCreated() throws {
        let dir = try CLI.tempDir()
        let a = try sample(dir, "a.png"), b = try sample(dir, "b.png")
        let blocker = dir.appendingPathComponent("file").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let r = try CLI.run(["upscale", "--method", "bicubic", a, b, "-o", blocker + "/out"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stderr, "Error: \(blocker): cannot create the output folder: a file of that name exists\n")

        let readOnly = dir.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: readOnly, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: readOnly.path)
        let target = readOnly.appendingPathComponent("out").path
        var command = [CLI.binary.path, "upscale", "--method", "bicubic", a, b, "-o", target]
        if geteuid() == 0 {
            guard let setpriv = CLI.tool("setpriv") else { throw XCTSkip("setpriv (util-linux) is needed as root") }
            command = [setpriv.path, "--reuid=65534", "--regid=65534", "--clear-groups"] + command
        }
        let ro = try CLI.run(executable: URL(fileURLWithPath: command[0]), Array(command.dropFirst()))
        XCTAssertNotEqual(ro.status, 0)
        XCTAssertEqual(ro.stderr, "Error: \(target): cannot create the output folder in \(readOnly.path): "
                       + "Permission denied\n")
        assertPlain(ro.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
    }

    /// `-o x.png/`: the trailing slash names a folder, which is created and written into.
    func testTrailingSlashNamesAFolder() throws {
        let dir = try CLI.tempDir()
        let input = try sample(dir)
        let folder = dir.appendingPathComponent("x.png").path
        let r = try CLI.run(["upscale", "--method", "bicubic", input, "-o", folder + "/"])
        XCTAssertEqual(r.status, 0, r.stderr)
        assertPlain(r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder), ["in.png"])
        XCTAssertEqual(try ImageFile.info(path: folder + "/in.png").width, 24)
    }
}
