import EnhanceImaging
import EnhanceTerminal

public enum Screen: Sendable, Equatable { case browser, preview }

/// The export dialog / job.
public enum ExportPhase: Equatable, Sendable {
    /// Editing the destination path.
    case prompt(text: String)
    /// Waiting for the existence check of `path`.
    case checking(path: String)
    /// `path` exists: waiting for y/n.
    case confirmOverwrite(path: String)
    case running(path: String, fraction: Double, elapsed: Double)
}

/// The whole UI state. Pure data: ``update(_:_:)`` and ``view(_:)`` are functions of it.
public struct AppState: Equatable, Sendable {
    public var columns: Int
    public var rows: Int
    public var screen: Screen = .browser
    public var browser: BrowserState
    public var preview: PreviewState?
    public var showHelp = false
    /// The pair picker, while open.
    public var picker: PairPicker?
    public var export: ExportPhase?
    /// One-line message in the status bar (info or error).
    public var status: String?
    public var quitting = false
    public var colorMode: ColorMode
    /// How pane images are drawn; ``GraphicsProtocol/blocks`` unless a protocol was detected or chosen.
    public var graphics: GraphicsProtocol = .blocks
    /// The terminal's cell size in pixels (nil = unknown: ``CellPixels/fallback`` with a protocol).
    public var cellPixels: CellPixels?
    /// Why pixels are not used although asked for or detected (e.g. tmux passthrough off).
    public var graphicsNote: String?
    /// Engine facts shown in the status line.
    public var scale: Int
    public var modelNames: String
    /// The pair in use as a file-name part, e.g. `enhance-rrdb-x4` (``pairLabel(psnr:gan:)``).
    public var pairName = ""
    /// Where exports go by default (the working directory); a relative path typed in the export
    /// dialog is taken from here too.
    public var exportFolder = "."
    /// The method and α every opened image starts with (`--method`, `--alpha`).
    public var startMethod: Method = .blend
    public var startAlpha: Float = 0.5
    /// Pending α jump: `a` was pressed and a digit is expected.
    public var awaitingAlphaDigit = false
    /// Name to select once the pending listing arrives (after going up).
    public var selectAfterListing: String?
    var nextJob = 1

    public init(columns: Int, rows: Int, directory: String, scale: Int = 4, modelNames: String = "",
                colorMode: ColorMode = .trueColor, showHidden: Bool = false) {
        self.columns = columns
        self.rows = rows
        browser = BrowserState(directory: directory, showHidden: showHidden)
        self.scale = scale
        self.modelNames = modelNames
        self.colorMode = colorMode
    }

    /// Pixels per cell when a graphics protocol draws the panes; nil for block characters.
    var pixelCells: CellPixels? { graphics.isPixels ? (cellPixels ?? .fallback) : nil }

    /// Rows available to the browser list / preview panes (everything but the status line).
    var bodyRows: Int { max(rows - 1, 0) }
}

/// The initial state and effects for `path` (nil = current directory; a file opens it directly),
/// with `options` applied: hidden files, and the method and α each opened image starts with.
/// `models` are the engine's model names (``PreviewEngine/modelNames``).
public func initialState(path: String?, isDirectory: Bool, columns: Int, rows: Int, scale: Int,
                         models: (psnr: String, gan: String), runtimes: (psnr: String, gan: String) = ("", ""),
                         colorMode: ColorMode, options: TUIOptions = TUIOptions()) -> (AppState, [Effect]) {
    let p = path ?? "."
    let dir = isDirectory ? p : parentPath(p)
    var s = AppState(columns: columns, rows: rows, directory: dir, scale: scale, colorMode: colorMode,
                     showHidden: options.showHidden)
    setModels(&s, models, runtimes: runtimes)
    s.exportFolder = options.exportFolder ?? "."
    s.startMethod = options.method
    s.startAlpha = min(max((options.alpha * 100).rounded() / 100, 0), 1)
    var fx: [Effect] = [.listDirectory(path: dir)]
    if !isDirectory {
        s.status = "loading \(p)…"
        fx.append(.load(path: p))
    }
    return (s, fx)
}

/// Shows `names` as the models in use (status line), each followed by how it runs when that is
/// told (`runtimes`, e.g. `PSNR a.onnx (onnx → <family> native)`), and names the pair for export
/// file names (from the names alone).
func setModels(_ s: inout AppState, _ names: (psnr: String, gan: String),
               runtimes: (psnr: String, gan: String) = ("", "")) {
    func shown(_ name: String, _ runtime: String) -> String { runtime.isEmpty ? name : "\(name) (\(runtime))" }
    s.modelNames = "PSNR \(shown(names.psnr, runtimes.psnr)) · GAN \(shown(names.gan, runtimes.gan))"
    s.pairName = pairLabel(psnr: names.psnr, gan: names.gan)
}

/// A pair's name for file names, from its two model names (file names or paths): `NAME` for
/// `NAME-psnr.EXT` + `NAME-gan.EXT`, the stem for one checkpoint at both ends, else
/// `PSNRSTEM+GANSTEM`; characters other than letters, digits and `._+-` become `_`. Empty when a
/// model is missing (`—`).
public func pairLabel(psnr: String, gan: String) -> String {
    func stem(_ name: String) -> String {
        var n = String(name.split(separator: "/").last ?? "")
        if let dot = n.lastIndex(of: "."), dot != n.startIndex { n = String(n[..<dot]) }
        return n
    }
    guard psnr != "—", gan != "—" else { return "" }
    let a = stem(psnr), b = stem(gan)
    let label: String
    if a.hasSuffix("-psnr") && b.hasSuffix("-gan") && a.dropLast(5) == b.dropLast(4) {
        label = String(a.dropLast(5))
    } else {
        label = a == b ? a : a + "+" + b
    }
    return String(label.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._+-".contains($0)) ? $0 : "_" })
}
