/// A decoded image held as planar 32-bit floats.
///
/// Layout: channel-major **CHW** — `pixels[c * height * width + y * width + x]`, with channels
/// R, G, B and (when ``hasAlpha``) A. Grayscale and palette inputs are expanded to RGB on load, so
/// ``channelCount`` is always 3 or 4. Values are in **[0, 1]** (not premultiplied); resampling may
/// leave them slightly outside that range until an encoder clamps them.
public struct Image: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// 3 (RGB) or 4 (RGBA).
    public let channelCount: Int
    /// Planar CHW samples in [0, 1].
    public var pixels: [Float]
    /// Precision of the source samples in bits (8 or 16); encoders default to it.
    public var bitDepth: Int
    /// Text metadata (PNG tEXt/iTXt chunks), e.g. method, α and model hashes written by exports.
    public var text: [String: String]
    /// The source file's ICC colour profile (PNG iCCP, JPEG APP2), carried to exports.
    public var iccProfile: [UInt8]?
    /// The source file's EXIF block, TIFF-structured (JPEG APP1 after `Exif\0\0`, PNG eXIf).
    /// Decoded JPEG pixels are already rotated by its orientation tag.
    public var exif: [UInt8]?
    /// Whether the source stored gray samples (R = G = B here); exports then write gray again.
    public var isGrayscale = false

    /// Creates an image; `pixels.count` must be `channelCount * width * height`.
    public init(width: Int, height: Int, channelCount: Int, pixels: [Float], bitDepth: Int = 8,
                text: [String: String] = [:]) {
        precondition(channelCount == 3 || channelCount == 4, "Image holds RGB or RGBA")
        precondition(pixels.count == channelCount * width * height, "pixel count does not match size")
        self.width = width
        self.height = height
        self.channelCount = channelCount
        self.pixels = pixels
        self.bitDepth = bitDepth
        self.text = text
    }

    /// A black (alpha 1) image.
    public init(width: Int, height: Int, hasAlpha: Bool = false, bitDepth: Int = 8) {
        let c = hasAlpha ? 4 : 3
        var p = [Float](repeating: 0, count: c * width * height)
        if hasAlpha {
            let plane = width * height
            for i in 0..<plane { p[3 * plane + i] = 1 }
        }
        self.init(width: width, height: height, channelCount: c, pixels: p, bitDepth: bitDepth)
    }

    /// Whether a fourth (alpha) plane is present.
    public var hasAlpha: Bool { channelCount == 4 }
    /// Number of samples in one plane (`width * height`).
    public var planeSize: Int { width * height }

    /// Sample at channel `c`, row `y`, column `x`.
    @inlinable public subscript(c: Int, y: Int, x: Int) -> Float {
        get { pixels[c * width * height + y * width + x] }
        set { pixels[c * width * height + y * width + x] = newValue }
    }

    /// The RGB planes only (alpha dropped), CHW.
    public var rgb: Image {
        if !hasAlpha { return self }
        return Image(width: width, height: height, channelCount: 3,
                     pixels: Array(pixels[0..<(3 * planeSize)]), bitDepth: bitDepth, text: text)
    }

    /// The alpha plane (all ones when absent), row-major.
    public var alphaPlane: [Float] {
        hasAlpha ? Array(pixels[(3 * planeSize)...]) : [Float](repeating: 1, count: planeSize)
    }
}
