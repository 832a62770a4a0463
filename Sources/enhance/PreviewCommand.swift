import ArgumentParser
import EnhanceImaging
import EnhanceNcurses
import EnhanceNetworks
import EnhanceTerminal
import Foundation

struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Print an image, or its x4 upscale, to standard output as block characters or real pixels.",
        discussion: """
            With a method, only what is shown is computed: the input is first reduced to the fewest \
            pixels whose upscale covers the preview's pixels (--width columns of the cell symbols, or of \
            the terminal's cell width with a graphics protocol), so the network runs at the displayed \
            resolution; `enhance upscale` makes the full-resolution result. Progress is shown on \
            standard error once a preview has taken a second.
            """)

    @Argument(help: "Image to show.")
    var input: String

    @Option(help: "Method: \(Method.allCases.map(\.rawValue).joined(separator: ", ")), or none for the input itself.")
    var method: String = "none"

    @Option(help: "Width in terminal columns (default: $COLUMNS or 80).")
    var width: Int?

    @Option(help: "Cell symbols: half (▀, 1×2 pixels), quadrant (2×2) or sextant (2×3).")
    var symbols: String = "sextant"

    @Option(help: "Colour mode: truecolor, 256 or none (default: from NO_COLOR / COLORTERM).")
    var color: String?

    @Option(help: """
        Image encoding: auto, kitty, sixel, iterm2 or blocks (default: $ENHANCE_GRAPHICS, else auto: \
        detected when standard output is a terminal, blocks otherwise).
        """)
    var graphics: String?

    @Flag(help: "Ordered dither for sixel output.")
    var dither = false

    @OptionGroup var models: ModelOptions

    func validate() throws {
        guard method == "none" || Method(rawValue: method) != nil else {
            throw ValidationError("--method must be none, bicubic, psnr, gan or blend, got \(method)")
        }
        guard ["half", "quadrant", "sextant"].contains(symbols) else {
            throw ValidationError("--symbols must be half, quadrant or sextant, got \(symbols)")
        }
        if let c = color, ColorMode(option: c) == nil {
            throw ValidationError("--color must be truecolor, 256 or none, got \(c)")
        }
        if let g = graphics, GraphicsChoice(g) == nil {
            throw ValidationError("--graphics must be auto, kitty, sixel, iterm2 or blocks, got \(g)")
        }
        if let w = width, !(4...2000).contains(w) { throw ValidationError("--width must be 4…2000") }
    }

    func run() throws {
        var image = try ImageFile.read(path: input)
        let env = ProcessInfo.processInfo.environment
        let columns = width ?? Int(env["COLUMNS"] ?? "") ?? 80
        let gfx = graphicsToUse(env)
        let set: SymbolSet = symbols == "half" ? .halfBlock : (symbols == "quadrant" ? .quadrant : .sextant)
        if let m = Method(rawValue: method) {
            let upscaler = try models.upscaler(for: m, bicubicScale: 4)
            let shown = shownPixels(image, columns: columns, gfx: gfx, symbols: set, scale: upscaler.scale)
            image = try upscaleForDisplay(image, with: upscaler, shown: shown)
        }
        if gfx.decision.kind.isPixels {
            try pixels(image, columns: columns, gfx: gfx)
            return
        }
        let mode = ColorMode.resolve(option: color, environment: env)
        // Terminal cells are about twice as tall as wide.
        let rows = max(1, Int((Double(columns) * Double(image.height) / Double(image.width) / 2).rounded()))
        let grid = BlockRenderer.render(image, x: 0, y: 0, width: Double(image.width), height: Double(image.height),
                                        columns: columns, rows: rows, symbols: set, mode: mode)
        let out = ANSIWriter.lines(grid, mode: mode)
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// The pixels (width, height) the preview draws of the ×`scale` result of `image`: `columns`
    /// cells of `symbols` sub-pixels (cells are about twice as tall as wide), or with a graphics
    /// protocol `columns` cells of the terminal's cell width, never more than the result has.
    func shownPixels(_ image: Image, columns: Int, gfx: TerminalGraphics, symbols: SymbolSet,
                     scale: Int) -> (width: Int, height: Int) {
        let outW = Double(image.width * scale), outH = Double(image.height * scale)
        if gfx.decision.kind.isPixels {
            let w = min(outW, Double(columns * (gfx.cellPixels?.width ?? 10)))
            return (Int(w), Int((outH * w / outW).rounded(.up)))
        }
        let rows = max(1, Int((Double(columns) * outH / outW / 2).rounded()))
        return (min(Int(outW), columns * symbols.columns), min(Int(outH), rows * symbols.rows))
    }

    /// The ×scale result of `image` at the resolution the preview shows (the fit view's rule):
    /// the input is first reduced (bicubic, antialiased) to the fewest pixels whose ×scale result
    /// still covers `shown`, so the network computes what is displayed, not the full-size result.
    /// Progress goes to standard error once the work has taken a second.
    func upscaleForDisplay(_ image: Image, with upscaler: Upscaler,
                           shown: (width: Int, height: Int)) throws -> Image {
        let s = Double(upscaler.scale)
        let density = max(Double(shown.width) / (Double(image.width) * s),
                          Double(shown.height) / (Double(image.height) * s))
        var input = image
        if density < 1 {
            let w = max(1, Int((Double(image.width) * density).rounded(.up)))
            let h = max(1, Int((Double(image.height) * density).rounded(.up)))
            input = Resample.bicubic(image, width: w, height: h)
        }
        let start = Date()
        var bar: ProgressBar?
        let out = try upscaler.upscale(input) { f in
            if bar == nil && Date().timeIntervalSince(start) >= 1 { bar = ProgressBar(totalWork: 1, files: 1) }
            bar?.update(file: f, done: f, index: 0, name: self.input)
        }
        bar?.finish()
        return out
    }

    /// A fixed choice is used as given (also into files and pipes); `auto` queries the terminal
    /// only when standard output is one.
    func graphicsToUse(_ env: [String: String]) -> TerminalGraphics {
        let choice = GraphicsChoice.resolve(option: graphics, environment: env)
        if choice == .auto && isatty(STDOUT_FILENO) == 0 {
            return TerminalGraphics.blocks(environment: env)
        }
        return TerminalGraphics.detect(option: graphics, environment: env)
    }

    /// The image at one pixel per screen pixel, reduced (area average) when wider than
    /// `columns` cells of the terminal's cell width.
    func pixels(_ image: Image, columns: Int, gfx: TerminalGraphics) throws {
        let cell = gfx.cellPixels?.width ?? 10
        let w = min(image.width, columns * cell)
        let h = max(1, Int((Double(image.height) * Double(w) / Double(image.width)).rounded()))
        let grid = PixelGrid.sample(image, x: 0, y: 0, width: Double(image.width), height: Double(image.height),
                                    toWidth: w, height: h)
        var enc = gfx.encoder
        enc.dither = dither
        FileHandle.standardOutput.write(Data(enc.inline(RGBImage(grid))))
    }
}
