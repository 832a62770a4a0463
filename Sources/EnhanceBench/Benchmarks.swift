import EnhanceNetworks
import EnhanceTensor
import Foundation

/// What `runBenchmarks` measures.
public struct BenchOptions: Sendable {
    /// Bench configurations by name (``NetworkRegistry/benchmarks``); default: all of them.
    public var networks: [String] = NetworkRegistry.benchmarks.map(\.name)
    /// Square input sizes in pixels.
    public var sizes: [Int] = [64, 128]
    /// Thread counts.
    public var threads: [Int] = [1, 2]
    /// Timed runs per configuration and round, each after an untimed one; the median is reported.
    public var repeats: Int = 3
    /// Rounds per configuration: each starts the anchors' scripts afresh and times `repeats` runs of
    /// every engine, one run of each in turn (the anchors, then Swift), so that the engines' runs
    /// interleave on a host whose speed drifts; the reported medians are over all rounds' runs.
    public var rounds: Int = 1
    /// The engines also timed on the same graph through their scripts in `scripts/bench`
    /// (`ort_bench.py`, `openvino_bench.py`, `ncnn_bench.py`); each is skipped with a note if it cannot run.
    public var anchors: Set<Anchor> = Set(Anchor.allCases)
    /// Also time the micro-kernel alone against the measured FMA peak.
    public var kernel = true
    /// Print the figures as JSON on stdout at the end (see ``BenchReport``).
    public var json = false
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
    /// The other engines' medians for the same configuration, their runs alternating with Swift's
    /// (with several rounds: the medians of their rounds' medians).
    public var anchors: [Anchor: AnchorTiming]
    /// Each round's Swift median over that round's faster of onnxruntime and OpenVINO.
    public var roundRatios: [Double] = []

    /// Swift's median over the faster of onnxruntime and OpenVINO (the issues' speed goals), when measured.
    public var overFastestOrtOrOpenVINO: Double? {
        let best = [Anchor.onnxRuntime, .openVINO].compactMap { anchors[$0]?.wall }.min()
        return best.map { seconds / $0 }
    }
}

/// Times the micro-kernel, the networks (and the blend) and prints medians, effective GFLOP/s and
/// the ratios to onnxruntime, OpenVINO and ncnn measured in the same run; writes them as JSON when asked.
/// Returns the network results.
@discardableResult
public func runBenchmarks(options: BenchOptions) -> [BenchResult] {
    let log = options.log
    var results: [BenchResult] = []
    let machine = MachineInfo.current
    log("bench: \(machine.cpu), vector flags \(machine.flags.joined(separator: " ")); "
        + "kernel compiled: \(KernelISA.compiled.blockDescription)")
    let kernel = options.kernel ? KernelBenchmark.measure() : nil
    if let k = kernel {
        log(String(format: "kernel     %@ 1 thread: %.1f GFLOP/s = %.0f%% of the measured FMA peak %.1f GFLOP/s",
                   k.isa.rawValue as NSString, k.kernelGFLOPs, k.fractionOfPeak * 100, k.peakGFLOPs))
        log(String(format: "kernel     %@ channel-packed F(6×6) GEMM, %@: %.1f GFLOP/s = %.0f%% of peak",
                   k.isa.rawValue as NSString, k.isa.tileDescription as NSString, k.tileGFLOPs,
                   k.tileFractionOfPeak * 100))
        // The other shapes, compiled for this target too (for comparison only: built for their own
        // ISA they see fewer registers).
        let others = KernelISA.allCases.filter { $0 != k.isa }.map { isa -> String in
            let o = KernelBenchmark.measure(isa, seconds: 0.1, repeats: 3)
            return String(format: "%@ %.0f%% (tiles %.0f%%)", o.isa.blockDescription as NSString,
                          o.fractionOfPeak * 100, o.tileFractionOfPeak * 100)
        }
        log("kernel     other shapes on this target: " + others.joined(separator: ", "))
    }
    // An anchor that fails on a network (e.g. ncnn has no graph of a spandrel family) is skipped for
    // that network only.
    var skipped: Set<String> = []
    for name in options.networks {
        let built: (any SuperResolutionNetwork)?
        do { built = try BenchModels.network(name) } catch {
            log("bench: \(name): \(error)"); continue
        }
        guard let net = built else {
            log("bench: unknown network \(name) (use \(BenchModels.names.joined(separator: ", ")))")
            continue
        }
        for t in options.threads {
            let pool = ThreadPool(threads: t)
            for s in options.sizes {
                var ws = SeededUniform(state: 3)
                let x = Tensor(channels: 3, height: s, width: s,
                               data: (0..<(3 * s * s)).map { _ in ws.next() * 0.5 + 0.5 })
                var timed: [Anchor: [AnchorTiming]] = [:], runs: [Double] = [], cpu: [Double] = []
                var ratios: [Double] = []
                for round in 0..<max(1, options.rounds) {
                    // The anchors' scripts start (graph loaded, warmed up), then each repeat times one run
                    // of every engine in turn, so all see the same drift of the host's speed. Each timed
                    // run follows a pause (``settle()``) and an untimed run of the same engine: warm, as in a loop.
                    var sessions: [AnchorSession] = []
                    for anchor in options.anchors.sorted() where !skipped.contains("\(anchor)/\(name)") {
                        do {
                            sessions.append(try AnchorSession(anchor, options, network: name, size: s, threads: t))
                        } catch {
                            log("bench: \(anchor.rawValue) comparison for \(name) skipped: \(error.message)")
                            skipped.insert("\(anchor)/\(name)")
                        }
                    }
                    var mineRuns: [Double] = []
                    for _ in 0..<max(1, options.repeats) {
                        for session in sessions where !skipped.contains("\(session.anchor)/\(name)") {
                            settle()
                            do { _ = try session.run(options) } catch {
                                log("bench: \(session.anchor.rawValue) comparison for \(name) skipped: "
                                    + error.message)
                                skipped.insert("\(session.anchor)/\(name)")
                            }
                        }
                        settle()
                        _ = try? net.forward(x, pool: pool, cancel: nil)
                        let t0 = now(), c0 = cpuTime()
                        _ = try? net.forward(x, pool: pool, cancel: nil)
                        mineRuns.append(now() - t0)
                        cpu.append(cpuTime() - c0)
                    }
                    runs += mineRuns
                    var mine: [Anchor: AnchorTiming] = [:]
                    for session in sessions {
                        let r = session.finish()
                        guard !skipped.contains("\(session.anchor)/\(name)") else { continue }
                        if results.isEmpty && t == options.threads.first && s == options.sizes.first && round == 0 {
                            log("bench: \(session.anchor.rawValue) \(r.version), its runs alternating with Swift's")
                        }
                        mine[session.anchor] = r
                        timed[session.anchor, default: []].append(r)
                    }
                    if let best = [Anchor.onnxRuntime, .openVINO].compactMap({ mine[$0]?.wall }).min() {
                        ratios.append(median(mineRuns) / best)
                    }
                }
                let med = median(runs)
                let r = BenchResult(network: name, size: s, threads: t, seconds: med, cpuSeconds: median(cpu),
                                    runs: runs, gflops: 2 * net.macsPerInputPixel * Double(s * s) / med / 1e9,
                                    anchors: timed.mapValues(AnchorTiming.median), roundRatios: ratios)
                results.append(r)
                log(format(r))
            }
        }
    }
    let blend = options.blend ? benchBlendPair(options) : nil
    if options.json { print(BenchReport(machine: machine, kernel: kernel, blend: blend, results: results).json) }
    return results
}

private func format(_ r: BenchResult) -> String {
    let spread = r.runs.map { String(format: "%.3f", $0) }.joined(separator: " ")
    var line = String(format: "%-10@ %4d² t=%d  swift %.3f s (cpu %.3f)  %6.1f GFLOP/s", r.network as NSString,
                      r.size, r.threads, r.seconds, r.cpuSeconds, r.gflops)
    for (anchor, a) in r.anchors.sorted(by: { $0.key < $1.key }) {
        line += String(format: "  %@ %.3f s (cpu %.3f) swift/%@ %.2f", anchor.short as NSString, a.wall,
                       a.cpu ?? .nan, anchor.short as NSString, r.seconds / a.wall)
    }
    if r.roundRatios.count > 1 {
        line += "  rounds swift/fastest " + r.roundRatios.map { String(format: "%.2f", $0) }.joined(separator: " ")
    }
    return line + "  (runs: \(spread))"
}
