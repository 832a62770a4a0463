import ArgumentParser
import EnhanceCheckpoints
import EnhanceImaging
import EnhanceNetworks
import EnhanceTUIEngine
import Foundation

struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Inspect checkpoints and list the model pairs.",
        subcommands: [Inspect.self, List.self])

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print architecture, scale, channels, blocks, parameters, MACs/pixel, dtype and SHA-256.",
            discussion: """
                FILE is a checkpoint (.safetensors, .pth, or an ncnn .param with its .bin beside it), or \
                a PNG or JPEG written by enhance, whose recorded method, α and model hashes are printed. \
                Checkpoints are described from their headers alone (no tensor is read, no network \
                built) and hashed by streaming, so memory stays bounded whatever the file's size.
                """)

        @Argument(help: "Checkpoint, or PNG or JPEG written by enhance.")
        var files: [String]

        @OptionGroup var memory: BudgetOption

        func run() throws {
            var failed = 0, printed = 0
            for file in files {
                do {
                    let rows = try describe(file)
                    if printed > 0 { print() }
                    printed += 1
                    print(file)
                    for (k, v) in rows { print("  " + k.padding(toLength: 22, withPad: " ", startingAt: 0) + v) }
                } catch {
                    failed += 1
                    fflush(nil)  // keep the order of stdout and stderr lines
                    printErr("Error: \(Self.plain(error, file: file))")
                }
            }
            if failed > 0 {
                if files.count > 1 { printErr("Error: \(failed) of \(files.count) files could not be described") }
                throw ExitCode(1)
            }
        }

        /// The rows for `file`: an enhance-written image's metadata, or a checkpoint's description.
        private func describe(_ file: String) throws -> [(String, String)] {
            if ImageFile.sniff(path: file) != nil {
                let image = try ImageFile.decode(path: file)  // text chunks; no float conversion
                let rows = image.text.filter { $0.key.hasPrefix("enhance:") }.sorted { $0.key < $1.key }
                guard !rows.isEmpty else { throw CLIError("\(file): image carries no enhance metadata") }
                return rows.map { ($0.key, $0.value) }
            }
            return try ModelInspection.rows(path: file, budget: memory.budget)
        }

        /// `error` as one line that starts with `file` as given (errors name a file by its path or
        /// by its last component).
        static func plain(_ error: Error, file: String) -> String {
            let text = "\(error)"
            let name = (file as NSString).lastPathComponent
            if text.hasPrefix(file + ":") { return text }
            if text.hasPrefix(name + ":") { return file + text.dropFirst(name.count) }
            return "\(file): \(text)"
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One line per model pair: name, architecture, MACs/px, both files and their SHA-256.",
            discussion: """
                A pair is NAME-psnr.EXT + NAME-gan.EXT in a model folder ($ENHANCE_MODELS, ./Models, the \
                Models folder of the installation, ~/.local/share/enhance/models); `--pair NAME` selects \
                it. Files are described from their headers; hashes are of the whole files (ncnn: the .bin).
                """)

        func run() throws {
            let folders = DefaultModels.folders()
            let pairs = PairCatalog.pairs(folders: folders)
            guard !pairs.isEmpty else {
                throw CLIError("no model pair found (looked in: \(folders.joined(separator: ", ")))")
            }
            let chosen = PairCatalog.defaultPair(folders: folders)?.name
            var usable = 0
            for pair in pairs {
                let files = "  psnr \(pair.psnr)", ganFile = "  gan \(pair.gan)"
                do {
                    let (psnr, gan) = try ModelInspection.describePair(psnr: pair.psnr, gan: pair.gan)
                    usable += 1
                    print("\(pair.name)  \(psnr.architecture) x\(psnr.scale)  "
                          + String(format: "%.2f M MACs/px", psnr.macsPerInputPixel / 1e6)
                          + files + " sha256 \(psnr.sha256.prefix(16))" + ganFile + " sha256 \(gan.sha256.prefix(16))"
                          + (pair.name == chosen ? "  (default)" : ""))
                } catch {
                    print("\(pair.name)  not usable: \(error)" + files + ganFile)
                }
            }
            guard usable > 0 else { throw CLIError("none of the \(pairs.count) model pairs found is usable") }
        }
    }
}

struct InterpolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpolate",
        abstract: "Blend two checkpoints of one architecture: θ = (1−α)·θ_A + α·θ_B (ESRGAN net_interp).")

    @Argument(help: "Checkpoint A (e.g. the PSNR model).")
    var a: String

    @Argument(help: "Checkpoint B (e.g. the GAN model).")
    var b: String

    @Option(help: "Weight of B, 0…1.")
    var alpha: Float

    @Option(name: .shortAndLong, help: "Output .safetensors file.")
    var output: String

    @Option(help: ArgumentHelp("Store every weight as F32, F16 or BF16 (default: each tensor as the inputs store "
                               + "it, F32 where they differ).", valueName: "type"))
    var dtype: String?

    @Flag(help: "Overwrite the output file if it exists.")
    var force = false

    @OptionGroup var memory: BudgetOption

    func validate() throws {
        if let d = dtype, DType(rawValue: d.uppercased())?.isFloatingPoint != true {
            throw ValidationError("--dtype must be F32, F16 or BF16, got \(d)")
        }
        guard (0...1).contains(alpha) else { throw ValidationError("--alpha must be in 0…1, got \(alpha)") }
        guard output.lowercased().hasSuffix(".safetensors") || output.lowercased().hasSuffix(".onnx") else {
            throw ValidationError("\(output): the output must be a .safetensors or (for two .onnx inputs) .onnx file")
        }
    }

    func run() throws {
        try OutputPath.checkWritable(output, force: force)
        let ma = try ModelLoader.load(path: a, budget: memory.budget)
        let mb = try ModelLoader.load(path: b, budget: memory.budget)
        let pair = try ModelBlender(psnr: ma, gan: mb)
        let meta = ["enhance:interpolated-from": "\(ma.name) (\(ma.info.sha256)) + \(mb.name) (\(mb.info.sha256))",
                    "enhance:alpha": String(format: "%g", alpha)]
        let type = dtype.flatMap { DType(rawValue: $0.uppercased()) }
        try AtomicFile.write(to: output, overwrite: force) { tmp in
            if output.lowercased().hasSuffix(".onnx") {
                try pair.writeONNX(alpha: alpha, to: tmp)
            } else {
                try pair.writeSafetensors(alpha: alpha, to: tmp, dtype: type, metadata: meta)
            }
        }
        // ModelInfo.dtype lists the types the tensors are stored in, e.g. "F16+F32".
        let stored = type?.rawValue ?? (ma.info.dtype == mb.info.dtype ? ma.info.dtype : "F32 where the inputs differ")
        print("wrote \(output): \(ma.info.architecture) x\(ma.scale), α = \(alpha), \(stored)")
    }
}
