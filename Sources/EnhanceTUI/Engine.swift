import EnhanceImaging
import EnhanceNetworks
import Foundation

/// What produces an upscaled preview.
public enum PreviewMethod: Hashable, Sendable, CustomStringConvertible {
    case bicubic
    case psnr
    case gan
    /// Weight-space blend θ = (1−α)·θ_PSNR + α·θ_GAN, α in [0, 1].
    case blend(alpha: Float)

    public var description: String {
        switch self {
        case .bicubic: return "bicubic"
        case .psnr: return "PSNR"
        case .gan: return "GAN"
        case .blend(let a): return "blend α=" + formatAlpha(a)
        }
    }

    /// Short stable name (for file names and PNG text chunks).
    public var slug: String {
        switch self {
        case .bicubic: return "bicubic"
        case .psnr: return "psnr"
        case .gan: return "gan"
        case .blend(let a): return "blend" + formatAlpha(a)
        }
    }
}

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

/// The cancellation flag shared between the UI and a background job: the networks' token, so the
/// UI's cancel reaches the running network directly (checked between tiles and blocks).
public typealias CancelFlag = CancellationToken

/// The upscaling back end the TUI drives. The lead adapts the real `Upscaler` to it; tests use a fake.
///
/// All methods may be called from background threads.
public protocol PreviewEngine: Sendable {
    /// Upscale factor (4): a region `w × h` of the input becomes `scale·w × scale·h`.
    var scale: Int { get }
    /// Display names of the PSNR and GAN models (status line).
    var modelNames: (psnr: String, gan: String) { get }
    /// Recognises an image by content; nil when `path` is not a readable image. Must be cheap (header only).
    func probe(path: String) -> ImageProbe?
    /// Decodes the whole image.
    func load(path: String) throws -> Image
    /// Upscales `region` (input pixels, inside the image) of `image` with `method`.
    ///
    /// Returns an image of `scale·region.width × scale·region.height` pixels. Must poll `cancel`
    /// and throw (any error) soon after it is set; `progress` receives fractions in [0, 1].
    func upscale(_ image: Image, region: PixelRect, method: PreviewMethod, cancel: CancelFlag,
                 progress: @escaping @Sendable (Double) -> Void) throws -> Image
    /// Upscales all of `image` with `method` into `path` (format by extension), recording how in
    /// its metadata (method, α, model hashes; the input's ICC/EXIF carried). Replaces an existing
    /// file; a failed or cancelled export leaves nothing. Polls `cancel` like ``upscale``.
    func export(_ image: Image, method: PreviewMethod, to path: String, cancel: CancelFlag,
                progress: @escaping @Sendable (Double) -> Void) throws
}

/// Options for the interactive UI.
public struct TUIOptions: Sendable {
    /// Colour mode override ("truecolor", "256", "none"); nil = detect (NO_COLOR, COLORTERM).
    public var colorMode: String?
    /// Start with hidden files shown in the browser.
    public var showHidden: Bool

    /// `--graphics`: auto, kitty, sixel, iterm2 or blocks; nil = `ENHANCE_GRAPHICS`, else auto.
    public var graphics: String?

    public init(colorMode: String? = nil, showHidden: Bool = false, graphics: String? = nil) {
        self.colorMode = colorMode
        self.graphics = graphics
        self.showHidden = showHidden
    }
}
