import EnhanceImaging
import EnhanceNetworks
import Foundation

/// The real ``PreviewEngine``: bicubic, the PSNR model, the GAN model and their weight blend at α,
/// all through `Upscaler` (tiled, region-capable, cancellable) and exported through `Exporter`
/// (streamed, atomic). Either model may be missing, or both (bicubic only); their methods then
/// fail with a one-line error and the rest keeps working.
public final class UpscalerEngine: PreviewEngine, @unchecked Sendable {
    public let psnr: LoadedModel?
    public let gan: LoadedModel?
    public let options: UpscaleOptions
    public let scale: Int
    private let lock = NSLock()
    private var upscalers: [String: Upscaler] = [:]
    private var blendOrder: [String] = []

    /// The pair prepared once for every α (nil unless both models are loaded).
    public let pair: ModelBlender?

    /// Refuses an incompatible pair (the error names the first mismatching key).
    public init(psnr: LoadedModel?, gan: LoadedModel?, options: UpscaleOptions = UpscaleOptions()) throws {
        self.psnr = psnr
        self.gan = gan
        self.options = options
        scale = psnr?.scale ?? gan?.scale ?? 4
        pair = try psnr.flatMap { p in try gan.map { try ModelBlender(psnr: p, gan: $0, threads: options.threads) } }
    }

    public var modelNames: (psnr: String, gan: String) { (psnr?.name ?? "—", gan?.name ?? "—") }

    /// A one-line error for a method whose model is not loaded.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    public func probe(path: String) -> ImageProbe? {
        guard ImageFile.sniff(path: path) != nil, let info = try? ImageFile.info(path: path) else { return nil }
        return ImageProbe(format: info.format.rawValue.uppercased(), width: info.width, height: info.height)
    }

    public func load(path: String) throws -> Image { try ImageFile.read(path: path) }

    /// The (cached) upscaler for `method`; blends keep the 4 most recent α.
    func upscaler(for method: PreviewMethod) throws -> Upscaler {
        let key = method.slug
        lock.lock()
        if let u = upscalers[key] { lock.unlock(); return u }
        lock.unlock()
        let u: Upscaler
        switch method {
        case .bicubic: u = try Upscaler(.bicubic(scale: Double(scale)), options: options)
        case .psnr:
            guard let psnr else { throw Unavailable(description: "no PSNR model loaded") }
            u = try Upscaler(.model(psnr, role: .psnr), options: options)
        case .gan:
            guard let gan else { throw Unavailable(description: "no GAN model loaded") }
            u = try Upscaler(.model(gan, role: .gan), options: options)
        case .blend(let a):
            guard let pair else { throw Unavailable(description: "blending needs both models") }
            u = try Upscaler(.blend(pair, alpha: a), options: options)
        }
        lock.lock()
        upscalers[key] = u
        if case .blend = method {
            blendOrder.append(key)
            if blendOrder.count > 4 { upscalers[blendOrder.removeFirst()] = nil }
        }
        lock.unlock()
        return u
    }

    public func upscale(_ image: Image, region: PixelRect, method: PreviewMethod, cancel: CancelFlag,
                        progress: @escaping @Sendable (Double) -> Void) throws -> Image {
        let u = try upscaler(for: method)
        try cancel.check()
        return try u.upscaleRegion(image, x: region.x, y: region.y, width: region.width, height: region.height,
                                   progress: progress, cancel: cancel)
    }

    public func export(_ image: Image, method: PreviewMethod, to path: String, cancel: CancelFlag,
                       progress: @escaping @Sendable (Double) -> Void) throws {
        try Exporter.export(image, with: try upscaler(for: method), to: path, settings: ExportSettings(overwrite: true),
                            progress: progress, cancel: cancel)
    }
}
