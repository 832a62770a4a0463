import EnhanceBench
import EnhanceNetworks
import Foundation

extension BenchCommand {
    /// `enhance bench --load`: load stages of --model (default: RealESRGAN_x4plus ncnn), the same
    /// weights re-written as .safetensors, the legacy-pickle .pth from ../shared when present, and
    /// `enhance upscale` 128² as a whole process against the same upscale in-process. An `.onnx` model
    /// is timed as one load (read, probe, decision) and its first run, then as `.safetensors`.
    func runLoadBench() throws {
        guard let model = models.model ?? CLIShared.realESRGAN() else {
            throw CLIError("--load: no --model given and ../shared/weights/realesrgan-x4plus-ncnn not found")
        }
        print("load bench: \(cpuDescription()), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let log: (String) -> Void = { print($0); fflush(nil) }
        let isONNX = (model as NSString).pathExtension.lowercased() == "onnx"
        if isONNX {
            let r = try LoadBench.loadONNX(model, log: log)
            guard r.runtime.hasSuffix("native") else {  // a graph's weights form no checkpoint to re-write
                _ = try LoadBench.upscale(model: model, executable: executable(), threads: models.threads ?? 2, log: log)
                return
            }
        } else {
            _ = try LoadBench.load(model, log: log)
        }
        let dir = NSTemporaryDirectory() + "enhance-load-bench-st-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let st = dir + "/" + ((model as NSString).lastPathComponent as NSString).deletingPathExtension + ".safetensors"
        try ModelLoader.load(path: model).writeSafetensors(to: st, dtype: .float32)
        _ = try LoadBench.load(st, log: log)
        let pth = ((model as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("../srgan-leftthomas/netG_epoch_4_100.pth")
        if FileManager.default.fileExists(atPath: pth) { _ = try LoadBench.load(pth, log: log) }
        _ = try LoadBench.upscale(model: model, executable: executable(), threads: models.threads ?? 2, log: log)
    }

    private func executable() -> String {
        URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).path
    }
}
