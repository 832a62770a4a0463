import EnhanceNetworks
import EnhanceTensor
import Foundation

/// Load-time figures for an `.onnx` file (`enhance bench --load --model FILE.onnx`), seconds,
/// medians of `runs`. An ONNX file has no separate read and build stages to time apart: reading,
/// probing and the native-or-graph decision are one ``ModelLoader/load(path:budget:)``.
public struct ONNXLoadBenchResult: Sendable, Equatable {
    public var path: String
    /// The process's first load (cold pages) and its process CPU time.
    public var firstLoadSeconds: Double
    public var firstLoadCPUSeconds: Double
    /// A load once warm: the model returned is ready to run (its kernels are made on first use, as
    /// for every format).
    public var loadSeconds: Double
    /// The first 8×8 run (2 threads) of the process's first load: its convolutions' kernels made
    /// (F(6×6) / packed weights) in fresh memory, which every format's first run pays.
    public var coldFirstRunSeconds: Double
    /// The same for a later load, whose kernels reuse the freed ones' memory (``KernelRecycler``).
    public var firstRunSeconds: Double
    /// How the file runs (`onnx → RRDBNet native`, `onnx graph`).
    public var runtime: String
}

extension LoadBench {
    /// Times loading the ONNX file `path` (see ``ONNXLoadBenchResult``), logging one line. Run it first
    /// in a process so the first load is cold.
    public static func loadONNX(_ path: String, runs: Int = 5, log: (String) -> Void) throws -> ONNXLoadBenchResult {
        let c0 = cpuTime(), s0 = now()
        let first = try ModelLoader.load(path: path)
        let firstSeconds = now() - s0, firstCPU = cpuTime() - c0
        var loads: [Double] = [], firstRuns: [Double] = []
        let x = Tensor(channels: 3, height: 8, width: 8, data: [Float](repeating: 0.5, count: 192))
        let r0 = now()
        _ = try first.detected.network.forward(x, pool: ThreadPool(threads: 2), cancel: nil)
        let coldRun = now() - r0
        for _ in 0..<max(1, runs) {
            let s = now()
            let m = try ModelLoader.load(path: path)
            loads.append(now() - s)
            let pool = ThreadPool(threads: 2)
            let r = now()
            _ = try m.detected.network.forward(x, pool: pool, cancel: nil)
            firstRuns.append(now() - r)
        }
        let result = ONNXLoadBenchResult(path: path, firstLoadSeconds: firstSeconds, firstLoadCPUSeconds: firstCPU,
                                         loadSeconds: median(loads), coldFirstRunSeconds: coldRun,
                                         firstRunSeconds: median(firstRuns),
                                         runtime: first.info.runtime ?? "?")
        log(String(format: "load       %@ (%@): first load %.0f ms (cpu %.0f), its first 8×8 run (kernels made "
                   + "in fresh memory) %.0f ms; warm load %.0f ms, first run %.0f ms (recycled memory); medians "
                   + "of %d", (path as NSString).lastPathComponent as NSString, result.runtime as NSString,
                   firstSeconds * 1e3, firstCPU * 1e3, coldRun * 1e3, result.loadSeconds * 1e3,
                   result.firstRunSeconds * 1e3, max(1, runs)))
        return result
    }
}
