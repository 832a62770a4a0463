import EnhanceImaging
import EnhanceNetworks
import EnhanceTensor
import EnhanceTUI
import Foundation

#if os(Linux)
/// glibc's `malloc_trim` (declared in <malloc.h>, which the Glibc module does not export).
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32
#endif

/// The real ``PreviewEngine``: bicubic, the PSNR model, the GAN model and their weight blend at α,
/// all through `Upscaler` (tiled, region-capable, cancellable) and exported through `Exporter`
/// (streamed, atomic). Either model may be missing, or both (bicubic only); their methods then
/// fail with a one-line error and the rest keeps working. The pair can be switched while running.
///
/// Previews use a context margin of ``interactiveContext`` input pixels around the visible region
/// (export uses the full tile margin, exact): the seam error this allows is measured by
/// `enhance bench --tui-latency` (`seam_max_abs_error`). A network with whole-map statistics
/// (GroupNorm, channel means) gets its statistics once per image and method/α
/// (``Upscaler/statistics(of:cancel:node:)``: a blend's from the first passes at α 0, ½ and 1),
/// replayed by every view, refinement and export of that image, so previews show what the export
/// writes.
public final class UpscalerEngine: PreviewEngine, @unchecked Sendable {
    /// The pair in use: both models (either may be nil) and, with both, the blender.
    struct Pair {
        var psnr: LoadedModel?
        var gan: LoadedModel?
        var blender: ModelBlender?

        /// Whether a replaced network frees enough prepared kernels to hand the pages back at once
        /// (RealESRGAN_x4plus: ~270 MB a blend). Below that the trim costs more than it returns:
        /// the default pair's next α re-faults the freed activations, ~35 ms of a 0.2 s view on
        /// 2 AVX2 cores.
        var trimsAfterSwitch: Bool {
            ((psnr ?? gan)?.detected.modelDescription.preparedKernelBytes ?? 0) > UpscalerEngine.compactKernelsAbove
        }
    }

    public let options: UpscaleOptions
    public let scale: Int
    /// Context margin of preview regions, in input pixels (nil: the export margin).
    public let interactiveContext: Int?
    /// Where the picker looks for checkpoints besides the bundled Models/ folders.
    public let modelFolders: [String]
    private let load: @Sendable (String) throws -> LoadedModel
    /// What switching pairs and choosing upscalers change, behind one lock.
    struct State {
        var pair: Pair
        /// The checkpoint files of the pair in use, when known (the picker marks it).
        var pairPaths: (psnr: String, gan: String)?
        /// The bicubic upscaler and the one network upscaler kept (the most recently used
        /// method/α): a RealESRGAN_x4plus-sized network holds ~474 MB of prepared kernels, so
        /// only one set lives at a time besides the ends' raw weights (a new method or α
        /// re-prepares: blend, then transform).
        var bicubic: Upscaler?
        var current: Kept?
        /// The current image's first passes under this pair, by α.
        var firstPasses = FirstPasses()
    }

    /// The network upscaler kept.
    struct Kept {
        var key: String
        var upscaler: Upscaler
    }

    let state: Locked<State>

    /// The largest activations (bytes) a preview region is run with in one piece; larger ones are
    /// tiled like an export.
    static let untiledBytes = 256 << 20

    /// Refuses an incompatible pair (the error names the first mismatching key). `load` reads the
    /// checkpoints of a pair chosen in the picker; `modelFolders` are where the picker looks;
    /// `paths` are the files `psnr` and `gan` came from (the picker marks that pair as in use).
    public init(psnr: LoadedModel?, gan: LoadedModel?, options: UpscaleOptions = UpscaleOptions(),
                interactiveContext: Int? = 8, modelFolders: [String] = [], paths: (psnr: String, gan: String)? = nil,
                load: @escaping @Sendable (String) throws -> LoadedModel = { try ModelLoader.load(path: $0) }) throws {
        var fixed = options
        // A fixed export tile (not one chosen from the memory available at export time), so that
        // ``refine`` computes the very tiles an export computes, and one RealESRGAN_x4plus tile's
        // activations stay bounded (~150 MB at 192 + 2·48 px).
        fixed.tileSize = options.tileSize ?? 192
        self.options = fixed
        self.interactiveContext = interactiveContext
        self.modelFolders = modelFolders
        self.load = load
        scale = psnr?.scale ?? gan?.scale ?? 4
        state = Locked(State(pair: try Self.makePair(psnr, gan, threads: options.threads), pairPaths: paths))
        Self.returnFreedMemory()  // what reading the checkpoints allocated and freed
    }

    /// Prepared kernels of a blended network above this use the compact CHW F(4×4) form (~15 % slower,
    /// 4× instead of 7.1× the weights: RealESRGAN_x4plus 474 → 268 MB, for the 1 GiB bound); smaller
    /// networks keep the fast channel-packed F(6×6) kernels (the default pair: 6.6 MB; RealPLKSR 64×28:
    /// 265 MB with its large kernels' spectra, whose α step needs them to stay within 150 ms). The
    /// same bound decides ``Pair/trimsAfterSwitch``: below it the trim's re-faulted pages cost RealPLKSR's
    /// and SwinIR-M's α steps 40–100 ms and did not lower RealPLKSR's peak.
    static let compactKernelsAbove = 320 << 20

    private static func makePair(_ psnr: LoadedModel?, _ gan: LoadedModel?, threads: Int) throws -> Pair {
        let blender = try psnr.flatMap { p in
            try gan.map {
                let compact = p.detected.modelDescription.preparedKernelBytes > compactKernelsAbove
                return try ModelBlender(psnr: p, gan: $0, threads: threads, compactKernels: compact)
            }
        }
        return Pair(psnr: psnr, gan: gan, blender: blender)
    }

    public var modelNames: (psnr: String, gan: String) {
        state.withLock { ($0.pair.psnr?.name ?? "—", $0.pair.gan?.name ?? "—") }
    }

    /// How each model runs (``ModelInfo/runtime``: an ONNX file natively as a family or as its graph).
    public var modelRuntimes: (psnr: String, gan: String) {
        state.withLock { ($0.pair.psnr?.info.runtime ?? "", $0.pair.gan?.info.runtime ?? "") }
    }

    /// The blender of the current pair (nil unless both models are loaded).
    public var blender: ModelBlender? { state.withLock { $0.pair.blender } }

    /// A one-line error for a method whose model is not loaded.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    public func probe(path: String) -> ImageProbe? {
        guard ImageFile.sniff(path: path) != nil, let info = try? ImageFile.info(path: path) else { return nil }
        return ImageProbe(format: info.format.rawValue.uppercased(), width: info.width, height: info.height)
    }

    public func load(path: String) throws -> Image { try ImageFile.read(path: path) }

    /// The upscaler for `method` at `alpha`: bicubic is kept; of the networks only the most recent
    /// one. With both models loaded, the PSNR and GAN ends run as the pair's blend at α 0 and 1
    /// (the ends' weights exactly, on the blender's compact kernels, freed when another method or
    /// α takes their place), so the ends' own networks never hold prepared kernels.
    public func upscaler(for method: Method, alpha: Float) throws -> Upscaler {
        let key = method == .blend ? "blend" + formatAlpha(alpha) : method.rawValue
        let (kept, pair): (Upscaler?, Pair) = state.withLock { s in
            if method == .bicubic, let u = s.bicubic { return (u, s.pair) }
            return (s.current.flatMap { $0.key == key ? $0.upscaler : nil }, s.pair)
        }
        if let kept { return kept }
        let u: Upscaler
        switch method {
        case .bicubic: u = try Upscaler(.bicubic(scale: Double(scale)), options: options)
        case .psnr:
            guard let psnr = pair.psnr else { throw Unavailable(description: "no PSNR model loaded") }
            u = try Upscaler(.model(try Self.end(psnr, pair.blender, alpha: 0), role: .psnr), options: options)
        case .gan:
            guard let gan = pair.gan else { throw Unavailable(description: "no GAN model loaded") }
            u = try Upscaler(.model(try Self.end(gan, pair.blender, alpha: 1), role: .gan), options: options)
        case .blend:
            guard let b = pair.blender else { throw Unavailable(description: "blending needs both models") }
            u = try Upscaler(.blend(b, alpha: alpha), options: options)
        }
        let stored = state.withLock { s in
            guard s.pair.blender === pair.blender, s.pair.psnr?.name == pair.psnr?.name else { return false }
            if method == .bicubic { s.bicubic = u } else { s.current = Kept(key: key, upscaler: u) }
            return true
        }
        if stored && method != .bicubic && pair.trimsAfterSwitch { Self.returnFreedMemory() }
        return u
    }

    /// Hands the pages of freed blocks back to the system (glibc keeps them in its arenas, so a
    /// dropped network's ~474 MB of kernels would otherwise stay in the resident set).
    static func returnFreedMemory() {
        #if os(Linux)
        _ = mallocTrim(0)
        #endif
    }

    /// `model` with its network replaced by the pair's blend at `alpha` (0 or 1: the end itself).
    private static func end(_ model: LoadedModel, _ blender: ModelBlender?, alpha: Float) throws -> LoadedModel {
        guard let blender else { return model }
        var m = model
        m.detected.network = try blender.network(alpha: alpha)
        return m
    }

    public func upscale(_ image: Image, region: PixelRect, method: Method, alpha: Float, cancel: CancellationToken,
                        progress: @escaping @Sendable (Double) -> Void) throws -> Image {
        let u = try upscaler(for: method, alpha: alpha)
        try cancel.check()
        var ctx: Int?, untiled = true
        if let net = u.network {
            if let c = interactiveContext { ctx = min(c, options.margin(for: net)) }
            // In one piece (no tile seams inside a view) while its activations stay within ~256 MB.
            let c = ctx ?? options.margin(for: net)
            let window = Double((region.width + 2 * c) * (region.height + 2 * c))
            untiled = window * net.peakFloatsPerInputPixel * 4 <= Double(Self.untiledBytes)
        }
        return try u.upscaleRegion(image, x: region.x, y: region.y, width: region.width, height: region.height,
                                   context: ctx, untiled: untiled,
                                   statistics: try statistics(u, image, method: method, alpha: alpha,
                                                              cancel: cancel) { progress(statisticsPending) },
                                   progress: progress,
                                   cancel: cancel)
    }

    public func refine(_ image: Image, region: PixelRect, method: Method, alpha: Float, cancel: CancellationToken,
                       progress: @escaping @Sendable (Double) -> Void) throws -> Tile {
        let u = try upscaler(for: method, alpha: alpha)
        guard let net = u.network else {
            return Tile(region: region, image: try upscale(image, region: region, method: method, alpha: alpha,
                                                           cancel: cancel, progress: progress), refined: true)
        }
        // The export's grid (Upscaler.stream with the fixed tile size), and its cores that meet `region`.
        let m = net.windowMultiple
        let stats = try statistics(u, image, method: method, alpha: alpha, cancel: cancel) {
            progress(statisticsPending)
        }
        let grid = Tiler.Grid(net, width: (image.width + m - 1) / m * m, height: (image.height + m - 1) / m * m,
                              tileWidth: options.tileSize(for: net), tileHeight: options.tileSize(for: net),
                              margin: options.margin(for: net))
        let rows = (0..<grid.rows).filter { grid.rowRange($0).overlaps(region.y..<(region.y + region.height)) }
        let cols = (0..<grid.columns).filter { grid.columnRange($0).overlaps(region.x..<(region.x + region.width)) }
        guard let r0 = rows.first, let r1 = rows.last, let c0 = cols.first, let c1 = cols.last else {
            throw Unavailable(description: "region \(region) lies outside the image")
        }
        let y0 = grid.rowRange(r0).lowerBound, y1 = min(grid.rowRange(r1).upperBound, image.height)
        let x0 = grid.columnRange(c0).lowerBound, x1 = min(grid.columnRange(c1).upperBound, image.width)
        let s = scale, ow = (x1 - x0) * s, oh = (y1 - y0) * s
        var out = Image(width: ow, height: oh, channelCount: image.channelCount,
                        pixels: [Float](repeating: 0, count: image.channelCount * ow * oh), bitDepth: image.bitDepth)
        let n = Double(rows.count * cols.count)
        var done = 0.0
        for r in rows {
            for c in cols {
                let ys = grid.rowRange(r).clamped(to: 0..<image.height)
                let xs = grid.columnRange(c).clamped(to: 0..<image.width)
                guard !ys.isEmpty, !xs.isEmpty else { continue }
                let part = try u.upscaleRegion(image, x: xs.lowerBound, y: ys.lowerBound, width: xs.count,
                                               height: ys.count,
                                               context: grid.isSingleTile ? max(image.width, image.height)
                                                   : grid.margin,
                                               untiled: true, statistics: stats,
                                               progress: { f in progress((done + f) / n) },
                                               cancel: cancel)
                out.paste(part, x: (xs.lowerBound - x0) * s, y: (ys.lowerBound - y0) * s)
                done += 1
            }
        }
        return Tile(region: PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0), image: out, refined: true)
    }

    public func export(_ image: Image, method: Method, alpha: Float, to path: String, cancel: CancellationToken,
                       progress: @escaping @Sendable (Double) -> Void) throws {
        let u = try upscaler(for: method, alpha: alpha)
        try Exporter.export(image, with: u, to: path, settings: ExportSettings(overwrite: true),
                            statistics: try statistics(u, image, method: method, alpha: alpha, cancel: cancel),
                            progress: progress, cancel: cancel)
    }

    public func pairs() -> [PairChoice] {
        let current = state.withLock { $0.pairPaths }.map { (Self.resolved($0.psnr), Self.resolved($0.gan)) }
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
        state.withLock { s in
            s.pair = next
            s.pairPaths = (choice.psnr, choice.gan)
            s.current = nil
            s.firstPasses.cancelPrefetch()
            s.firstPasses = FirstPasses()
        }
        KernelRecycler.shared.drain()
        Self.returnFreedMemory()
    }
}
