import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation

/// The blend figures of `enhance bench` for a pair of the first bench configuration
/// (``NetworkRegistry/benchmarks``; 16.7 M parameters per end today) through ``ModelBlender``, the
/// product's one blend path. Times in
/// seconds, memory in bytes (resident set growth, so allocator reuse can hide some).
public struct BlendBenchResult: Sendable, Equatable {
    /// Threads of the blend and of the timed runs.
    public var threads: Int
    /// Parameters per network.
    public var parameters: Int
    /// Both ends detected and built (checked, packed, Winograd-transformed) plus the pair check.
    public var prepareSeconds: Double
    /// An α change → the blended network ready to run (median of 9). Its convs blend their packed
    /// kernels on first use, so this is what the UI waits for before the first run starts.
    public var readySeconds: Double
    /// Making a network with every conv's packed kernels blended up front (median of 5): the
    /// blend work the lazy network spreads into its first run.
    public var forcedSeconds: Double
    /// The canonical state-dict blend `enhance interpolate` writes (median of 5).
    public var stateDictSeconds: Double
    /// Input side of the runs below.
    public var runSize: Int
    /// A run on a just-made (lazy) blended network (median of 5).
    public var lazyRunSeconds: Double
    /// A run on a network blended up front (median of 5, alternating with the lazy runs; blend not timed).
    public var preparedRunSeconds: Double
    /// What the lazy blend adds to the first run.
    public var firstRunOverheadSeconds: Double { lazyRunSeconds - preparedRunSeconds }
    /// Resident growth from nothing to the prepared pair (both ends' weights and packed kernels).
    public var pairBytes: Int
    /// Resident growth of one blended network once its kernels are blended.
    public var blendedNetworkBytes: Int
    /// Peak resident set of the process after these measurements (`VmHWM`).
    public var peakResidentBytes: Int
}

/// Measures ``BlendBenchResult`` with the largest thread count of `options` and logs two lines.
/// Returns nil (after logging why) when the pair cannot be made.
public func benchBlendPair(_ options: BenchOptions) -> BlendBenchResult? {
    let t = options.threads.max() ?? 2, size = 64
    let rss0 = residentBytes()
    let name = BenchModels.names[0], label = NetworkRegistry.benchmarks[0].label
    let t0 = now()
    let pair: ModelBlender
    do {
        guard let da = try BenchModels.weights(name, seed: 5), let db = try BenchModels.weights(name, seed: 6) else {
            return nil
        }
        let a = try LoadedModel(stateDict: da, name: "\(name)-a"), b = try LoadedModel(stateDict: db, name: "\(name)-b")
        pair = try ModelBlender(psnr: a, gan: b, threads: t)
    } catch {
        options.log("blend: could not pair the \(label) weights: \(error)")
        return nil
    }
    let prepare = now() - t0
    let pairBytes = residentBytes() - rss0
    func timed(_ body: () throws -> Void) -> Double {
        let s = now()
        try? body()
        return now() - s
    }
    let rss1 = residentBytes()
    let blendedBytes = ((try? pair.network(alpha: 0.5, eager: true)) != nil ? residentBytes() : rss1) - rss1
    let ready = median((0..<9).map { i in timed { _ = try pair.network(alpha: Float(i + 1) / 11) } })
    let forced = median((0..<5).map { i in timed { _ = try pair.network(alpha: Float(i + 1) / 7, eager: true) } })
    let canonical = median((0..<5).map { i in timed { _ = try pair.stateDict(alpha: Float(i + 1) / 7) } })
    var ws = SeededUniform(state: 9)
    let x = Tensor(channels: 3, height: size, width: size,
                   data: (0..<(3 * size * size)).map { _ in ws.next() * 0.5 + 0.5 })
    let pool = ThreadPool(threads: t)
    var lazyRuns: [Double] = [], preparedRuns: [Double] = []
    for i in 0..<6 {
        guard let lazy = try? pair.network(alpha: 0.1 + Float(i) / 10),
              let eager = try? pair.network(alpha: 0.15 + Float(i) / 10, eager: true) else { break }
        func run(_ net: any SuperResolutionNetwork) -> Double {
            return timed { _ = try net.forward(x, pool: pool, cancel: nil) }
        }
        // Alternating which goes first, so drifting machine load hits both alike.
        var l = 0.0, p = 0.0
        if i % 2 == 0 { l = run(lazy); p = run(eager) } else { p = run(eager); l = run(lazy) }
        if i > 0 { lazyRuns.append(l); preparedRuns.append(p) }  // the first pair warms up
    }
    let r = BlendBenchResult(threads: t, parameters: pair.psnr.info.parameterCount, prepareSeconds: prepare,
                             readySeconds: ready, forcedSeconds: forced, stateDictSeconds: canonical, runSize: size,
                             lazyRunSeconds: median(lazyRuns), preparedRunSeconds: median(preparedRuns),
                             pairBytes: pairBytes, blendedNetworkBytes: blendedBytes,
                             peakResidentBytes: peakResidentBytes())
    let mib = { (b: Int) in Double(b) / 1_048_576 }
    options.log(String(format: "blend      %@ pair (%.1f M params each) t=%d: prepare %.0f ms, "
                       + "α → network ready %.2f ms median of 9 (target ≤ 10 ms)",
                       label, Double(r.parameters) / 1e6, t,
                       r.prepareSeconds * 1e3, r.readySeconds * 1e3))
    options.log(String(format: "blend      kernels made on first use: all convs forced %.1f ms, first %d² run "
                       + "%.1f ms vs %.1f ms prepared (%+.1f ms), canonical state dict %.1f ms; pair %.0f MiB "
                       + "resident, +%.0f MiB per blended network, peak %.0f MiB", r.forcedSeconds * 1e3, size,
                       r.lazyRunSeconds * 1e3, r.preparedRunSeconds * 1e3, r.firstRunOverheadSeconds * 1e3,
                       r.stateDictSeconds * 1e3, mib(r.pairBytes), mib(r.blendedNetworkBytes),
                       mib(r.peakResidentBytes)))
    return r
}

/// Resident set size of this process in bytes (`/proc/self/statm`; 0 where unavailable).
func residentBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = s.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}

/// Peak resident set size of this process in bytes (`VmHWM` of `/proc/self/status`; 0 where unavailable).
func peakResidentBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
}
