import EnhanceImaging
import EnhanceTensor

/// The single entry point the CLI and TUI use to upscale images.
///
/// Images are planar CHW floats in [0, 1] (see `Image`); results are clamped to [0, 1] and keep
/// the input's bit depth and text metadata. Work is tiled (bounded memory), reports progress as a
/// fraction, and checks a ``CancellationToken`` between tiles and network blocks, throwing
/// `CancellationError` when cancelled. Concurrent calls on one instance are safe (each call uses
/// its own thread pool and scratch memory).
public final class Upscaler: Sendable {
    /// What produces the pixels.
    public enum Method: Sendable {
        /// Bicubic resampling by an integer factor.
        case bicubic(scale: Int)
        /// One model (the PSNR net, the GAN net, or any single checkpoint).
        case model(LoadedModel)
        /// Weight interpolation θ = (1 − α)·θ_psnr + α·θ_gan, built once at construction.
        case blend(psnr: LoadedModel, gan: LoadedModel, alpha: Float)
    }

    /// The network run (nil for bicubic).
    public let network: (any SuperResolutionNetwork)?
    /// Upscaling factor.
    public let scale: Int
    public let options: UpscaleOptions

    public init(_ method: Method, options: UpscaleOptions = UpscaleOptions()) throws {
        switch method {
        case .bicubic(let s):
            guard s >= 1 else { throw NetworkError("bicubic", "scale \(s) must be at least 1") }
            network = nil
            scale = s
        case .model(let m):
            network = m.network
            scale = m.scale
        case .blend(let a, let b, let alpha):
            let m = try a.blended(with: b, alpha: alpha, threads: options.threads)
            network = m.network
            scale = m.scale
        }
        self.options = options
    }

    /// Upscales the whole image to `width·scale × height·scale`.
    public func upscale(_ image: Image, progress: ((Double) -> Void)? = nil,
                        cancel: CancellationToken? = nil) throws -> Image {
        try upscaleRegion(image, x: 0, y: 0, width: image.width, height: image.height, context: 0,
                          progress: progress, cancel: cancel)
    }

    /// Upscales only the input rectangle (`x`, `y`, `width`, `height`) — e.g. the visible part of
    /// the TUI viewport — using `context` extra input pixels around it (default: the tile margin)
    /// so it matches the corresponding part of a full upscale. Returns a
    /// `width·scale × height·scale` image.
    public func upscaleRegion(_ image: Image, x: Int, y: Int, width: Int, height: Int, context: Int? = nil,
                              progress: ((Double) -> Void)? = nil,
                              cancel: CancellationToken? = nil) throws -> Image {
        guard width > 0, height > 0, x >= 0, y >= 0, x + width <= image.width, y + height <= image.height else {
            throw NetworkError("upscale", "region \(width)×\(height)+\(x)+\(y) lies outside the \(image.width)×\(image.height) image")
        }
        try cancel.check()
        let s = scale
        guard let net = network else {
            let out = bicubicRegion(image, x: x, y: y, width: width, height: height)
            progress?(1)
            return ImageTensor.clamped(out, like: image)
        }
        let m = net.inputMultiple
        let ctx = context ?? options.margin(for: net)
        // Window with context, aligned to the network's input multiple where the image allows.
        let wx0 = max(0, x - ctx) / m * m, wy0 = max(0, y - ctx) / m * m
        let wx1 = min(image.width, wx0 + (min(image.width, x + width + ctx) - wx0 + m - 1) / m * m)
        let wy1 = min(image.height, wy0 + (min(image.height, y + height + ctx) - wy0 + m - 1) / m * m)
        let planes = image.hasAlpha && options.alpha == .model ? 2 : 1
        func part(_ i: Int) -> ((Double) -> Void)? {
            progress.map { p in { f in p((Double(i) + f) / Double(planes)) } }
        }
        let rgb = ImageTensor.window(image, channels: [0, 1, 2], x0: wx0, y0: wy0, x1: wx1, y1: wy1, multiple: m)
        let rgbOut = try run(net, rgb, progress: part(0), cancel: cancel)
        let ox = (x - wx0) * s, oy = (y - wy0) * s
        var pixels = ImageTensor.extract(rgbOut, x: ox, y: oy, width: width * s, height: height * s)
        if image.hasAlpha {
            let alpha: [Float]
            switch options.alpha {
            case .model:
                let a = ImageTensor.window(image, channels: [3, 3, 3], x0: wx0, y0: wy0, x1: wx1, y1: wy1, multiple: m)
                let out = ImageTensor.extract(try run(net, a, progress: part(1), cancel: cancel),
                                              x: ox, y: oy, width: width * s, height: height * s)
                let n = width * s * height * s
                alpha = (0..<n).map { (out[$0] + out[n + $0] + out[2 * n + $0]) / 3 }
            case .bicubic:
                alpha = bicubicRegion(image, x: x, y: y, width: width, height: height).alphaPlane
            }
            pixels += alpha
        }
        for i in pixels.indices { pixels[i] = min(1, max(0, pixels[i])) }
        return Image(width: width * s, height: height * s, channelCount: image.channelCount, pixels: pixels,
                     bitDepth: image.bitDepth, text: image.text)
    }

    /// Bicubic upscale of a region, computed on a window with 2 px of context (the cubic
    /// kernel's support) so it matches the same part of a full-image bicubic upscale.
    private func bicubicRegion(_ image: Image, x: Int, y: Int, width: Int, height: Int) -> Image {
        let s = scale
        let wx0 = max(0, x - 2), wy0 = max(0, y - 2)
        let wx1 = min(image.width, x + width + 2), wy1 = min(image.height, y + height + 2)
        let window = ImageTensor.cropImage(image, x: wx0, y: wy0, width: wx1 - wx0, height: wy1 - wy0)
        let up = Resample.bicubic(window, width: window.width * s, height: window.height * s)
        return ImageTensor.cropImage(up, x: (x - wx0) * s, y: (y - wy0) * s, width: width * s, height: height * s)
    }

    private func run(_ net: any SuperResolutionNetwork, _ x: Tensor, progress: ((Double) -> Void)?,
                     cancel: CancellationToken?) throws -> Tensor {
        try Tiler.run(net, x, tileSize: options.tileSize(for: net), margin: options.margin(for: net),
                      pool: ThreadPool(threads: options.threads), cancel: cancel, progress: progress)
    }
}
