import ArgumentParser
import EnhanceImaging
import EnhanceNetworks
import EnhanceTUIEngine
import Foundation

/// `--method` takes the shared ``Method`` (EnhanceImaging) by its raw value.
extension Method: ExpressibleByArgument {}

/// Output format of a batch (`--format`).
enum OutputFormatChoice: String, ExpressibleByArgument, CaseIterable, Sendable {
    case png, jpg

    var format: ImageFormat { self == .png ? .png : .jpeg }
}

struct UpscaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upscale",
        abstract: "Upscale images: one file to a file, or files and folders into a folder.",
        discussion: """
            With one input file and an output whose extension is .png, .jpg or .jpeg (and that is not a \
            folder, nor ends with /), writes that file. Otherwise OUTPUT is a folder (created if missing) \
            and every image in the inputs (files, or folders searched by content and by the names .png, \
            .jpg, .jpeg, so that a mislabelled file fails by name; --recursive descends and keeps relative \
            paths) is written there as NAME<suffix>.<format>. Existing outputs are skipped unless --force. \
            Results are streamed to a temporary file and renamed when complete, so an interrupted batch \
            resumes by running it again. The input's ICC profile and EXIF are kept (orientation reset, \
            size updated) unless --strip-metadata; gray inputs give gray outputs.
            """)

    @Argument(help: "Input images and/or folders (PNG or JPEG, recognised by content).")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Output file (one input), or output folder.")
    var output: String

    @Option(help: "Scale factor for bicubic (networks use their own scale).")
    var scale: Double = 4

    @Option(help: ArgumentHelp("Method: \(Method.allCases.map(\.rawValue).joined(separator: ", ")) (default: psnr, "
                               + "the fidelity network of the default pair, \(PairCatalog.defaultName), or of --pair).",
                               valueName: "method"))
    var method: Method = .psnr

    @Option(help: "Output format in a folder: png or jpg (a single output file: its extension).")
    var format: OutputFormatChoice = .png

    @Option(help: "Appended to each output's name in a folder, e.g. _x4.")
    var suffix: String = ""

    @Flag(help: "Descend into sub-folders of input folders, keeping relative paths in the output folder.")
    var recursive = false

    @Option(help: "JPEG quality, 1-100.")
    var quality: Int = 95

    @Option(name: .customLong("bit-depth"), help: "Output bits per PNG sample, 8 or 16 (default: the input's).")
    var bitDepth: Int?

    @Option(name: .customLong("max-pixels"), help: "Refuse inputs with more pixels than this (outputs: 16 times it).")
    var maxPixels: Int = 100_000_000

    @Flag(name: .customLong("strip-metadata"),
          help: "Drop the input's ICC profile, EXIF and text; keep enhance:* only.")
    var stripMetadata = false

    @Flag(help: "Overwrite existing outputs.")
    var force = false

    @Flag(help: "Show a progress bar with ETA on standard error (default: when it is a terminal).")
    var progress = false

    @OptionGroup var models: ModelOptions

    func validate() throws {
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1-100, got \(quality)") }
        guard scale > 0, scale <= 16 else { throw ValidationError("--scale must be in (0, 16], got \(scale)") }
        if let b = bitDepth, b != 8, b != 16 { throw ValidationError("--bit-depth must be 8 or 16, got \(b)") }
        guard maxPixels > 0 else { throw ValidationError("--max-pixels must be positive") }
        guard !suffix.contains("/") else { throw ValidationError("--suffix must not contain '/'") }
    }

    func run() throws {
        let settings = ExportSettings(quality: quality, bitDepth: bitDepth, stripMetadata: stripMetadata,
                                      overwrite: force)
        if let single = singleOutput() {
            _ = try ImageFile.outputFormat(of: single)
            try OutputPath.checkWritable(output, force: force)
            let upscaler = try models.upscaler(for: method, bicubicScale: scale)
            try BatchUpscale(upscaler: upscaler, settings: settings, maxPixels: maxPixels,
                             showProgress: progress || isatty(2) != 0).runSingle(input: inputs[0], output: single)
            return
        }
        let jobs = try BatchPlan.jobs(inputs: inputs, outputFolder: output, recursive: recursive, suffix: suffix,
                                      format: format.format)
        try Folder.create(output)  // before any work: a folder that cannot be made stops the batch at once
        let upscaler = try models.upscaler(for: method, bicubicScale: scale)
        let batch = BatchUpscale(upscaler: upscaler, settings: settings, maxPixels: maxPixels,
                                 showProgress: progress || isatty(2) != 0)
        if try batch.run(jobs) > 0 { throw ExitCode(1) }
    }

    /// The output file when this is a one-file run: one input file, and OUTPUT is not a folder
    /// (nor ends with "/") and has an extension (an unknown one is then refused by name).
    private func singleOutput() -> String? {
        guard inputs.count == 1, !isDirectory(inputs[0]), !isDirectory(output), !output.hasSuffix("/"),
              (output as NSString).lastPathComponent.dropFirst().contains(".") else { return nil }
        return output
    }
}

func isDirectory(_ path: String) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
}
