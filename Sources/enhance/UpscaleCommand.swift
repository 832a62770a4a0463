import ArgumentParser
import EnhanceImaging
import EnhanceNetworks
import Foundation

/// Upscaling method chosen on the command line.
enum Method: String, ExpressibleByArgument, CaseIterable, Sendable {
    case bicubic, psnr, gan, blend
}

struct UpscaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upscale",
        abstract: "Upscale one image and write the result (.png, .jpg or .jpeg, chosen by extension).")

    @Argument(help: "Input image (PNG or JPEG).")
    var input: String

    @Option(name: .shortAndLong, help: "Output file; its extension selects the format.")
    var output: String

    @Option(help: "Scale factor for bicubic (networks use their own scale).")
    var scale: Double = 4

    @Option(help: "Method: \(Method.allCases.map(\.rawValue).joined(separator: ", ")).")
    var method: Method = .bicubic

    @Option(help: "JPEG quality, 1-100.")
    var quality: Int = 95

    @Option(name: .customLong("bit-depth"), help: "Output bits per PNG sample, 8 or 16 (default: the input's).")
    var bitDepth: Int?

    @Option(name: .customLong("max-pixels"), help: "Refuse inputs with more pixels than this.")
    var maxPixels: Int = 100_000_000

    @Flag(help: "Overwrite the output file if it exists.")
    var force = false

    @Flag(help: "Print progress to standard error.")
    var progress = false

    @OptionGroup var models: ModelOptions

    func validate() throws {
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1-100, got \(quality)") }
        guard scale > 0, scale <= 16 else { throw ValidationError("--scale must be in (0, 16], got \(scale)") }
        if let b = bitDepth, b != 8, b != 16 { throw ValidationError("--bit-depth must be 8 or 16, got \(b)") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
    }

    func run() throws {
        try OutputPath.checkWritable(output, force: force)
        let image = try ImageFile.read(path: input, maxPixels: maxPixels)
        var result: Image
        var meta: [String: String]
        if method == .bicubic && models.model == nil {
            let w = Int((Double(image.width) * scale).rounded())
            let h = Int((Double(image.height) * scale).rounded())
            guard w > 0, h > 0 else { throw CLIError("\(input): scale \(scale) gives an empty image") }
            try OutputPath.checkPixelBudget(w * h, limit: maxPixels * 16, path: output)
            result = Resample.bicubic(image, width: w, height: h)
            meta = ["enhance:method": "bicubic", "enhance:scale": String(format: "%g", scale)]
        } else {
            let (upscaler, m) = try models.upscaler(for: method, bicubicScale: 4)
            try OutputPath.checkPixelBudget(image.width * image.height * upscaler.scale * upscaler.scale,
                                            limit: maxPixels * 16, path: output)
            let report: ((Double) -> Void)? = progress ? { f in
                FileHandle.standardError.write(Data(String(format: "\r%5.1f%%", f * 100).utf8))
            } : nil
            result = try upscaler.upscale(image, progress: report)
            if progress { FileHandle.standardError.write(Data("\n".utf8)) }
            meta = m
        }
        for (k, v) in meta { result.text[k] = v }
        try ImageFile.write(result, to: output, quality: quality, bitDepth: bitDepth, overwrite: force)
    }
}
