import EnhanceImaging

/// The four things that can be shown; `blend` uses the current α.
public enum Slot: Int, CaseIterable, Sendable {
    case bicubic, psnr, gan, blend

    public func method(alpha: Float) -> PreviewMethod {
        switch self {
        case .bicubic: return .bicubic
        case .psnr: return .psnr
        case .gan: return .gan
        case .blend: return .blend(alpha: alpha)
        }
    }

    public var title: String { ["bicubic", "PSNR", "GAN", "blend"][rawValue] }
}

/// Cache key: a method with α rounded to hundredths.
public struct MethodKey: Hashable, Sendable {
    public var slot: Slot
    public var alphaHundredths: Int

    public init(_ slot: Slot, alpha: Float = 0) {
        self.slot = slot
        alphaHundredths = slot == .blend ? Int((alpha * 100).rounded()) : 0
    }

    public var alpha: Float { Float(alphaHundredths) / 100 }
    public var method: PreviewMethod { slot.method(alpha: alpha) }
}

public enum Layout: Int, CaseIterable, Sendable {
    case single, sideBySide, grid, wipe, heatMap, consistency

    public var title: String {
        ["single", "side by side", "2×2 grid", "split wipe", "|GAN−PSNR| heat", "consistency"][rawValue]
    }
}

/// Zoom: `fit` shows the whole image (sextant glyphs); `factor(k)` draws each output pixel as k×k
/// half-cells (upper-half-block glyphs, exact colours).
public enum Zoom: Hashable, Sendable {
    case fit
    case factor(Int)

    public var title: String {
        switch self {
        case .fit: return "fit"
        case .factor(let k): return "\(k):1"
        }
    }

    static let cycle: [Zoom] = [.fit, .factor(1), .factor(2), .factor(4)]
}

/// A running inference.
public struct Job: Equatable, Sendable {
    public var id: Int
    public var region: PixelRect
    public var fraction: Double = 0
}

/// State of the preview screen for one loaded image.
public struct PreviewState: Equatable, Sendable {
    public var path: String
    public var image: Image
    public var primary: Slot = .blend
    public var secondary: Slot = .bicubic
    public var alpha: Float = 0.5
    public var layout: Layout = .single
    public var zoom: Zoom = .fit
    /// View centre in output (upscaled) pixels.
    public var centerX: Double
    public var centerY: Double
    /// Wipe divider position as a fraction of the pane width.
    public var wipe: Double = 0.5
    /// Flicker: show `secondary` instead of `primary` in single layout.
    public var flicker = false
    public var cache: [MethodKey: Tile] = [:]
    public var jobs: [MethodKey: Job] = [:]
    public var lastInferenceSeconds: Double?
    public var error: String?
    /// Consistency diagnostic of the primary method's tile (consistency layout only).
    public var consistency: Consistency?

    public init(path: String, image: Image, scale: Int) {
        self.path = path
        self.image = image
        centerX = Double(image.width * scale) / 2
        centerY = Double(image.height * scale) / 2
    }

    /// Makes `slot` the shown method; choosing the compare method swaps the two, so side-by-side
    /// and wipe layouts never compare a method with itself.
    public mutating func choosePrimary(_ slot: Slot) {
        if slot == secondary { secondary = primary }
        primary = slot
    }

    public var primaryKey: MethodKey { MethodKey(flicker ? secondary : primary, alpha: alpha) }

    public static func == (a: PreviewState, b: PreviewState) -> Bool {
        a.path == b.path && a.image == b.image && a.primary == b.primary && a.secondary == b.secondary
            && a.alpha == b.alpha && a.layout == b.layout && a.zoom == b.zoom && a.centerX == b.centerX
            && a.centerY == b.centerY && a.wipe == b.wipe && a.flicker == b.flicker && a.cache == b.cache
            && a.jobs == b.jobs
            && a.lastInferenceSeconds == b.lastInferenceSeconds && a.error == b.error
            && a.consistency == b.consistency
    }

    /// Cache keys the current layout draws.
    public var neededKeys: [MethodKey] {
        let a = MethodKey(primary, alpha: alpha), b = MethodKey(secondary, alpha: alpha)
        var keys: [MethodKey]
        switch layout {
        case .single: keys = flicker ? [b, a] : [a, b]
        case .sideBySide, .wipe: keys = [a, b]
        case .grid: keys = Slot.allCases.map { MethodKey($0, alpha: alpha) }
        case .heatMap: keys = [MethodKey(.psnr), MethodKey(.gan)]
        case .consistency: keys = [primaryKey]
        }
        if keys.contains(where: { $0.slot == .blend }) { keys += [MethodKey(.psnr), MethodKey(.gan)] }
        // Bicubic first: it is ready almost at once and stands in for network tiles still computing.
        if layout != .heatMap && keys.contains(where: { $0.slot != .bicubic }) { keys.insert(MethodKey(.bicubic), at: 0) }
        var seen = Set<MethodKey>()
        return keys.filter { seen.insert($0).inserted }
    }
}

/// Result downscaled back to input size (box filter over scale×scale) compared with the input.
public struct Consistency: Equatable, Sendable {
    public var key: MethodKey
    public var region: PixelRect
    /// |down(result) − input| (RGB, input pixels of `region`).
    public var diff: Image
    /// PSNR of down(result) against the input over `region`, in dB.
    public var psnr: Double
}
