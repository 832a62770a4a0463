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
            with the HR image on BT.601 Y with a border of `scale` pixels shaved. "detail" is the \
            result's Y gradient energy relative to the HR image's (1 = as much high-frequency energy). \
            With --lr, the LR inputs are read from that folder instead (same names as the HR images, \
            e.g. a degraded copy of the set).
            """)

    @Option(name: .customLong("set"), help: "Folder of HR ground-truth images (e.g. Set5).")
    var set: String

    @Option(help: "Folder of LR inputs named like the HR images (default: the bicubic downscale of each).")
    var lr: String?

    @Option(help: "Method: \(Method.allCases.map(\.rawValue).joined(separator: ", ")).")
    var method: Method = .bicubic

    @Option(help: "Scale factor.")
    var scale: Int = 4

    @Option(parsing: .upToNextOption,
            help: "With --method blend: evaluate each of these α and print one summary row per α.")
    var alphas: [Float] = []

    @OptionGroup var models: ModelOptions

    func validate() throws {
        guard (2...8).contains(scale) else { throw ValidationError("--scale must be 2-8, got \(scale)") }
        guard alphas.allSatisfy({ (0...1).contains($0) }) else { throw ValidationError("--alphas must be in 0…1") }
        if !alphas.isEmpty && method != .blend { throw ValidationError("--alphas needs --method blend") }
    }

    func run() throws {
        let files = try ImageFolder.images(in: set)
        guard !files.isEmpty else { throw CLIError("\(set): no PNG or JPEG images found") }
        let lrFiles = try lr.map { try Dictionary(ImageFolder.images(in: $0).map { (Self.stem($0), $0) },
                                                  uniquingKeysWith: { a, _ in a }) }
        let images = try files.map { file in
            let name = Self.stem(file), hr = try ImageFile.read(path: file)
            return EvalImage(name: name, hr: hr, lr: try lrFiles.map { try Self.readLR($0, name, hr, scale) },
                             gray: try ImageFile.info(path: file).isGrayscale)
        }
        if !alphas.isEmpty { return try sweep(images) }
        let (upscale, label) = try upscaler(alpha: models.alpha)
        print("method: \(label)  scale: x\(scale)  set: \(set)" + (lr.map { "  lr: \($0)" } ?? ""))
        print(String(repeating: "-", count: 54))
        print(pad("image") + "   PSNR-Y    SSIM-Y    detail")
        var rows: [(psnr: Double, ssim: Double, detail: Double)] = []
        for img in images {
            let r = try SRBenchmark.evaluate(hr: img.hr, lr: img.lr, scale: scale, grayscale: img.gray,
                                             upscale: upscale)
            rows.append(r)
            print(pad(img.name) + String(format: "  %7.2f   %7.4f   %7.3f", r.psnr, r.ssim, r.detail))
        }
        print(String(repeating: "-", count: 54))
        print(pad("average") + Self.averages(rows))
    }

    /// One summary row per α of the weight blend: the trade-off curve.
    private func sweep(_ images: [EvalImage]) throws {
        let pair = try models.pairPaths()
        let names = [pair.psnr, pair.gan].map { ($0.map { ($0 as NSString).lastPathComponent }) ?? "—" }
        print("method: blend sweep  scale: x\(scale)  set: \(set)" + (lr.map { "  lr: \($0)" } ?? ""))
        print("pair: \(names[0]) + \(names[1])")
        print(String(repeating: "-", count: 54))
        print(pad("alpha") + "   PSNR-Y    SSIM-Y    detail")
        for a in alphas {
            let (upscale, _) = try upscaler(alpha: a)
            let rows = try images.map {
                try SRBenchmark.evaluate(hr: $0.hr, lr: $0.lr, scale: scale, grayscale: $0.gray, upscale: upscale)
            }
            print(pad(String(format: "%.2f", a)) + Self.averages(rows))
        }
    }

    private func upscaler(alpha: Float) throws -> ((Image) throws -> Image, String) {
        var opts = models
        opts.alpha = alpha
        // SR benchmarks upscale their bicubic baseline with MATLAB's imresize convention.
        let upscaler = try opts.upscaler(for: method, bicubicScale: Double(scale), convention: .matlab)
        if method == .bicubic && models.model == nil { return ({ try upscaler.upscale($0) }, "bicubic") }
        let meta = upscaler.metadata
        guard upscaler.scale == scale else { throw CLIError("--scale \(scale): the model upscales x\(upscaler.scale)") }
        var label = models.model == nil ? method.rawValue : "model"
        if method == .blend && models.model == nil { label += String(format: " α=%.2f", alpha) }
        if let name = meta["enhance:model"] ?? meta["enhance:psnr-model"] ?? meta["enhance:gan-model"] {
            label += " (\(name))"
        }
        return ({ try upscaler.upscale($0) }, label)
    }

    private static func stem(_ path: String) -> String {
        ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    /// The LR input for HR image `name`, checked to be its modcropped size ÷ `scale`.
    private static func readLR(_ files: [String: String], _ name: String, _ hr: Image, _ scale: Int) throws -> Image {
        guard let path = files[name] else { throw CLIError("--lr: no image named \(name).* for HR image \(name)") }
        let img = try ImageFile.read(path: path)
        let (w, h) = (hr.width / scale, hr.height / scale)
        guard img.width == w, img.height == h else {
            throw CLIError("\(path): LR is \(img.width)×\(img.height), expected \(w)×\(h) (HR \(name) ÷ \(scale))")
        }
        return img
    }

    private func pad(_ s: String) -> String { s.padding(toLength: 20, withPad: " ", startingAt: 0) }

    private static func averages(_ rows: [(psnr: Double, ssim: Double, detail: Double)]) -> String {
        let n = Double(rows.count)
        return String(format: "  %7.2f   %7.4f   %7.3f", rows.map(\.psnr).reduce(0, +) / n,
                      rows.map(\.ssim).reduce(0, +) / n, rows.map(\.detail).reduce(0, +) / n)
    }
}

/// One HR image of the set, its LR input when given (`--lr`), and whether it is grayscale.
struct EvalImage {
    var name: String
    var hr: Image
    var lr: Image?
    var gray: Bool
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
