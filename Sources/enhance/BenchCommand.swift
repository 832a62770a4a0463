import ArgumentParser
import EnhanceBench
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time RRDBNet-23 and SRResNet-16 x4 against onnxruntime on this machine (not a test).",
        discussion: """
            Prints the median of several runs, effective GFLOP/s (2 x MACs / time) and the ratio to \
            onnxruntime running the same graph with the same thread count in the same run \
            (scripts/bench/ort_bench.py; needs python3 with onnx and onnxruntime, see \
            scripts/bench/requirements.txt).
            """)

    @Option(parsing: .upToNextOption, help: "Networks: rrdbnet, msrresnet.")
    var networks: [String] = ["rrdbnet", "msrresnet"]

    @Option(parsing: .upToNextOption, help: "Input sizes (square, pixels).")
    var sizes: [Int] = [64, 128]

    @Option(name: .customLong("bench-threads"), parsing: .upToNextOption, help: "Thread counts.")
    var benchThreads: [Int] = [1, 2]

    @Option(help: "Timed runs per configuration.")
    var repeats: Int = 3

    @Flag(name: .customLong("no-ort"), help: "Skip the onnxruntime comparison.")
    var noOrt = false

    @Option(help: "Python interpreter for the onnxruntime comparison.")
    var python: String = "python3"

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        for n in networks where !["rrdbnet", "msrresnet"].contains(n) {
            throw ValidationError("unknown network \(n): use rrdbnet or msrresnet")
        }
        guard sizes.allSatisfy({ (8...1024).contains($0) }) else { throw ValidationError("--sizes must be 8…1024") }
        guard benchThreads.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--bench-threads must be ≥ 1") }
    }

    func run() throws {
        var o = BenchOptions()
        o.networks = networks
        o.sizes = sizes
        o.threads = benchThreads
        o.repeats = repeats
        o.compareOnnxRuntime = !noOrt
        o.python = python
        o.ortScript = BenchScripts.locate()
        _ = runBenchmarks(options: o)
    }
}

/// Finds scripts/bench/ort_bench.py in the working directory or above the executable.
enum BenchScripts {
    static func locate() -> String? {
        var dirs = [FileManager.default.currentDirectoryPath]
        var dir = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
            .resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 { dirs.append(dir.path); dir = dir.deletingLastPathComponent() }
        return dirs.map { $0 + "/scripts/bench/ort_bench.py" }.first { FileManager.default.fileExists(atPath: $0) }
    }
}
