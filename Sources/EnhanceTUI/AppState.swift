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
public func initialState(path: String?, isDirectory: Bool, columns: Int, rows: Int, scale: Int,
                         modelNames: String, colorMode: ColorMode,
                         options: TUIOptions = TUIOptions()) -> (AppState, [Effect]) {
    let p = path ?? "."
    let dir = isDirectory ? p : parentPath(p)
    var s = AppState(columns: columns, rows: rows, directory: dir, scale: scale, modelNames: modelNames,
                     colorMode: colorMode, showHidden: options.showHidden)
    s.startMethod = options.method
    s.startAlpha = min(max((options.alpha * 100).rounded() / 100, 0), 1)
    var fx: [Effect] = [.listDirectory(path: dir)]
    if !isDirectory {
        s.status = "loading \(p)…"
        fx.append(.load(path: p))
    }
    return (s, fx)
}
