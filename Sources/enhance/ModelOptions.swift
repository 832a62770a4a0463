import ArgumentParser
import EnhanceCheckpoints
import EnhanceImaging
import EnhanceNetworks
import EnhanceTUIEngine
import Foundation

/// `--max-model-bytes`: the memory a checkpoint may cost to load (see ``LoadBudget``).
struct BudgetOption: ParsableArguments {
    @Option(name: .customLong("max-model-bytes"),
            help: "Refuse checkpoints whose tensors and prepared weights would need more bytes (default: half of RAM).")
    var maxModelBytes: Int?

    func validate() throws {
        if let b = maxModelBytes, b < 1 { throw ValidationError("--max-model-bytes must be positive") }
    }

    var budget: LoadBudget { maxModelBytes.map { LoadBudget(maxBytes: $0) } ?? .default }
}

/// Model selection shared by `upscale`, `eval`, `bench` and the TUI.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Model pair NAME: NAME-psnr.* + NAME-gan.* in the model folders "
                               + "(`enhance models list`; default: \(PairCatalog.defaultName)).", valueName: "name"))
    var pair: String?

    @Option(name: .customLong("psnr-model"), help: "PSNR (fidelity) checkpoint: .safetensors, .pth or ncnn .param.")
    var psnrModel: String?

    @Option(name: .customLong("gan-model"), help: "GAN checkpoint, same architecture as the PSNR one for blending.")
    var ganModel: String?

    @Option(help: "Run exactly this one checkpoint, whatever --method says (the UI: at both ends of the pair).")
    var model: String?

    @Option(help: "Blend weight α for --method blend: θ = (1−α)·θ_PSNR + α·θ_GAN, 0…1.")
    var alpha: Float = 0.5

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "Tile edge in input pixels (default: chosen from available memory).")
    var tile: Int?

    @Option(name: .customLong("tile-overlap"), help: "Context margin around each tile in input pixels.")
    var tileOverlap: Int?

    @Option(name: .customLong("alpha-mode"), help: "How an alpha channel is upscaled: model or bicubic.")
    var alphaMode: AlphaUpscaling = .model

    @OptionGroup var memory: BudgetOption

    /// Loads one checkpoint under the `--max-model-bytes` budget.
    func load(_ path: String) throws -> LoadedModel { try ModelLoader.load(path: path, budget: memory.budget) }

    func validate() throws {
        guard (0...1).contains(alpha) else { throw ValidationError("--alpha must be in 0…1, got \(alpha)") }
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        if let t = tile, t < 8 { throw ValidationError("--tile must be at least 8") }
        if let o = tileOverlap, o < 0 { throw ValidationError("--tile-overlap must not be negative") }
        if pair != nil, psnrModel != nil || ganModel != nil || model != nil {
            throw ValidationError("--pair chooses both checkpoints: give it or --psnr-model/--gan-model/--model")
        }
    }

    var upscaleOptions: UpscaleOptions {
        UpscaleOptions(tileSize: tile, tileOverlap: tileOverlap,
                       threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, alpha: alphaMode)
    }

    /// The PSNR/GAN pair to use: `--pair NAME`, else explicit paths, else the default pair
    /// (``PairCatalog/defaultName``). An unknown `--pair` throws, naming the pairs there are.
    func pairPaths() throws -> (psnr: String?, gan: String?) {
        if let pair {
            let p = try PairCatalog.pair(named: pair, folders: DefaultModels.folders())
            return (p.psnr, p.gan)
        }
        let bundled = DefaultModels.find()
        return (psnrModel ?? bundled?.psnr, ganModel ?? bundled?.gan)
    }

    /// Builds the upscaler for `method` (its `metadata` describes it for exports).
    func upscaler(for method: Method, bicubicScale: Double,
                  convention: Resample.Convention = .pillow) throws -> Upscaler {
        let options = upscaleOptions
        if let model {
            return try Upscaler(.model(try load(model)), options: options)
        }
        let pair = try pairPaths()
        func need(_ path: String?, _ flag: String) throws -> LoadedModel {
            guard let path else {
                throw CLIError(
                    "--method \(method.rawValue): no \(flag) given and no bundled model pair found in Models/")
            }
            return try load(path)
        }
        switch method {
        case .bicubic:
            return try Upscaler(.bicubic(scale: bicubicScale, convention: convention), options: options)
        case .psnr:
            return try Upscaler(.model(try need(pair.psnr, "--psnr-model"), role: .psnr), options: options)
        case .gan:
            return try Upscaler(.model(try need(pair.gan, "--gan-model"), role: .gan), options: options)
        case .blend:
            let p = try need(pair.psnr, "--psnr-model"), g = try need(pair.gan, "--gan-model")
            return try Upscaler(.blend(try ModelBlender(psnr: p, gan: g, threads: options.threads), alpha: alpha),
                                options: options)
        }
    }
}

extension AlphaUpscaling: ExpressibleByArgument {}

/// The model folders and the default pair in them. Folders, in order: `$ENHANCE_MODELS`, `./Models`,
/// a `Models` folder above the executable (the repository), the user's folder
/// (``PairCatalog/userFolder(environment:)``). Pairs are found there by ``PairCatalog``.
enum DefaultModels {
    /// The default pair's files (``PairCatalog/defaultPair(folders:)``), nil when there is no pair.
    static func find() -> (psnr: String, gan: String)? {
        PairCatalog.defaultPair(folders: folders()).map { ($0.psnr, $0.gan) }
    }

    /// Every folder pairs are looked for in (the CLI's `--pair`, `models list` and the TUI picker).
    static func folders() -> [String] { candidates() + [PairCatalog.userFolder()] }

    static func candidates() -> [String] {
        var dirs: [String] = []
        if let env = ProcessInfo.processInfo.environment["ENHANCE_MODELS"] { dirs.append(env) }
        dirs.append(FileManager.default.currentDirectoryPath + "/Models")
        var exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        if let path = Bundle.main.executablePath { exe = URL(fileURLWithPath: path).resolvingSymlinksInPath() }
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<5 {
            dirs.append(dir.appendingPathComponent("Models").path)
            dir = dir.deletingLastPathComponent()
        }
        return dirs
    }
}
