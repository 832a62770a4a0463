import EnhanceBench
import EnhanceNetworks
import Foundation

extension BenchCommand {
    /// `enhance bench --load`: load stages of --model (default: RealESRGAN_x4plus ncnn), the same
    /// weights re-written as .safetensors, the legacy-pickle .pth from ../shared when present, and
    /// `enhance upscale` 128² as a whole process against the same upscale in-process.
    func runLoadBench() throws {
        guard let model = models.model ?? CLIShared.realESRGAN() else {
            throw CLIError("--load: no --model given and ../shared/weights/realesrgan-x4plus-ncnn not found")
        }
        print("load bench: \(cpuDescription()), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let log: (String) -> Void = { print($0); fflush(nil) }
        _ = try LoadBench.load(model, log: log)
        let dir = NSTemporaryDirectory() + "enhance-load-bench-st-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let st = dir + "/" + ((model as NSString).lastPathComponent as NSString).deletingPathExtension + ".safetensors"
        try ModelLoader.load(path: model).writeSafetensors(to: st, dtype: .float32)
        _ = try LoadBench.load(st, log: log)
        let pth = ((model as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("../srgan-leftthomas/netG_epoch_4_100.pth")
        if FileManager.default.fileExists(atPath: pth) { _ = try LoadBench.load(pth, log: log) }
        let exe = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0]).path
        _ = try LoadBench.upscale(model: model, executable: exe, threads: models.threads ?? 2, log: log)
    }
}
