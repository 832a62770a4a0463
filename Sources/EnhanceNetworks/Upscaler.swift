import EnhanceImaging
// Re-exported: callers pass the `CancellationToken` the upscaler polls.
@_exported import EnhanceSync
import EnhanceTensor
import Foundation

/// The single entry point the CLI and TUI use to upscale images.
///
/// Images are planar CHW floats in [0, 1] (see `Image`); results are clamped to [0, 1] and keep
/// the input's bit depth and text metadata. Work is tiled (bounded memory), reports progress as a
/// fraction, and checks a ``CancellationToken`` between tiles and network blocks, throwing
/// `CancellationError` when cancelled. Concurrent calls on one instance are safe (each call uses
/// its own thread pool and scratch memory).
public final class Upscaler: Sendable {
    /// What a single checkpoint is in an export's metadata.
    public enum ModelRole: String, Sendable {
        /// Any checkpoint (`--model`): `enhance:model`, `enhance:model-sha256`.
        case model
        /// The pair's fidelity end: `enhance:psnr-model`, `enhance:psnr-sha256`.
        case psnr
        /// The pair's GAN end: `enhance:gan-model`, `enhance:gan-sha256`.
        case gan
    }

    /// What produces the pixels, configured: the chosen ``EnhanceImaging/Method`` (the one enum
    /// of choices the CLI and TUI share) together with the models or scale it needs.
    public enum Source: Sendable {
        /// Bicubic resampling by `scale` (output ⌊size·scale⌉, Pillow convention; MATLAB's
        /// `imresize` convention for SR benchmarks: output ⌈size·scale⌉).
        case bicubic(scale: Double, convention: Resample.Convention = .pillow)
        /// One model (the PSNR net, the GAN net, or any single checkpoint).
        case model(LoadedModel, role: ModelRole = .model)
        /// Weight interpolation θ = (1 − α)·θ_psnr + α·θ_gan of a pair prepared once
        /// (``ModelBlender``); the blended network is made at construction (its kernels are
        /// blended on first use).
        case blend(ModelBlender, alpha: Float)
    }

    /// The network run (nil for bicubic).
    public let network: (any SuperResolutionNetwork)?
    /// Upscaling factor (bicubic: rounded up; see ``outputSize(width:height:)``).
    public let scale: Int
    public let options: UpscaleOptions
    /// The `enhance:*` text metadata describing this method (the one builder for CLI and TUI
    /// exports): method, scale, model names and SHA-256, α.
    public let metadata: [String: String]
    let bicubic: (scale: Double, convention: Resample.Convention)?
    /// The pair and α of a ``Source/blend(_:alpha:)`` (its statistics are interpolated).
    let blend: (pair: ModelBlender, alpha: Float)?

    public init(_ source: Source, options: UpscaleOptions = UpscaleOptions()) throws {
        var meta: [String: String]
        switch source {
        case .bicubic(let s, let convention):
            guard s.isFinite, s > 0 else { throw NetworkError("bicubic", "scale \(s) must be positive") }
            network = nil
            scale = Int(s.rounded(.up))
            bicubic = (s, convention)
            blend = nil
            meta = ["enhance:method": "bicubic", "enhance:scale": String(format: "%g", s)]
        case .model(let m, let role):
            network = m.network
            scale = m.scale
            bicubic = nil
            blend = nil
            meta = ["enhance:method": role.rawValue]
            Self.describe(m, role: role, into: &meta)
        case .blend(let pair, let alpha):
            let (a, b) = (pair.psnr, pair.gan)
            network = try pair.network(alpha: alpha)
            scale = a.scale
            bicubic = nil
            blend = (pair, alpha)
            meta = ["enhance:method": "blend", "enhance:alpha": String(format: "%.2f", alpha)]
            Self.describe(a, role: .psnr, into: &meta)
            Self.describe(b, role: .gan, into: &meta)
        }
        if network != nil { meta["enhance:scale"] = "\(scale)" }
        metadata = meta
        self.options = options
    }

    private static func describe(_ m: LoadedModel, role: ModelRole, into meta: inout [String: String]) {
        let nameKey = role == .model ? "enhance:model" : "enhance:\(role.rawValue)-model"
        meta[nameKey] = m.name
        meta["enhance:\(role.rawValue)-sha256"] = m.info.sha256
    }

    /// The output size for a `width`×`height` input.
    public func outputSize(width: Int, height: Int) -> (width: Int, height: Int) {
        guard let (s, convention) = bicubic else { return (width * scale, height * scale) }
        switch convention {
        case .pillow: return (Int((Double(width) * s).rounded()), Int((Double(height) * s).rounded()))
        case .matlab:
            let plan = Resample.matlabPlan(from: (width, height), scale: s)
            return (plan.outputWidth, plan.outputHeight)
        }
    }

    /// The bicubic plan of this upscaler for a `width`×`height` input (nil for networks).
    func bicubicPlan(width: Int, height: Int) -> ResamplePlan? {
        guard let (s, convention) = bicubic else { return nil }
        switch convention {
        case .pillow: return Resample.bicubicPlan(from: (width, height), to: outputSize(width: width, height: height))
        case .matlab: return Resample.matlabPlan(from: (width, height), scale: s)
        }
    }

    /// Upscales the whole image to ``outputSize(width:height:)``.
    public func upscale(_ image: Image, progress: ((Double) -> Void)? = nil,
                        cancel: CancellationToken? = nil) throws -> Image {
        if network == nil, let plan = bicubicPlan(width: image.width, height: image.height) {
            try cancel.check()
            let out = plan.rows(of: image, 0..<plan.outputHeight)
            progress?(1)
            return ImageTensor.clamped(out, like: image)
        }
        return try upscaleRegion(image, x: 0, y: 0, width: image.width, height: image.height, context: 0,
                                 progress: progress, cancel: cancel)
    }

    /// Upscales only the input rectangle (`x`, `y`, `width`, `height`) — e.g. the visible part of
    /// the TUI viewport — using `context` extra input pixels around it (default: the tile margin)
    /// so it matches the corresponding part of a full upscale (bicubic: exactly, always). Returns
    /// a `width·scale × height·scale` image. Bicubic needs an integer scale here.
    ///
    /// `untiled` runs the window (region plus context) through the network in one piece rather
    /// than in tiles of ``UpscaleOptions/tileSize`` (the caller bounds the region): the TUI's views,
    /// and its refinement of one export tile, which must equal that tile of the export.
    ///
    /// A network with whole-map statistics replays `statistics`, the image's first pass
    /// (``statistics(of:cancel:node:)``; made here when nil, so pass it for many regions of one image):
    /// a region then equals that part of the whole upscaled image up to the context's margin.
    public func upscaleRegion(_ image: Image, x: Int, y: Int, width: Int, height: Int, context: Int? = nil,
                              untiled: Bool = false, statistics: ImageStatistics? = nil,
                              progress: ((Double) -> Void)? = nil, cancel: CancellationToken? = nil) throws -> Image {
        guard width > 0, height > 0, x >= 0, y >= 0, x + width <= image.width, y + height <= image.height else {
            throw NetworkError("upscale", "region \(width)×\(height)+\(x)+\(y) lies outside the "
                                   + "\(image.width)×\(image.height) image")
        }
        try cancel.check()
        let s = scale
        guard let net = network else {
            let out = try bicubicRegion(image, x: x, y: y, width: width, height: height)
            progress?(1)
            return ImageTensor.clamped(out, like: image)
        }
        let m = net.inputMultiple, wm = net.windowMultiple
        let ctx = context ?? options.margin(for: net)
        // Window with context, aligned to the network's input multiple where the image allows.
        let wx0 = max(0, x - ctx) / m * m, wy0 = max(0, y - ctx) / m * m
        let wx1 = min(image.width, wx0 + (min(image.width, x + width + ctx) - wx0 + m - 1) / m * m)
        let wy1 = min(image.height, wy0 + (min(image.height, y + height + ctx) - wy0 + m - 1) / m * m)
        let planes = image.hasAlpha && options.alpha == .model ? 2 : 1
        func part(_ i: Int) -> ((Double) -> Void)? {
            progress.map { p in { f in p((Double(i) + f) / Double(planes)) } }
        }
        let rgb = ImageTensor.window(image, channels: [0, 1, 2], x0: wx0, y0: wy0, x1: wx1, y1: wy1, multiple: wm)
        let whole = wx1 - wx0 == image.width && wy1 - wy0 == image.height
        // The tile size once (the memory-derived one may change between calls).
        let tile = untiled ? max(rgb.width, rgb.height) : options.tileSize(for: net)
        let onePiece = Tiler.Grid(net, width: rgb.width, height: rgb.height, tileWidth: tile, tileHeight: tile,
                                  margin: 0).isSingleTile
        let stats = try self.statistics(statistics, of: image, onePiece: whole && onePiece, cancel: cancel)
        let rgbOut = try run(net, rgb, tileSize: tile, progress: part(0), cancel: cancel, replaying: stats?.rgb)
        let ox = (x - wx0) * s, oy = (y - wy0) * s
        var pixels = ImageTensor.extract(rgbOut, x: ox, y: oy, width: width * s, height: height * s)
        if image.hasAlpha {
            switch options.alpha {
            case .model:
                let a = ImageTensor.window(image, channels: [3, 3, 3], x0: wx0, y0: wy0, x1: wx1, y1: wy1,
                                           multiple: wm)
                let out = ImageTensor.extract(try run(net, a, tileSize: tile, progress: part(1), cancel: cancel,
                                                      replaying: stats?.alpha),
                                              x: ox, y: oy, width: width * s, height: height * s)
                pixels += ImageTensor.alphaFromModel(out)
            case .bicubic:
                pixels += try bicubicRegion(image, x: x, y: y, width: width, height: height).alphaPlane
            }
        }
        for i in pixels.indices { pixels[i] = min(1, max(0, pixels[i])) }
        return Image(width: width * s, height: height * s, channelCount: image.channelCount, pixels: pixels,
                     bitDepth: image.bitDepth, text: image.text)
    }

    /// Bicubic upscale by the integer ``scale`` of an input region: that rectangle of the whole-image
    /// bicubic result, computed directly (bit-identical to it).
    func bicubicRegion(_ image: Image, x: Int, y: Int, width: Int, height: Int) throws -> Image {
        let s = scale
        let plan = network == nil ? bicubicPlan(width: image.width, height: image.height)!
            : Resample.bicubicPlan(from: (image.width, image.height), to: (image.width * s, image.height * s))
        guard plan.outputWidth == image.width * s, plan.outputHeight == image.height * s else {
            throw NetworkError("bicubic", "regions need an integer scale, not \(bicubic?.scale ?? 0)")
        }
        return plan.region(of: image, columns: (x * s)..<((x + width) * s), rows: (y * s)..<((y + height) * s))
    }

    func run(_ net: any SuperResolutionNetwork, _ x: Tensor, tileSize: Int, progress: ((Double) -> Void)?,
             cancel: CancellationToken?, replaying record: WholeImageStatistics?) throws -> Tensor {
        try Tiler.run(net, x, tileSize: tileSize, margin: options.margin(for: net),
                      pool: ThreadPool(threads: options.threads), cancel: cancel,
                      options: forwardOptions(replaying: record), progress: progress)
    }
}
