import EnhanceNetworks
import EnhanceTensor
import Foundation

/// What `runBenchmarks` measures.
public struct BenchOptions: Sendable {
    /// Networks: `rrdbnet` (RRDBNet-23 ×4) and/or `msrresnet` (MSRResNet-16 ×4).
    public var networks: [String] = ["rrdbnet", "msrresnet"]
    /// Square input sizes in pixels.
    public var sizes: [Int] = [64, 128]
    /// Thread counts.
    public var threads: [Int] = [1, 2]
    /// Timed runs per configuration (after one warm-up); the median is reported.
    public var repeats: Int = 3
    /// Also time onnxruntime through `scripts/bench/ort_bench.py` (skipped with a note if absent).
    public var compareOnnxRuntime = true
    /// Path of `ort_bench.py`; nil = `scripts/bench/ort_bench.py` under the current directory or
    /// the source checkout.
    public var ortScript: String?
    /// Python interpreter used for the onnxruntime comparison.
    public var python = "python3"
    /// Also time the 16.7 M-float weight blend used for network interpolation.
    public var blend = true
    /// Receives every report line (default: stdout).
    public var log: @Sendable (String) -> Void = { print($0) }

    public init() {}
}

/// One timed configuration.
public struct BenchResult: Sendable, Equatable {
    public var network: String
    public var size: Int
    public var threads: Int
    /// Median Swift wall time in seconds.
    public var seconds: Double
    /// Median Swift process CPU time in seconds (all threads; robust to other load).
    public var cpuSeconds: Double
    /// Every timed Swift run, seconds.
    public var runs: [Double]
    /// Effective GFLOP/s: 2 · MACs / median time.
    public var gflops: Double
    /// onnxruntime wall median for the same configuration, when measured.
    public var onnxRuntimeSeconds: Double?
    /// onnxruntime process CPU median, when measured.
    public var onnxRuntimeCPUSeconds: Double?
    /// `onnxRuntimeSeconds / seconds` (> 1 means Swift is faster).
    public var speedup: Double? { onnxRuntimeSeconds.map { $0 / seconds } }
}

/// Times the networks (and the blend) and prints a table of medians, effective GFLOP/s and the
/// ratio to onnxruntime measured in the same run. Returns the results (blend excluded).
@discardableResult
public func runBenchmarks(options: BenchOptions) -> [BenchResult] {
    let log = options.log
    var results: [BenchResult] = []
    for name in options.networks {
        let built: (any SuperResolutionNetwork)?
        do { built = try BenchModels.network(name) } catch {
            log("bench: \(name): \(error)"); continue
        }
        guard let net = built else { log("bench: unknown network \(name) (use rrdbnet, msrresnet)"); continue }
        var ortAvailable = options.compareOnnxRuntime
        for t in options.threads {
            let pool = ThreadPool(threads: t)
            for s in options.sizes {
                var ws = WeightSource(state: 3)
                let x = Tensor(channels: 3, height: s, width: s,
                               data: (0..<(3 * s * s)).map { _ in ws.uniform() * 0.5 + 0.5 })
                // onnxruntime first, for this configuration only, so both see similar machine load.
                var ort: OrtTiming?
                if ortAvailable {
                    switch runOnnxRuntime(options, network: name, size: s, threads: t) {
                    case .success(let r):
                        if results.isEmpty && ort == nil && t == options.threads.first && s == options.sizes.first {
                            log("bench: onnxruntime \(r.version), each configuration timed just before Swift's")
                        }
                        ort = r
                    case .failure(let e):
                        log("bench: onnxruntime comparison skipped: \(e.message)")
                        ortAvailable = false
                    }
                }
                _ = try? net.forward(x, pool: pool, cancel: nil)
                var runs: [Double] = [], cpu: [Double] = []
                for _ in 0..<max(1, options.repeats) {
                    let t0 = now(), c0 = cpuTime()
                    _ = try? net.forward(x, pool: pool, cancel: nil)
                    runs.append(now() - t0)
                    cpu.append(cpuTime() - c0)
                }
                pool.clearCaches()
                let med = median(runs)
                let r = BenchResult(network: name, size: s, threads: t, seconds: med, cpuSeconds: median(cpu),
                                    runs: runs, gflops: 2 * net.macsPerInputPixel * Double(s * s) / med / 1e9,
                                    onnxRuntimeSeconds: ort?.wall, onnxRuntimeCPUSeconds: ort?.cpu)
                results.append(r)
                log(format(r))
            }
        }
    }
    if options.blend { _ = benchBlendPair(options) }
    return results
}

private func format(_ r: BenchResult) -> String {
    let spread = r.runs.map { String(format: "%.3f", $0) }.joined(separator: " ")
    var line = String(format: "%-10@ %4d² t=%d  swift %.3f s (cpu %.3f)  %6.1f GFLOP/s", r.network as NSString,
                      r.size, r.threads, r.seconds, r.cpuSeconds, r.gflops)
    if let o = r.onnxRuntimeSeconds, let sp = r.speedup {
        line += String(format: "  onnxruntime %.3f s (cpu %.3f)  swift/ort %.2f (%.2fx %@)", o,
                       r.onnxRuntimeCPUSeconds ?? .nan, r.seconds / o, sp >= 1 ? sp : 1 / sp,
                       (sp >= 1 ? "faster" : "slower") as NSString)
    }
    return line + "  (runs: \(spread))"
}
