import Foundation

struct BenchError: Error { let message: String }

/// An engine timed on the same graph as the Swift networks, through its script in scripts/bench.
public enum Anchor: String, CaseIterable, Sendable, Comparable {
    case onnxRuntime = "onnxruntime"
    case openVINO = "openvino"
    case ncnn

    var script: String {
        switch self {
        case .onnxRuntime: "ort_bench.py"
        case .openVINO: "openvino_bench.py"
        case .ncnn: "ncnn_bench.py"
        }
    }
    var pipPackages: String { "-r scripts/bench/requirements.txt" }
    /// The short name of the JSON keys and the table (`ort`, `openvino`, `ncnn`).
    var short: String { self == .onnxRuntime ? "ort" : rawValue }

    public static func < (a: Anchor, b: Anchor) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// An anchor's medians for one configuration, seconds (`cpu`: process CPU time, all threads).
public struct AnchorTiming: Sendable, Equatable {
    public let wall: Double
    public let cpu: Double?
    public let version: String

    /// The median of several rounds' medians.
    static func median(_ rounds: [AnchorTiming]) -> AnchorTiming {
        let cpus = rounds.compactMap(\.cpu)
        return AnchorTiming(wall: EnhanceBench.median(rounds.map(\.wall)),
                            cpu: cpus.count == rounds.count ? EnhanceBench.median(cpus) : nil,
                            version: rounds.first?.version ?? "")
    }
}

/// An anchor's script in serve mode (`--serve`, scripts/bench/timing.py) for one network, size and
/// thread count: started and warmed up, then timed one run at a time on request, so that its runs
/// alternate with Swift's and both see the same drift of the host's speed.
final class AnchorSession {
    let anchor: Anchor
    private let process = Process()
    private let input: FileHandle, output: FileHandle
    private let errors: URL
    private var pending = Data()
    private var runs: [Double] = [], cpus: [Double] = []

    /// Starts the script and waits until it has loaded the graph and run its warm-up.
    init(_ anchor: Anchor, _ options: BenchOptions, network: String, size: Int, threads: Int) throws(BenchError) {
        self.anchor = anchor
        guard let script = locateScript(anchor.script, near: options.ortScript) else {
            throw BenchError(message: "scripts/bench/\(anchor.script) not found (run from the repository root)")
        }
        signal(SIGPIPE, SIG_IGN)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [options.python, script, "--nets", network, "--sizes", String(size),
                             "--threads", String(threads), "--serve"]
        let toScript = Pipe(), fromScript = Pipe()
        errors = FileManager.default.temporaryDirectory
            .appendingPathComponent("enhance-bench-\(anchor.short)-\(getpid()).log")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        process.standardInput = toScript
        process.standardOutput = fromScript
        process.standardError = try? FileHandle(forWritingTo: errors)
        input = toScript.fileHandleForWriting
        output = fromScript.fileHandleForReading
        do { try process.run() } catch {
            throw BenchError(message: "cannot start \(options.python): \(error.localizedDescription)")
        }
        guard let line = readLine(), line.contains("\"ready\"") else { throw failure(options) }
    }

    /// One timed run of the anchor after an untimed one, seconds (wall; the CPU time is kept).
    func run(_ options: BenchOptions) throws(BenchError) -> Double {
        struct Row: Decodable { let s: Double; let cpu: Double? }
        // A script that has died closes its end: the write fails (SIGPIPE ignored in init) and so does the read.
        try? input.write(contentsOf: Data("run\n".utf8))
        guard let line = readLine(), let row = try? JSONDecoder().decode(Row.self, from: Data(line.utf8)) else {
            throw failure(options)
        }
        runs.append(row.s)
        if let c = row.cpu { cpus.append(c) }
        return row.s
    }

    /// Ends the script; its medians over the runs asked for, and its engine's version.
    func finish() -> AnchorTiming {
        struct Report: Decodable { let version: String }
        try? input.close()
        let version = readLine().flatMap { try? JSONDecoder().decode(Report.self, from: Data($0.utf8)) }?.version
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: errors)
        return AnchorTiming(wall: median(runs), cpu: cpus.count == runs.count ? median(cpus) : nil,
                            version: version ?? "")
    }

    /// The script's last words, when it stopped without answering.
    private func failure(_ options: BenchOptions) -> BenchError {
        try? input.close()
        process.waitUntilExit()
        let text = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: errors)
        let last = text.split(separator: "\n").last.map(String.init) ?? "exit \(process.terminationStatus)"
        return BenchError(message: "\(options.python) \(anchor.script) failed: \(last) "
                          + "(pip install \(anchor.pipPackages))")
    }

    /// The next line the script printed, nil at its end.
    private func readLine() -> String? {
        while true {
            if let n = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<n], as: UTF8.self)
                pending = Data(pending[(n + 1)...])
                return line
            }
            let more = output.availableData
            if more.isEmpty {
                guard !pending.isEmpty else { return nil }
                defer { pending = Data() }
                return String(decoding: pending, as: UTF8.self)
            }
            pending.append(more)
        }
    }
}

/// `name` beside `explicit` (the ort script's path, when given), else under scripts/bench of the
/// working directory or of the source checkout.
private func locateScript(_ name: String, near explicit: String?) -> String? {
    let fm = FileManager.default
    if let explicit {
        let path = URL(fileURLWithPath: explicit).deletingLastPathComponent().appendingPathComponent(name).path
        return fm.fileExists(atPath: path) ? path : nil
    }
    let rel = "scripts/bench/" + name
    let cwd = fm.currentDirectoryPath + "/" + rel
    if fm.fileExists(atPath: cwd) { return cwd }
    // Sources/EnhanceBench/AnchorRunner.swift → repository root.
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let src = root.appendingPathComponent(rel).path
    return fm.fileExists(atPath: src) ? src : nil
}
