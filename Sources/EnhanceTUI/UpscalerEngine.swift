import EnhanceImaging
import EnhanceNetworks
import Foundation

/// The real ``PreviewEngine``: bicubic, the PSNR model, the GAN model and their weight blend at α,
/// all through `Upscaler` (tiled, region-capable, cancellable). Either model may be missing; its
/// methods then fail with a one-line error and the rest keeps working.
public final class UpscalerEngine: PreviewEngine, @unchecked Sendable {
    public let psnr: LoadedModel?
    public let gan: LoadedModel?
    public let options: UpscaleOptions
    public let scale: Int
    private let lock = NSLock()
    private var upscalers: [String: Upscaler] = [:]
    private var blendOrder: [String] = []

    public init(psnr: LoadedModel?, gan: LoadedModel?, options: UpscaleOptions = UpscaleOptions()) {
        self.psnr = psnr
        self.gan = gan
        self.options = options
        scale = psnr?.scale ?? gan?.scale ?? 4
    }

    public var modelNames: (psnr: String, gan: String) { (psnr?.name ?? "—", gan?.name ?? "—") }

    public func probe(path: String) -> ImageProbe? { BicubicEngine(scale: scale).probe(path: path) }

    public func load(path: String) throws -> Image { try ImageFile.read(path: path) }

    /// The (cached) upscaler for `method`; blends keep the 4 most recent α.
    func upscaler(for method: PreviewMethod) throws -> Upscaler {
        let key = method.slug
        lock.lock()
        if let u = upscalers[key] { lock.unlock(); return u }
        lock.unlock()
        let u: Upscaler
        switch method {
        case .bicubic: u = try Upscaler(.bicubic(scale: scale), options: options)
        case .psnr:
            guard let psnr else { throw BicubicEngine.Unavailable(description: "no PSNR model loaded") }
            u = try Upscaler(.model(psnr), options: options)
        case .gan:
            guard let gan else { throw BicubicEngine.Unavailable(description: "no GAN model loaded") }
            u = try Upscaler(.model(gan), options: options)
        case .blend(let a):
            guard let psnr, let gan else { throw BicubicEngine.Unavailable(description: "blending needs both models") }
            u = try Upscaler(.blend(psnr: psnr, gan: gan, alpha: a), options: options)
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

    public func exportMetadata(method: PreviewMethod) -> [String: String] {
        // The same keys and values `enhance upscale` writes: the method by name, α on its own.
        let name: String
        switch method {
        case .bicubic: name = "bicubic"
        case .psnr: name = "psnr"
        case .gan: name = "gan"
        case .blend: name = "blend"
        }
        var m = ["enhance:method": name, "enhance:scale": "\(scale)"]
        if case .blend(let a) = method { m["enhance:alpha"] = formatAlpha(a) }
        switch method {
        case .psnr, .blend:
            if let psnr { m["enhance:psnr-model"] = psnr.name; m["enhance:psnr-sha256"] = psnr.info.sha256 }
        default: break
        }
        switch method {
        case .gan, .blend:
            if let gan { m["enhance:gan-model"] = gan.name; m["enhance:gan-sha256"] = gan.info.sha256 }
        default: break
        }
        return m
    }

    public func write(_ image: Image, to path: String) throws {
        try ImageFile.write(image, to: path, overwrite: true)
    }
}
