import ArgumentParser
import EnhanceImaging

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

    func validate() throws {
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1-100, got \(quality)") }
        guard scale > 0, scale <= 16 else { throw ValidationError("--scale must be in (0, 16], got \(scale)") }
        if let b = bitDepth, b != 8, b != 16 { throw ValidationError("--bit-depth must be 8 or 16, got \(b)") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
    }

    func run() throws {
        try OutputPath.checkWritable(output, force: force)
        let image = try ImageFile.read(path: input, maxPixels: maxPixels)
        let result: Image
        switch method {
        case .bicubic:
            let w = Int((Double(image.width) * scale).rounded())
            let h = Int((Double(image.height) * scale).rounded())
            guard w > 0, h > 0 else { throw CLIError("\(input): scale \(scale) gives an empty image") }
            try OutputPath.checkPixelBudget(w * h, limit: maxPixels * 16, path: output)
            result = Resample.bicubic(image, width: w, height: h)
        case .psnr, .gan, .blend:
            throw CLIError("--method \(method.rawValue): network upscaling is not available in this build")
        }
        try ImageFile.write(result, to: output, quality: quality, bitDepth: bitDepth, overwrite: force)
    }
}
