import Dispatch
import EnhanceTerminal
import EnhanceTUI
import Foundation

/// Runs the interactive UI until the user quits (q), or SIGINT/SIGTERM arrives.
///
/// `path`: a directory to browse, an image to open, or nil for the current directory. The
/// terminal is restored on every exit path (quit, signal, thrown error). Colour: `options.colorMode`
/// ("truecolor", "256", "none") or, when nil, NO_COLOR → none, COLORTERM truecolor/24bit →
/// truecolor, else 256 colours. Pane images: `options.graphics` (see ``TerminalGraphics/detect``).
public func runTUI(path: String?, engine: any PreviewEngine, options: TUIOptions = TUIOptions()) throws {
    var isDir: ObjCBool = true
    if let path, !FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
        throw TerminalError(description: "\(path): no such file or directory")
    }
    let env = ProcessInfo.processInfo.environment
    let mode = ColorMode.resolve(option: options.colorMode, environment: env)
    // Queried before ncurses owns the terminal, so replies cannot reach the UI as keys.
    let gfx = isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
        ? TerminalGraphics.detect(option: options.graphics, environment: env)
        : TerminalGraphics.blocks(environment: env)
    CrashGuard.install()
    defer { CrashGuard.uninstall() }
    let backend = try NcursesBackend(colorMode: mode, graphics: gfx.encoder, cellPixels: gfx.cellPixels)
    defer { backend.shutdown() }
    let queue = MessageQueue()
    // Signals become messages so the loop exits normally and the terminal is restored.
    var sources: [DispatchSourceSignal] = []
    for sig in [SIGINT, SIGTERM, SIGHUP] {
        signal(sig, SIG_IGN)
        let src = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        src.setEventHandler { queue.post(.interrupt) }
        src.resume()
        sources.append(src)
    }
    defer {
        for s in sources { s.cancel() }
        for sig in [SIGINT, SIGTERM, SIGHUP] { signal(sig, SIG_DFL) }
    }
    let size = backend.size
    var options = options
    options.exportFolder = options.exportFolder ?? FileManager.default.currentDirectoryPath
    let initial = initialState(path: path, isDirectory: path == nil || isDir.boolValue, columns: size.columns,
                               rows: size.rows, scale: engine.scale, models: engine.modelNames,
                               runtimes: engine.modelRuntimes, colorMode: mode,
                               options: options)
    var start = initial
    start.0.graphics = gfx.decision.kind
    start.0.cellPixels = gfx.cellPixels
    start.0.graphicsNote = gfx.decision.note
    runEventLoop(backend: backend, engine: engine, initial: start, queue: queue)
}
