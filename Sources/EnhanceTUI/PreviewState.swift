import EnhanceImaging

extension Method {
    /// The next method in `bicubic, PSNR, GAN, blend` order (wrapping).
    var next: Method {
        let all = Method.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// A method and, for the blend, its α rounded to hundredths: what a pane shows, a cache key.
public struct MethodKey: Hashable, Sendable, CustomStringConvertible {
    public var method: Method
    /// α × 100 for the blend, 0 otherwise.
    public var alphaHundredths: Int

    /// `method` at `alpha` (ignored unless the blend), rounded to hundredths.
    public init(_ method: Method, alpha: Float = 0) {
        self.method = method
        alphaHundredths = method == .blend ? Int((alpha * 100).rounded()) : 0
    }

    /// The blend's α (0 for the other methods).
    public var alpha: Float { Float(alphaHundredths) / 100 }

    /// "bicubic", "PSNR", "GAN" or "blend α=0.35".
    public var description: String { method == .blend ? "blend α=\(formatAlpha(alpha))" : method.title }

    /// The key whose pixels are the same as this one's: the PSNR network is the blend at α 0 and the
    /// GAN network the blend at α 1 (``PreviewEngine`` runs the ends so), and the reverse.
    public var samePicture: MethodKey? {
        switch (method, alphaHundredths) {
        case (.psnr, _): MethodKey(.blend, alpha: 0)
        case (.gan, _): MethodKey(.blend, alpha: 1)
        case (.blend, 0): MethodKey(.psnr)
        case (.blend, 100): MethodKey(.gan)
        default: nil
        }
    }

    /// Short stable name (file names): "bicubic", "psnr", "gan", "blend0.35".
    public var slug: String { method == .blend ? "blend" + formatAlpha(alpha) : method.rawValue }
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

/// Scheduling order of background inference: lower runs first, and preempts higher.
public enum Priority: Int, Comparable, Sendable {
    /// What is on screen at the current α (at fit: the whole-image tiles).
    case visible
    /// The visible region at the α ladder's values.
    case ladder
    /// The view recomputed on the export's own tiles with its full margin (equal to the export).
    case refine
    /// Off-screen context in the pan direction.
    case prefetch

    public static func < (a: Priority, b: Priority) -> Bool { a.rawValue < b.rawValue }
}

/// A requested inference.
public struct Job: Equatable, Sendable {
    /// The id of its ``Effect/infer(job:image:key:region:density:priority:)``.
    public var id: Int
    /// What is inferred, where (input pixels), and how urgently.
    public var key: MethodKey
    public var region: PixelRect
    public var priority: Priority
    /// Stored pixels per output pixel its tile will have (below 1 at fit).
    public var density: Double = 1
    /// Progress reported so far, 0…1, or ``statisticsPending``.
    public var fraction: Double = 0
}

/// The α values computed in the background for the visible region once the current α is shown.
public let alphaLadder: [Int] = Array(stride(from: 0, through: 100, by: 10))

/// State of the preview screen for one loaded image.
public struct PreviewState: Equatable, Sendable {
    public var path: String
    public var image: Image
    public var primary: Method = .blend
    public var secondary: Method = .bicubic
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
    /// The α filmstrip is shown instead of the panes.
    public var filmstrip = false
    /// Direction of the last pan (−1, 0, 1 per axis): where prefetch looks.
    public var panX = 0
    public var panY = 0
    public var cache = TileCache()
    /// Requested inferences by job id.
    public var jobs: [Int: Job] = [:]
    public var lastInferenceSeconds: Double?
    /// Seconds per input pixel of the current pair's networks, from its largest finished job
    /// (`timedArea` input pixels): the ETAs. Reset when the pair changes.
    public var pixelSeconds: Double?
    public var timedArea = 0
    /// The last three seconds-per-pixel of jobs of `timedArea`: ``pixelSeconds`` is their (lower) median,
    /// so one job slowed by a busy machine does not flip the next view into pieces.
    public var pixelSecondsSamples: [Double] = []
    public var error: String?
    /// Consistency diagnostic of the primary method's tile (consistency layout only).
    public var consistency: Consistency?
    /// The consistency measurement requested and not yet back (key and region).
    var consistencyPending: Consistency.Request?
    /// The request the shown ``consistency`` answered.
    var consistencyMeasured: Consistency.Request?

    public init(path: String, image: Image, scale: Int) {
        self.path = path
        self.image = image
        centerX = Double(image.width * scale) / 2
        centerY = Double(image.height * scale) / 2
    }

    /// Makes `method` the shown one; choosing the compare method swaps the two, so side-by-side
    /// and wipe layouts never compare a method with itself.
    public mutating func choosePrimary(_ method: Method) {
        if method == secondary { secondary = primary }
        primary = method
    }

    public var primaryKey: MethodKey { MethodKey(flicker ? secondary : primary, alpha: alpha) }

    /// Cache keys the current layout draws (bicubic first: it stands in for network results).
    public var neededKeys: [MethodKey] {
        let a = MethodKey(primary, alpha: alpha), b = MethodKey(secondary, alpha: alpha)
        var keys: [MethodKey]
        switch layout {
        case .single: keys = flicker ? [b, a] : [a, b]
        case .sideBySide, .wipe: keys = [a, b]
        case .grid: keys = Method.allCases.map { MethodKey($0, alpha: alpha) }
        case .heatMap: keys = [MethodKey(.psnr), MethodKey(.gan)]
        case .consistency: keys = [primaryKey]
        }
        if layout != .heatMap && keys.contains(where: { $0.method.isNetwork }) {
            keys.insert(MethodKey(.bicubic), at: 0)
        }
        var seen = Set<MethodKey>()
        return keys.filter { seen.insert($0).inserted }
    }

    /// Whether the blend at α is among the shown methods (the α ladder is then worth computing).
    var showsBlend: Bool { filmstrip || neededKeys.contains { $0.method == .blend } }

    /// Running or queued jobs for `key`.
    func jobs(for key: MethodKey) -> [Job] { jobs.values.filter { $0.key == key }.sorted { $0.id < $1.id } }
}

/// Result downscaled back to input size (box filter over scale×scale) compared with the input.
public struct Consistency: Equatable, Sendable {
    /// What a measurement is of: the method and the region of its tile.
    struct Request: Equatable, Sendable {
        var key: MethodKey
        var region: PixelRect
        /// The tiles it is computed from (regions, and whether refined).
        var tiles: [PixelRect]
        var refined: [Bool]
    }

    public var key: MethodKey
    public var region: PixelRect
    /// |down(result) − input| (RGB, input pixels of `region`).
    public var diff: Image
    /// PSNR of down(result) against the input over `region`, in dB.
    public var psnr: Double
}
