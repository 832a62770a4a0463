import EnhanceImaging
// Re-exported: engines poll the `CancellationToken` the UI hands them (``PreviewEngine``).
@_exported import EnhanceSync
import Foundation

/// α with two decimals, e.g. `0.35`.
public func formatAlpha(_ a: Float) -> String {
    let h = Int((a * 100).rounded())
    return "\(h / 100).\(h % 100 < 10 ? "0" : "")\(h % 100)"
}

/// An integer pixel rectangle (x, y = top-left; all in pixels of the image it refers to).
public struct PixelRect: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    /// `width * height` in input pixels.
    public var area: Int { width * height }

    /// Whether `other` lies entirely inside this rectangle.
    public func contains(_ other: PixelRect) -> Bool {
        other.x >= x && other.y >= y && other.x + other.width <= x + width && other.y + other.height <= y + height
    }

    public var description: String { "\(width)×\(height)+\(x)+\(y)" }
}

/// Cheap facts about a file recognised as an image by its content (magic bytes), not its name.
public struct ImageProbe: Hashable, Sendable {
    /// e.g. "PNG", "JPEG".
    public var format: String
    public var width: Int
    public var height: Int

    public init(format: String, width: Int, height: Int) {
        self.format = format
        self.width = width
        self.height = height
    }
}

/// A PSNR/GAN pair the picker offers: two checkpoint paths and a display name, and as the engine
/// listed it: whether it is the pair in use, and why it cannot be used.
public struct PairChoice: Hashable, Sendable {
    public var name: String
    public var psnr: String
    public var gan: String
    /// Why the pair (or single checkpoint) cannot be used, e.g. the first mismatching key; nil when
    /// it can, or was not checked.
    public var problem: String?
    /// The engine runs this pair now.
    public var isCurrent: Bool

    public init(name: String, psnr: String, gan: String, problem: String? = nil, isCurrent: Bool = false) {
        self.name = name
        self.psnr = psnr
        self.gan = gan
        self.problem = problem
        self.isCurrent = isCurrent
    }
}

/// The upscaling back end the TUI drives: the core never sees a network. `UpscalerEngine`
/// (EnhanceTUIEngine) adapts the real `Upscaler`; tests use a fake.
///
/// All methods may be called from background threads.
/// The progress value an ``PreviewEngine`` reports while a job waits for a first pass of the image's
/// whole-map statistics (GroupNorm, channel attention): seconds its region's ETA does not foresee.
public let statisticsPending: Double = -1

public protocol PreviewEngine: Sendable {
    /// Upscale factor (4): a region `w × h` of the input becomes `scale·w × scale·h`.
    var scale: Int { get }
    /// Display names of the PSNR and GAN models (status line).
    var modelNames: (psnr: String, gan: String) { get }
    /// How each model runs where that is worth telling, e.g. an ONNX file's `onnx → <family>
    /// native` or `onnx graph` (status line, after its name); empty otherwise.
    var modelRuntimes: (psnr: String, gan: String) { get }
    /// Recognises an image by content; nil when `path` is not a readable image. Must be cheap (header only).
    func probe(path: String) -> ImageProbe?
    /// Decodes the whole image.
    func load(path: String) throws -> Image
    /// Upscales `region` (input pixels, inside the image) of `image` with `method` (α for the
    /// blend), using the engine's interactive context margin (it may be smaller than export's).
    /// The PSNR method must give the blend at α 0 and the GAN method the blend at α 1, pixel for
    /// pixel: the views show one for the other (``MethodKey/samePicture``).
    ///
    /// Returns an image of `scale·region.width × scale·region.height` pixels. Must poll `cancel`
    /// and throw (any error) soon after it is set; `progress` receives fractions in [0, 1], or
    /// ``statisticsPending`` while the job waits for a first pass of the image's whole-map statistics
    /// (work its region's ETA does not cover).
    func upscale(_ image: Image, region: PixelRect, method: Method, alpha: Float, cancel: CancellationToken,
                 progress: @escaping @Sendable (Double) -> Void) throws -> Image
    /// The export's own tiles that meet `region`, computed exactly as ``export`` computes them
    /// (its tile grid and full context margin), returned as one tile whose region is the union of
    /// those tiles' cores (it covers `region`) and marked ``Tile/refined``: a pane showing it
    /// shows exactly the exported pixels. Polls `cancel` like ``upscale``.
    func refine(_ image: Image, region: PixelRect, method: Method, alpha: Float, cancel: CancellationToken,
                progress: @escaping @Sendable (Double) -> Void) throws -> Tile
    /// Upscales all of `image` with `method` into `path` (format by extension), recording how in
    /// its metadata (method, α, model hashes; the input's ICC/EXIF carried). Replaces an existing
    /// file; a failed or cancelled export leaves nothing. Polls `cancel` like ``upscale``.
    func export(_ image: Image, method: Method, alpha: Float, to path: String, cancel: CancellationToken,
                progress: @escaping @Sendable (Double) -> Void) throws
    /// The pairs on offer: the bundled ones and those in the user's model folder (I/O), the one in
    /// use marked, those that cannot be used with their ``PairChoice/problem``.
    func pairs() -> [PairChoice]
    /// Loads `pair` and makes it the one every later call uses; throws (naming the first
    /// mismatching key) when the two are not compatible, keeping the current pair.
    func switchPair(_ pair: PairChoice) throws
}

extension PreviewEngine {
    /// For engines whose ``upscale`` already is what they export: that, marked refined.
    public func refine(_ image: Image, region: PixelRect, method: Method, alpha: Float, cancel: CancellationToken,
                       progress: @escaping @Sendable (Double) -> Void) throws -> Tile {
        Tile(region: region, image: try upscale(image, region: region, method: method, alpha: alpha, cancel: cancel,
                                                progress: progress), refined: true)
    }
}

extension PreviewEngine {
    /// Nothing to tell (engines whose models are not files).
    public var modelRuntimes: (psnr: String, gan: String) { ("", "") }
}

/// Options for the interactive UI: each one the `tui` command accepts takes effect through
/// ``initialState(path:isDirectory:columns:rows:scale:models:runtimes:colorMode:options:)`` (method, α,
/// hidden files, export folder) or `runTUI` (colour, graphics).
public struct TUIOptions: Sendable {
    /// Colour mode override ("truecolor", "256", "none"); nil = detect (NO_COLOR, COLORTERM).
    public var colorMode: String?
    /// Start with hidden files shown in the browser.
    public var showHidden: Bool

    /// `--graphics`: auto, kitty, sixel, iterm2 or blocks; nil = `ENHANCE_GRAPHICS`, else auto.
    public var graphics: String?
    /// The method an opened image is shown with first (`--method`).
    public var method: Method
    /// The blend's α an opened image starts at (`--alpha`, 0…1; kept to hundredths).
    public var alpha: Float
    /// Where exports go by default; nil = the working directory.
    public var exportFolder: String?

    public init(colorMode: String? = nil, showHidden: Bool = false, graphics: String? = nil,
                method: Method = .blend, alpha: Float = 0.5, exportFolder: String? = nil) {
        self.colorMode = colorMode
        self.graphics = graphics
        self.showHidden = showHidden
        self.method = method
        self.alpha = alpha
        self.exportFolder = exportFolder
    }
}
