import EnhanceImaging

/// A key press, already decoded by the backend.
public enum Key: Hashable, Sendable {
    case char(Character)
    case up, down, left, right
    case shiftLeft, shiftRight
    case enter, backspace, escape, tab, backTab
    case pageUp, pageDown, home, end
}

/// An upscaled crop: `image` is `region` (input pixels) upscaled by the engine's scale — at full
/// resolution (`scale·region` pixels) or, for large fit-to-screen previews, box-reduced to fewer
/// pixels (see ``density``).
public struct Tile: Equatable, Sendable {
    public var region: PixelRect
    public var image: Image
    /// Computed with the export's full context margin on one of the export's own tiles
    /// (``PreviewEngine/exportTiles(method:width:height:)``): equal to the exported pixels there.
    public var refined: Bool

    public init(region: PixelRect, image: Image, refined: Bool = false) {
        self.region = region
        self.image = image
        self.refined = refined
    }

    /// Stored pixels per output pixel (1 = full resolution), the smaller of the two axes.
    public func density(scale: Int) -> Double {
        min(Double(image.width) / Double(max(region.width * scale, 1)),
            Double(image.height) / Double(max(region.height * scale, 1)))
    }
}

/// Everything that can happen to the UI.
public enum Msg: Sendable {
    case key(Key)
    case resize(columns: Int, rows: Int)
    /// The terminal's cell size in pixels changed (font or window change; graphics geometry).
    case cellPixels(CellPixels)
    /// The mouse moved `columns` × `rows` cells with its button held (drag to pan the preview).
    case drag(columns: Int, rows: Int)
    case listed(directory: String, entries: [DirEntry], error: String?)
    case loaded(path: String, image: Image?, error: String?)
    case inferProgress(job: Int, fraction: Double)
    case inferDone(job: Int, tile: Tile, seconds: Double)
    case inferFailed(job: Int, message: String)
    case consistencyMeasured(Consistency)
    case pairsListed([PairChoice])
    /// The engine now runs `names`, which run as `runtimes` (``PreviewEngine/modelRuntimes``); nil
    /// and `error` when the switch was refused.
    case pairSwitched(names: (psnr: String, gan: String)?, runtimes: (psnr: String, gan: String) = ("", ""),
                      error: String?)
    case existsChecked(path: String, exists: Bool)
    case exportProgress(fraction: Double, elapsed: Double)
    case exportFinished(path: String, seconds: Double)
    case exportFailed(message: String)
    /// SIGINT/SIGTERM or a fatal backend condition: cancel everything and quit.
    case interrupt
}

/// Work the runtime performs on the UI's behalf; results come back as ``Msg``s.
public enum Effect: Equatable, Sendable {
    case listDirectory(path: String)
    case load(path: String)
    /// Upscale `region` with `key` at `priority`; the result is box-reduced to `density` stored
    /// pixels per output pixel when that is below 1 (fit-to-screen views).
    case infer(job: Int, image: Image, key: MethodKey, region: PixelRect, density: Double, priority: Priority)
    case cancel(job: Int)
    /// Measure the consistency of `tile` against `input` (heavy: runs off the UI thread).
    case measureConsistency(tiles: [Tile], view: PixelRect, input: Image, key: MethodKey)
    case listPairs
    case switchPair(PairChoice)
    case checkExists(path: String)
    /// Full-resolution upscale of `image`, written atomically (temp file + rename) to `path`.
    case export(image: Image, key: MethodKey, path: String)
    case cancelExport
    case quit
}
