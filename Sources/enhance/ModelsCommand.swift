import ArgumentParser
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
            for (i, file) in files.enumerated() {
                if i > 0 { print() }
                if ImageFile.sniff(path: file) != nil {
                    let image = try ImageFile.decode(path: file)  // PNG text / JPEG XMP; no float conversion
                    let rows = image.text.filter { $0.key.hasPrefix("enhance:") }.sorted { $0.key < $1.key }
                    guard !rows.isEmpty else { throw CLIError("\(file): image carries no enhance metadata") }
                    print(file)
                    for (k, v) in rows { print("  " + k.padding(toLength: 22, withPad: " ", startingAt: 0) + v) }
                    continue
                }
                let rows = try ModelInspection.rows(path: file, budget: memory.budget)
                print(file)
                for (k, v) in rows {
                    print("  " + k.padding(toLength: 22, withPad: " ", startingAt: 0) + v)
                }
            }
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
            for pair in pairs {
                let psnr = try ModelInspection.describe(path: pair.psnr).info
                let gan = try ModelInspection.describe(path: pair.gan).info
                let arch = psnr.architecture == gan.architecture ? psnr.architecture
                    : "\(psnr.architecture)/\(gan.architecture)"
                print("\(pair.name)  \(arch) x\(psnr.scale)  "
                      + String(format: "%.2f M MACs/px", psnr.macsPerInputPixel / 1e6)
                      + "  psnr \(pair.psnr) sha256 \(psnr.sha256.prefix(16))"
                      + "  gan \(pair.gan) sha256 \(gan.sha256.prefix(16))"
                      + (pair.name == chosen ? "  (default)" : ""))
            }
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

    @Flag(help: "Overwrite the output file if it exists.")
    var force = false

    @OptionGroup var memory: BudgetOption

    func validate() throws {
        guard (0...1).contains(alpha) else { throw ValidationError("--alpha must be in 0…1, got \(alpha)") }
        guard output.lowercased().hasSuffix(".safetensors") else {
            throw ValidationError("\(output): the output must be a .safetensors file")
        }
    }

    func run() throws {
        try OutputPath.checkWritable(output, force: force)
        let ma = try ModelLoader.load(path: a, budget: memory.budget)
        let mb = try ModelLoader.load(path: b, budget: memory.budget)
        let pair = try ModelBlender(psnr: ma, gan: mb)
        let meta = ["enhance:interpolated-from": "\(ma.name) (\(ma.info.sha256)) + \(mb.name) (\(mb.info.sha256))",
                    "enhance:alpha": String(format: "%g", alpha)]
        try AtomicFile.write(to: output, overwrite: force) { tmp in
            try pair.writeSafetensors(alpha: alpha, to: tmp, metadata: meta)
        }
        print("wrote \(output): \(ma.info.architecture) x\(ma.scale), α = \(alpha)")
    }
}
