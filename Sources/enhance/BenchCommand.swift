import ArgumentParser
import EnhanceBench
import EnhanceImaging
import EnhanceNetworks
import EnhanceTUI
import EnhanceTUIEngine
import EnhanceTerminal
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time each family's bench network against onnxruntime, OpenVINO and ncnn here (not a test).",
        discussion: """
            Prints the compiled micro-kernel's GFLOP/s against the measured FMA peak, then per \
            network, size and thread count the median of several runs, effective GFLOP/s \
            (2 x MACs / time) and the ratios to onnxruntime, OpenVINO and ncnn running the same graph \
            with the same thread count in the same run (scripts/bench/ort_bench.py, openvino_bench.py \
            and ncnn_bench.py; needs python3 with onnx, onnxruntime, openvino and ncnn: pip install -r \
            scripts/bench/requirements.txt). The spandrel families' graphs are exported from spandrel's \
            own classes by scripts/bench/export_onnx.py (needs PyTorch; ncnn is skipped for them).
            """)

    @Option(parsing: .upToNextOption, help: ArgumentHelp(
        "Networks: " + NetworkRegistry.benchmarks.map { "\($0.name) (\($0.label))" }.joined(separator: ", ") + ".",
        valueName: "name"))
    var networks: [String] = NetworkRegistry.benchmarks.map(\.name)

    @Option(parsing: .upToNextOption, help: ArgumentHelp(
        "Instead of --networks: time these .onnx files, Enhance against onnxruntime and OpenVINO running "
            + "the same file.",
        valueName: "file"))
    var onnx: [String] = []

    @Option(parsing: .upToNextOption, help: "Input sizes (square, pixels).")
    var sizes: [Int] = [64, 128]

    @Option(name: .customLong("bench-threads"), parsing: .upToNextOption, help: "Thread counts.")
    var benchThreads: [Int] = [1, 2]

    @Option(help: ArgumentHelp("Timed runs per configuration and round: one run of each engine in turn, "
                               + "each after an untimed one, so all engines see the host's drift alike."))
    var repeats: Int = 3

    @Option(help: ArgumentHelp("Rounds per configuration, each starting the anchors' scripts afresh and "
                               + "printing its own ratio; the medians are over all rounds' runs."))
    var rounds: Int = 1

    @Flag(name: .customLong("no-ort"), help: "Skip the onnxruntime comparison.")
    var noOrt = false

    @Flag(name: .customLong("no-openvino"), help: "Skip the OpenVINO comparison.")
    var noOpenVINO = false

    @Flag(name: .customLong("no-ncnn"), help: "Skip the ncnn comparison.")
    var noNcnn = false

    @Flag(help: ArgumentHelp("Print the figures as JSON on stdout (networks: one object per configuration, "
                             + "the table goes to stderr; --tui-latency: one object)."))
    var json = false

    @Option(help: "Python interpreter for the onnxruntime comparison.")
    var python: String = "python3"

    @Flag(name: .customLong("tui-latency"),
          help: "Instead: time the UI from an α key to the redrawn blend at 1:1 in 120×40, and the first frame.")
    var tuiLatency = false

    @Flag(name: .customLong("graphics-redraw"),
          help: """
              Instead: time one α redraw at 1:1 in 120×40 (10×20-px cells) per backend (blocks, kitty, \
              sixel, iterm2).
              """)
    var graphicsRedraw = false

    @Flag(help: """
        Instead: export 4000×3000 (and 4000×6000) ×4 with the bundled blend and RealESRGAN_x4plus on \
        1000×750; print wall time and peak RSS.
        """)
    var export = false

    @Flag(help: ArgumentHelp("Instead: time loading --model (default: RealESRGAN_x4plus ncnn from ../shared) by "
                             + "stage (an .onnx file: its load and first run), the same weights as .safetensors, and "
                             + "`enhance upscale` 128² whole-process "
                             + "vs in-process."))
    var load = false

    @Option(help: "Image for --tui-latency and --graphics-redraw (default: Assets/astronaut.png).")
    var image: String?

    @Option(help: "α key presses timed by --tui-latency, per phase (1…9).")
    var presses: Int = 5

    @Option(help: ArgumentHelp("--tui-latency: draw the panes with this graphics protocol (kitty, sixel, iterm2) "
                               + "instead of block cells."))
    var graphics: String?

    @Option(help: "--tui-latency with --graphics: the cell size in pixels, WxH.")
    var cell: String = "10x20"

    @OptionGroup var models: ModelOptions

    func validate() throws {
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        let known = NetworkRegistry.benchmarks.map(\.name)
        for n in networkNames where !known.contains(n) && onnx.isEmpty {
            throw ValidationError("unknown network \(n): use \(known.joined(separator: " or "))")
        }
        guard sizes.allSatisfy({ (8...1024).contains($0) }) else { throw ValidationError("--sizes must be 8…1024") }
        guard benchThreads.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--bench-threads must be ≥ 1") }
    }

    /// `--networks a,b` and `--networks a b` alike.
    var networkNames: [String] { networks.flatMap { $0.split(separator: ",").map(String.init) } }

    func run() throws {
        if tuiLatency { return try runTUILatency() }
        if graphicsRedraw { return try runGraphicsRedraw() }
        if export { return try runExportBench() }
        if load { return try runLoadBench() }
        var o = BenchOptions()
        o.networks = networkNames
        o.sizes = sizes
        o.threads = benchThreads
        o.repeats = repeats
        o.rounds = rounds
        if noOrt { o.anchors.remove(.onnxRuntime) }
        if noOpenVINO { o.anchors.remove(.openVINO) }
        if noNcnn { o.anchors.remove(.ncnn) }
        if !onnx.isEmpty {
            // The files by absolute path: the anchors' scripts read them as their graphs (ncnn has none).
            let cwd = FileManager.default.currentDirectoryPath
            o.networks = onnx.map { $0.hasPrefix("/") ? $0 : cwd + "/" + $0 }
            o.anchors.remove(.ncnn)
            o.blend = false
        }
        if json {
            o.json = true
            o.log = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        o.python = python
        o.ortScript = BenchScripts.locate()
        _ = runBenchmarks(options: o)
    }
}

extension BenchCommand {
    func runGraphicsRedraw() throws {
        guard let path = image ?? BenchScripts.asset("astronaut.png") else {
            throw CLIError("--graphics-redraw: give --image (Assets/astronaut.png not found)")
        }
        let img = try ImageFile.read(path: path)
        print("graphics redraw: \(path) (\(img.width)×\(img.height), ×4 bicubic tiles), 120×40 cells of 10×20 px, "
              + "zoom 1:1, new α each frame (pixel blend), median of 15, thread CPU time")
        let lines = measureGraphicsRedraw(image: img)
        let blocks = lines.first { $0.kind == .blocks }?.totalMs ?? 0
        for l in lines {
            let extra = l.kind == .blocks ? ""
                : String(format: "  → +%.1f ms vs blocks (target ≤ 30)", l.totalMs - blocks)
            print(String(format: "%-7@ view %6.1f ms + encode %6.1f ms = %6.1f ms, %7d KB", l.kind.rawValue as NSString,
                         l.viewMs, l.encodeMs, l.totalMs, l.bytes / 1024) + extra)
        }
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

    /// A bundled asset, from the working directory or above the executable.
    static func asset(_ name: String) -> String? {
        guard let script = locate() else {
            let local = FileManager.default.currentDirectoryPath + "/Assets/" + name
            return FileManager.default.fileExists(atPath: local) ? local : nil
        }
        let root = URL(fileURLWithPath: script).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent("Assets/" + name).path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}
