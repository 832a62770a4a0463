import EnhanceImaging

/// A ``PreviewEngine`` with no networks: bicubic works, PSNR/GAN/blend report that no model is
/// loaded. Used when no weights are available and to run the UI end to end.
public struct BicubicEngine: PreviewEngine {
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    public let scale: Int

    public init(scale: Int = 4) {
        self.scale = scale
    }

    public var modelNames: (psnr: String, gan: String) { ("—", "—") }

    public func probe(path: String) -> ImageProbe? {
        guard ImageFile.sniff(path: path) != nil, let info = try? ImageFile.info(path: path) else { return nil }
        return ImageProbe(format: info.format.rawValue.uppercased(), width: info.width, height: info.height)
    }

    public func load(path: String) throws -> Image { try ImageFile.read(path: path) }

    /// Bicubic of `region` computed on the region plus a 3-pixel context margin, then cropped, so
    /// the result equals the same pixels of a whole-image bicubic upscale away from image borders.
    public func upscale(_ image: Image, region: PixelRect, method: PreviewMethod, cancel: CancelFlag,
                        progress: @escaping @Sendable (Double) -> Void) throws -> Image {
        guard method == .bicubic else { throw Unavailable(description: "no model loaded") }
        let m = 3
        let x0 = max(region.x - m, 0), y0 = max(region.y - m, 0)
        let x1 = min(region.x + region.width + m, image.width), y1 = min(region.y + region.height + m, image.height)
        let crop = image.cropped(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
        let up = Resample.bicubic(crop, width: crop.width * scale, height: crop.height * scale)
        progress(1)
        return up.cropped(x: (region.x - x0) * scale, y: (region.y - y0) * scale,
                          width: region.width * scale, height: region.height * scale)
    }

    public func exportMetadata(method: PreviewMethod) -> [String: String] {
        ["enhance:method": method.slug, "enhance:scale": "\(scale)"]
    }

    public func write(_ image: Image, to path: String) throws {
        try ImageFile.write(image, to: path, overwrite: true)
    }
}
