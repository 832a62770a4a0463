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

/// Runs the anchor's script for one network, size and thread count (it prints JSON on stdout:
/// `{"version", "results": [{"size", "threads", "median_s", "median_cpu_s"}]}`).
func runAnchor(_ anchor: Anchor, _ options: BenchOptions, network: String, size: Int,
               threads: Int) -> Result<AnchorTiming, BenchError> {
    guard let script = locateScript(anchor.script, near: options.ortScript) else {
        return .failure(BenchError(message: "scripts/bench/\(anchor.script) not found (run from the repository root)"))
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [options.python, script, "--nets", network,
                   "--sizes", String(size), "--threads", String(threads),
                   "--repeats", String(max(1, options.repeats))]
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    do { try p.run() } catch {
        return .failure(BenchError(message: "cannot start \(options.python): \(error)"))
    }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        let last = errText.split(separator: "\n").last.map(String.init) ?? "exit \(p.terminationStatus)"
        return .failure(BenchError(message: "\(options.python) \(anchor.script) failed: \(last) "
                                   + "(pip install \(anchor.pipPackages))"))
    }
    struct Report: Decodable {
        struct Row: Decodable { let size: Int; let threads: Int; let median_s: Double; let median_cpu_s: Double? }
        let version: String
        let results: [Row]
    }
    guard let report = try? JSONDecoder().decode(Report.self, from: data), let row = report.results.first else {
        return .failure(BenchError(message: "\(anchor.script) printed no valid JSON"))
    }
    return .success(AnchorTiming(wall: row.median_s, cpu: row.median_cpu_s, version: report.version))
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
