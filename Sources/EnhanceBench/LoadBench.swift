import EnhanceCheckpoints
import EnhanceImaging
import EnhanceNetworks
import EnhanceTensor
import Foundation

/// Load-time figures for one checkpoint (`enhance bench --load`), seconds, medians of `runs`.
public struct LoadBenchResult: Sendable, Equatable {
    /// The checkpoint timed (an ncnn model by its `.param`).
    public var path: String
    /// The process's first ``ModelLoader/load(path:budget:)`` (cold: fresh pages, as in a CLI run).
    public var firstLoadSeconds: Double
    /// Its process CPU time (all threads; less sensitive than wall time to a busy machine).
    public var firstLoadCPUSeconds: Double
    /// ``ModelLoader/load(path:budget:)`` once warm: everything below, the hash overlapped.
    public var loadSeconds: Double
    /// Reading and decoding to float32 (`CheckpointFile.load`).
    public var readConvertSeconds: Double
    /// Detection, key mapping and the network build (every conv packed / Winograd-transformed).
    public var buildSeconds: Double
    /// Its process CPU time.
    public var buildCPUSeconds: Double
    /// SHA-256 of the file alone.
    public var hashSeconds: Double
    /// Packing every conv of the model on one thread (`Conv2D.init`: the Winograd weight
    /// transform for 3×3): the part of the build that is kernel preparation.
    public var packOneThreadSeconds: Double
}

/// Whole-process `enhance upscale` against the same upscale in-process (seconds, medians).
public struct UpscaleProcessResult: Sendable, Equatable {
    /// Input side (square) and threads.
    public var size: Int
    public var threads: Int
    /// Spawn to exit of `enhance upscale --model … --threads … -o out.png`.
    public var processSeconds: Double
    /// `Upscaler.upscale` of the decoded image with the model already loaded (after one warm-up).
    public var inferenceSeconds: Double
    /// What a process adds: start-up, loading, image I/O, the cold first run.
    public var overheadSeconds: Double { processSeconds - inferenceSeconds }
}

public enum LoadBench {
    /// Times loading `path` (see ``LoadBenchResult``), logging one line. Run it first in a process
    /// so the first load is cold.
    public static func load(_ path: String, runs: Int = 3, log: (String) -> Void) throws -> LoadBenchResult {
        func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
            let s = now()
            let v = try body()
            return (v, now() - s)
        }
        let c0 = cpuTime()
        let first = try timed { try ModelLoader.load(path: path) }.1
        let firstCPU = cpuTime() - c0
        var read: [Double] = [], build: [Double] = [], buildCPU: [Double] = [], hash: [Double] = []
        var total: [Double] = []
        let name = (path as NSString).lastPathComponent
        for _ in 0..<max(1, runs) {
            let (file, r) = try timed { try CheckpointFile.load(path: path) }
            read.append(r)
            let c1 = cpuTime()
            build.append(try timed { () throws -> DetectedModel in
                switch file {
                case .stateDict(let sd, _): return try NetworkRegistry.detect(sd, source: name)
                case .ncnn(let net): return try NetworkRegistry.detect(ncnn: net, source: name)
                }
            }.1)
            buildCPU.append(cpuTime() - c1)
            let hashed = file.isNCNN ? NCNN.defaultBinPath(forParam: path) : path
            hash.append(try timed { try CheckpointFile.sha256Hex(path: hashed) }.1)
        }
        var pack: [Double] = []
        for _ in 0..<max(1, runs) {
            let (m, t) = try timed { try ModelLoader.load(path: path) }
            total.append(t)
            pack.append(packOneThread(m.detected.stateDict))
        }
        let r = LoadBenchResult(path: path, firstLoadSeconds: first, firstLoadCPUSeconds: firstCPU,
                                loadSeconds: median(total), readConvertSeconds: median(read),
                                buildSeconds: median(build), buildCPUSeconds: median(buildCPU),
                                hashSeconds: median(hash), packOneThreadSeconds: median(pack))
        log(String(format: "load       %@: first load %.0f ms (cpu %.0f); warm %.0f ms; stages read+convert %.0f ms, "
                   + "build %.0f ms (cpu %.0f; packing alone %.0f ms on 1 thread), hash %.0f ms; medians of %d",
                   name as NSString, r.firstLoadSeconds * 1e3, r.firstLoadCPUSeconds * 1e3, r.loadSeconds * 1e3,
                   r.readConvertSeconds * 1e3, r.buildSeconds * 1e3, r.buildCPUSeconds * 1e3,
                   r.packOneThreadSeconds * 1e3, r.hashSeconds * 1e3, max(1, runs)))
        return r
    }

    /// Runs `executable upscale` on a synthesized `size`² image with `model` `runs` times, and the
    /// same upscale in-process; logs one line.
    public static func upscale(model: String, executable: String, size: Int = 128, threads: Int = 2,
                               runs: Int = 3, log: (String) -> Void) throws -> UpscaleProcessResult {
        let dir = NSTemporaryDirectory() + "enhance-load-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/in.png", output = dir + "/out.png"
        try ExportBench.synthesize(width: size, height: size, to: input)
        let args = ["upscale", input, "--model", model, "--threads", String(threads), "-o", output, "--force"]
        var process: [Double] = []
        for _ in 0..<max(1, runs) {
            let r = try ExportBench.measure("upscale", executable: executable, args: args, input: (size, size))
            guard r.status == 0 else { throw BenchError(message: "enhance upscale failed (exit \(r.status))") }
            process.append(r.wallSeconds)
        }
        let up = try Upscaler(.model(try ModelLoader.load(path: model)), options: UpscaleOptions(threads: threads))
        let image = try ImageFile.read(path: input)
        _ = try up.upscale(image)
        var inference: [Double] = []
        for _ in 0..<max(1, runs) {
            let s = now()
            _ = try up.upscale(image)
            inference.append(now() - s)
        }
        let r = UpscaleProcessResult(size: size, threads: threads, processSeconds: median(process),
                                     inferenceSeconds: median(inference))
        log(String(format: "upscale    %d² t=%d whole process %.3f s vs in-process upscale %.3f s: +%.3f s "
                   + "(start-up, load, image I/O, cold first run); medians of %d", size, threads,
                   r.processSeconds, r.inferenceSeconds, r.overheadSeconds, max(1, runs)))
        return r
    }
}

/// Seconds to construct a ``Conv2D`` from every 4-D `*.weight` (with its bias) of `dict`, serially.
private func packOneThread(_ dict: StateDict) -> Double {
    var total = 0.0
    for key in dict.keys where key.hasSuffix(".weight") {
        guard let w = dict[key], w.shape.count == 4, w.shape[2] == w.shape[3], w.shape[2] % 2 == 1 else { continue }
        let bias = dict[String(key.dropLast(6)) + "bias"]?.values
        let s = now()
        _ = Conv2D(weight: w.values, bias: bias, inChannels: w.shape[1], outChannels: w.shape[0],
                   kernelSize: w.shape[2])
        total += now() - s
    }
    return total
}

private extension LoadedCheckpoint {
    var isNCNN: Bool {
        if case .ncnn = self { return true }
        return false
    }
}
