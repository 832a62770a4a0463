import EnhanceBench
import EnhanceImaging
import Foundation

extension BenchCommand {
    /// `enhance bench --export`: streamed exports measured in child processes (wall, peak RSS).
    func runExportBench() throws {
        let exe = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).path
        let dir = NSTemporaryDirectory() + "enhance-export-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        print("export bench: \(cpuDescription()), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        fflush(nil)
        let pair = try models.pairPaths()
        var cases: [(String, Int, Int, [String])] = []
        if let p = pair.psnr, let g = pair.gan {
            let blend = ["--method", "blend", "--alpha", "0.5", "--psnr-model", p, "--gan-model", g]
            cases += [("bundled blend 0.5", 4000, 3000, blend), ("bundled blend 0.5", 4000, 6000, blend),
                      ("bundled psnr", 4000, 3000, ["--method", "psnr", "--psnr-model", p])]
        } else {
            print("(no bundled pair found: bundled cases skipped)")
        }
        if let ncnn = CLIShared.realESRGAN() {
            cases.append(("RealESRGAN_x4plus (ncnn)", 1000, 750, ["--model", ncnn]))
        } else {
            print("(../shared/weights/realesrgan-x4plus-ncnn not found: RealESRGAN_x4plus case skipped)")
        }
        for (label, w, h, args) in cases {
            let input = dir + "/in-\(w)x\(h).png"
            if !FileManager.default.fileExists(atPath: input) {
                try ExportBench.synthesize(width: w, height: h, to: input)
            }
            let out = dir + "/out.png"
            let r = try ExportBench.measure(label, executable: exe,
                                            args: ["upscale", input, "-o", out, "--force"] + args, input: (w, h))
            print(ExportBench.line(r))
            fflush(nil)
            try? FileManager.default.removeItem(atPath: out)
        }
    }

    /// e.g. "AMD EPYC (avx2 avx512f)" from /proc/cpuinfo.
    func cpuDescription() -> String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown CPU" }
        let lines = info.split(separator: "\n")
        let model = lines.first { $0.hasPrefix("model name") }?.split(separator: ":").last?
            .trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let flags = Set(lines.first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        let isa = ["avx2", "fma", "avx512f"].filter(flags.contains)
        #if arch(arm64)
        return "\(model) (arm64)"
        #else
        return "\(model) (\(isa.joined(separator: " ")))"
        #endif
    }
}

/// Files from `../shared` beside the checkout.
enum CLIShared {
    static func realESRGAN() -> String? {
        for base in [FileManager.default.currentDirectoryPath] + DefaultModels.candidates().map({ ($0 as NSString)
            .deletingLastPathComponent }) {
            let p = base + "/../shared/weights/realesrgan-x4plus-ncnn/realesrgan-x4plus.param"
            if FileManager.default.fileExists(atPath: p) { return (p as NSString).standardizingPath }
        }
        return nil
    }
}
