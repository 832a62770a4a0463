import Foundation
import XCTest

/// Runs the built `enhance` binary (next to the test bundle) and captures its output.
enum CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Repository root, from this file's location.
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` beside the repository, if present.
    static var shared: URL? {
        let url = repoRoot.deletingLastPathComponent().appendingPathComponent("shared")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// The `enhance` executable built alongside the tests.
    static var binary: URL {
        if let env = ProcessInfo.processInfo.environment["ENHANCE_BIN"] { return URL(fileURLWithPath: env) }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            let candidate = bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("enhance")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return repoRoot.appendingPathComponent(".build/debug/enhance")
    }

    /// Runs `enhance args...` with an optional working directory and extra environment.
    static func run(_ args: [String], cwd: URL? = nil, env: [String: String] = [:]) throws -> Result {
        try run(executable: binary, args, cwd: cwd, env: env)
    }

    /// The path of `name` on PATH (e.g. an independent checker such as exiftool), or nil.
    static func tool(_ name: String) -> URL? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// Runs any executable and captures its output.
    static func run(executable: URL, _ args: [String], cwd: URL? = nil, env: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        if let cwd { p.currentDirectoryURL = cwd }
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read both pipes concurrently with the process so large outputs cannot deadlock.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter()
        DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh empty temporary directory.
    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("enhance-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The SHA-256 of `path` as coreutils' `sha256sum` prints it (an independent hash oracle).
    static func sha256sum(_ path: String) throws -> String {
        let tool = try XCTUnwrap(tool("sha256sum"), "sha256sum (coreutils) is needed as the hash oracle")
        let r = try run(executable: tool, [path])
        XCTAssertEqual(r.status, 0, r.stderr)
        return String(try XCTUnwrap(r.stdout.split(separator: " ").first))
    }
}
