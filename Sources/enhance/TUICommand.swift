import ArgumentParser
import EnhanceImaging
import EnhanceNcurses
import EnhanceNetworks
import EnhanceTUI
import EnhanceTUIEngine
import EnhanceTerminal

struct TUICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui",
        abstract: "Open the terminal UI on a file or directory (the default command).")

    @Argument(help: "Image file or directory to open.")
    var path: String?

    @Option(help: "Colour mode: truecolor, 256 or none (default: from NO_COLOR / COLORTERM).")
    var color: String?

    @Option(help: "Pane images: auto (detect), kitty, sixel, iterm2 or blocks (default: $ENHANCE_GRAPHICS, else auto).")
    var graphics: String?

    @Flag(help: "Show hidden files in the browser.")
    var hidden = false

    @Option(help: ArgumentHelp("Method an opened image is shown with first: "
                               + Method.allCases.map(\.rawValue).joined(separator: ", ")
                               + " (keys 1-4 switch; --alpha sets the blend's α)."))
    var method: Method = .blend

    @OptionGroup var models: ModelOptions

    func validate() throws {
        if let c = color, ColorMode(option: c) == nil {
            throw ValidationError("--color must be truecolor, 256 or none, got \(c)")
        }
        if let g = graphics, GraphicsChoice(g) == nil {
            throw ValidationError("--graphics must be auto, kitty, sixel, iterm2 or blocks, got \(g)")
        }
        if models.model != nil, models.psnrModel != nil || models.ganModel != nil {
            throw ValidationError("--model runs one checkpoint as both ends of the pair: "
                                  + "give it or --psnr-model/--gan-model")
        }
    }

    func run() throws {
        // --model: the one checkpoint at both ends (every network pane runs it); else the pair.
        let pair = try models.model.map { (psnr: Optional($0), gan: Optional($0)) } ?? models.pairPaths()
        let psnr = try pair.psnr.map { try models.load($0) }
        let gan = try pair.gan.map { try models.load($0) }
        let paths = pair.psnr.flatMap { p in pair.gan.map { (psnr: p, gan: $0) } }
        let engine = try models.tuiEngine(psnr: psnr, gan: gan, paths: paths)
        try runTUI(path: path, engine: engine, options: TUIOptions(colorMode: color, showHidden: hidden,
                                                                 graphics: graphics, method: method,
                                                                 alpha: models.alpha))
    }
}

extension ModelOptions {
    /// The TUI's engine: the pair (from the files `paths`, when known), these options, and the
    /// picker's folders (the bundled Models/ folders and the user's model folder), loading under
    /// `--max-model-bytes`.
    func tuiEngine(psnr: LoadedModel?, gan: LoadedModel?,
                   paths: (psnr: String, gan: String)? = nil) throws -> UpscalerEngine {
        let budget = memory.budget
        return try UpscalerEngine(psnr: psnr, gan: gan, options: upscaleOptions,
                                  modelFolders: DefaultModels.folders(), paths: paths,
                                  load: { try ModelLoader.load(path: $0, budget: budget) })
    }
}
