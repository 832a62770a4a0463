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

    public init(region: PixelRect, image: Image) {
        self.region = region
        self.image = image
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
    /// Upscale `region`; when the result exceeds ``reduceAbovePixels`` it may be box-reduced to
    /// `density` stored pixels per output pixel (< 1 only for fit-to-screen views).
    case infer(job: Int, image: Image, method: PreviewMethod, region: PixelRect, density: Double)
    case cancel(job: Int)
    case checkExists(path: String)
    /// Full-resolution upscale of `image`, written atomically (temp file + rename) to `path`.
    case export(image: Image, method: PreviewMethod, path: String)
    case cancelExport
    case quit
}
