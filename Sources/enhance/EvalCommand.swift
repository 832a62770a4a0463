import ArgumentParser
import EnhanceImaging
import EnhanceNetworks
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "PSNR/SSIM on the Y channel over a folder of HR images (SR benchmark protocol).",
        discussion: """
            Each HR image is cropped to a multiple of the scale, downscaled with MATLAB-style bicubic \
            (antialiased), rounded to 8 bits, upscaled by the method, rounded to 8 bits and compared \
            with the HR image on BT.601 Y with a border of `scale` pixels shaved.
            """)

    @Option(name: .customLong("set"), help: "Folder of HR ground-truth images (e.g. Set5).")
    var set: String

    @Option(help: "Method: \(Method.allCases.map(\.rawValue).joined(separator: ", ")).")
    var method: Method = .bicubic

    @Option(help: "Scale factor.")
    var scale: Int = 4

    @OptionGroup var models: ModelOptions

    func validate() throws {
        guard (2...8).contains(scale) else { throw ValidationError("--scale must be 2-8, got \(scale)") }
    }

    func run() throws {
        let files = try ImageFolder.images(in: set)
        guard !files.isEmpty else { throw CLIError("\(set): no PNG or JPEG images found") }
        let upscale: (Image) throws -> Image
        var label = method.rawValue
        if method == .bicubic && models.model == nil {
            upscale = { Resample.matlabBicubic($0, scale: Double(scale)) }
        } else {
            let (upscaler, meta) = try models.upscaler(for: method, bicubicScale: scale)
            guard upscaler.scale == scale else {
                throw CLIError("--scale \(scale): the model upscales x\(upscaler.scale)")
            }
            upscale = { try upscaler.upscale($0) }
            if method == .blend && models.model == nil { label += String(format: " α=%.2f", models.alpha) }
            if let name = meta["enhance:model"] ?? meta["enhance:psnr-model"] ?? meta["enhance:gan-model"] {
                label += " (\(name))"
            }
        }
        print("method: \(label)  scale: x\(scale)  set: \(set)")
        print(String(repeating: "-", count: 44))
        print("image".padding(toLength: 20, withPad: " ", startingAt: 0) + "   PSNR-Y    SSIM-Y")
        var psnrs: [Double] = [], ssims: [Double] = []
        for file in files {
            let hr = try ImageFile.read(path: file)
            // Single-channel files are scored on their gray values, as MATLAB does (Set14 bridge).
            let gray = try ImageFile.info(path: file).isGrayscale
            let r = try SRBenchmark.evaluate(hr: hr, scale: scale, grayscale: gray, upscale: upscale)
            psnrs.append(r.psnr); ssims.append(r.ssim)
            let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            print(name.padding(toLength: 20, withPad: " ", startingAt: 0)
                  + String(format: "  %7.2f   %7.4f", r.psnr, r.ssim))
        }
        print(String(repeating: "-", count: 44))
        print("average".padding(toLength: 20, withPad: " ", startingAt: 0)
              + String(format: "  %7.2f   %7.4f", psnrs.reduce(0, +) / Double(psnrs.count),
                       ssims.reduce(0, +) / Double(ssims.count)))
    }
}

/// Lists image files in a folder, sorted by name, recognised by content.
enum ImageFolder {
    static func images(in dir: String) throws -> [String] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw CLIError("\(dir): not a directory")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        return names.map { (dir as NSString).appendingPathComponent($0) }
            .filter { ImageFile.sniff(path: $0) != nil }
    }
}
