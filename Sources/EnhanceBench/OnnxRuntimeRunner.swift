import Foundation

struct BenchError: Error { let message: String }

/// onnxruntime medians for one configuration, seconds.
struct OrtTiming { let wall: Double; let cpu: Double?; let version: String }

/// Runs `ort_bench.py` for one network, size and thread count.
func runOnnxRuntime(_ options: BenchOptions, network: String, size: Int, threads: Int) -> Result<OrtTiming, BenchError> {
    guard let script = locateScript(options.ortScript) else {
        return .failure(BenchError(message: "scripts/bench/ort_bench.py not found (run from the repository root)"))
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
        return .failure(BenchError(message: "\(options.python) ort_bench.py failed: \(last) " +
                                   "(pip install -r scripts/bench/requirements.txt)"))
    }
    struct Report: Decodable {
        struct Row: Decodable { let size: Int; let threads: Int; let median_s: Double; let median_cpu_s: Double? }
        let version: String
        let results: [Row]
    }
    guard let report = try? JSONDecoder().decode(Report.self, from: data), let row = report.results.first else {
        return .failure(BenchError(message: "ort_bench.py printed no valid JSON"))
    }
    return .success(OrtTiming(wall: row.median_s, cpu: row.median_cpu_s, version: report.version))
}

private func locateScript(_ explicit: String?) -> String? {
    let fm = FileManager.default
    if let explicit { return fm.fileExists(atPath: explicit) ? explicit : nil }
    let rel = "scripts/bench/ort_bench.py"
    let cwd = fm.currentDirectoryPath + "/" + rel
    if fm.fileExists(atPath: cwd) { return cwd }
    // Sources/EnhanceBench/OnnxRuntimeRunner.swift → repository root.
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    let src = root.appendingPathComponent(rel).path
    return fm.fileExists(atPath: src) ? src : nil
}
