import EnhanceImaging
import EnhanceNetworks
import EnhanceTUI
import Foundation

/// The real ``PreviewEngine``: bicubic, the PSNR model, the GAN model and their weight blend at α,
/// all through `Upscaler` (tiled, region-capable, cancellable) and exported through `Exporter`
/// (streamed, atomic). Either model may be missing, or both (bicubic only); their methods then
/// fail with a one-line error and the rest keeps working. The pair can be switched while running.
///
/// Previews use a context margin of ``interactiveContext`` input pixels around the visible region
/// (export uses the full tile margin, exact): the seam error this allows is measured by
/// `enhance bench --tui-latency` (`seam_max_abs_error`).
public final class UpscalerEngine: PreviewEngine, @unchecked Sendable {
    /// The pair in use: both models (either may be nil) and, with both, the blender.
    private struct Pair {
        var psnr: LoadedModel?
        var gan: LoadedModel?
        var blender: ModelBlender?
    }

    public let options: UpscaleOptions
    public let scale: Int
    /// Context margin of preview regions, in input pixels (nil: the export margin).
    public let interactiveContext: Int?
    /// Where the picker looks for checkpoints besides the bundled Models/ folders.
    public let modelFolders: [String]
    private let load: @Sendable (String) throws -> LoadedModel
    private let lock = NSLock()
    private var pair: Pair
    /// The checkpoint files of the pair in use, when known (the picker marks it).
    private var pairPaths: (psnr: String, gan: String)?
    private var upscalers: [String: Upscaler] = [:]
    private var blendOrder: [String] = []
    /// Blended networks kept (each RRDBNet-23 blend holds ~270 MB of prepared weights).
    private let blendsKept = 2

    /// Refuses an incompatible pair (the error names the first mismatching key). `load` reads the
    /// checkpoints of a pair chosen in the picker; `modelFolders` are where the picker looks;
    /// `paths` are the files `psnr` and `gan` came from (the picker marks that pair as in use).
    public init(psnr: LoadedModel?, gan: LoadedModel?, options: UpscaleOptions = UpscaleOptions(),
                interactiveContext: Int? = 8, modelFolders: [String] = [], paths: (psnr: String, gan: String)? = nil,
                load: @escaping @Sendable (String) throws -> LoadedModel = { try ModelLoader.load(path: $0) }) throws {
        self.options = options
        pairPaths = paths
        self.interactiveContext = interactiveContext
        self.modelFolders = modelFolders
        self.load = load
        scale = psnr?.scale ?? gan?.scale ?? 4
        pair = try Self.makePair(psnr, gan, threads: options.threads)
    }

    private static func makePair(_ psnr: LoadedModel?, _ gan: LoadedModel?, threads: Int) throws -> Pair {
        let blender = try psnr.flatMap { p in try gan.map { try ModelBlender(psnr: p, gan: $0, threads: threads) } }
        return Pair(psnr: psnr, gan: gan, blender: blender)
    }

    public var modelNames: (psnr: String, gan: String) {
        lock.lock(); defer { lock.unlock() }
        return (pair.psnr?.name ?? "—", pair.gan?.name ?? "—")
    }

    /// The blender of the current pair (nil unless both models are loaded).
    public var blender: ModelBlender? {
        lock.lock(); defer { lock.unlock() }
        return pair.blender
    }

    /// A one-line error for a method whose model is not loaded.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    public func probe(path: String) -> ImageProbe? {
        guard ImageFile.sniff(path: path) != nil, let info = try? ImageFile.info(path: path) else { return nil }
        return ImageProbe(format: info.format.rawValue.uppercased(), width: info.width, height: info.height)
    }

    public func load(path: String) throws -> Image { try ImageFile.read(path: path) }

    /// The (cached) upscaler for `method` at `alpha`; blends keep the ``blendsKept`` most recently
    /// used α (a preempted ladder job that resumes finds its network still built).
    public func upscaler(for method: Method, alpha: Float) throws -> Upscaler {
        let key = method == .blend ? "blend" + formatAlpha(alpha) : method.rawValue
        lock.lock()
        if let u = upscalers[key] {
            if let i = blendOrder.firstIndex(of: key) { blendOrder.append(blendOrder.remove(at: i)) }
            lock.unlock()
            return u
        }
        let pair = self.pair
        lock.unlock()
        let u: Upscaler
        switch method {
        case .bicubic: u = try Upscaler(.bicubic(scale: Double(scale)), options: options)
        case .psnr:
            guard let psnr = pair.psnr else { throw Unavailable(description: "no PSNR model loaded") }
            u = try Upscaler(.model(psnr, role: .psnr), options: options)
        case .gan:
            guard let gan = pair.gan else { throw Unavailable(description: "no GAN model loaded") }
            u = try Upscaler(.model(gan, role: .gan), options: options)
        case .blend:
            guard let b = pair.blender else { throw Unavailable(description: "blending needs both models") }
            u = try Upscaler(.blend(b, alpha: alpha), options: options)
        }
        lock.lock()
        defer { lock.unlock() }
        guard self.pair.blender === pair.blender, self.pair.psnr?.name == pair.psnr?.name else { return u }
        upscalers[key] = u
        if method == .blend {
            blendOrder.append(key)
            if blendOrder.count > blendsKept { upscalers[blendOrder.removeFirst()] = nil }
        }
        return u
    }

    public func upscale(_ image: Image, region: PixelRect, method: Method, alpha: Float, cancel: CancelFlag,
                        progress: @escaping @Sendable (Double) -> Void) throws -> Image {
        let token = CancellationToken()
        cancel.onCancel { token.cancel() }
        let u = try upscaler(for: method, alpha: alpha)
        try token.check()
        var ctx: Int?
        if let net = u.network, let c = interactiveContext { ctx = min(c, options.margin(for: net)) }
        return try u.upscaleRegion(image, x: region.x, y: region.y, width: region.width, height: region.height,
                                   context: ctx, progress: progress, cancel: token)
    }

    public func export(_ image: Image, method: Method, alpha: Float, to path: String, cancel: CancelFlag,
                       progress: @escaping @Sendable (Double) -> Void) throws {
        let token = CancellationToken()
        cancel.onCancel { token.cancel() }
        try Exporter.export(image, with: try upscaler(for: method, alpha: alpha), to: path,
                            settings: ExportSettings(overwrite: true), progress: progress, cancel: token)
    }

    public func pairs() -> [PairChoice] {
        lock.lock()
        let current = pairPaths.map { (Self.resolved($0.psnr), Self.resolved($0.gan)) }
        lock.unlock()
        return PairCatalog.checked(PairCatalog.list(folders: modelFolders), scale: scale).map { c in
            var c = c
            c.isCurrent = current.map { Self.resolved(c.psnr) == $0.0 && Self.resolved(c.gan) == $0.1 } ?? false
            return c
        }
    }

    /// `path` absolute, standardised, symbolic links resolved (two spellings of one file compare equal).
    private static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    public func switchPair(_ choice: PairChoice) throws {
        let psnr = try load(choice.psnr), gan = try load(choice.gan)
        let next = try Self.makePair(psnr, gan, threads: options.threads)
        guard psnr.scale == scale else {
            throw Unavailable(description: "\(psnr.name) upscales ×\(psnr.scale); this session is ×\(scale)")
        }
        lock.lock()
        pair = next
        pairPaths = (choice.psnr, choice.gan)
        upscalers = [:]
        blendOrder = []
        lock.unlock()
    }
}
