import EnhanceImaging

/// An opaque 8-bit sRGB raster as sent to a terminal graphics protocol.
///
/// Layout: interleaved row-major `[r, g, b, r, g, b, …]`, `bytes[(y * width + x) * 3 + c]`, no
/// row padding. Sizes are in image pixels, which the terminal shows one per screen pixel.
public struct RGBImage: Hashable, Sendable {
    public let width: Int
    public let height: Int
    public var bytes: [UInt8]

    /// A raster from `bytes` (must hold `width × height × 3` values; otherwise the image is black).
    public init(width: Int, height: Int, bytes: [UInt8]) {
        self.width = max(width, 0)
        self.height = max(height, 0)
        let n = self.width * self.height * 3
        self.bytes = bytes.count == n ? bytes : [UInt8](repeating: 0, count: n)
    }

    /// Quantises `grid` (values in [0, 1], see ``RGB8/quantize(_:)``) to bytes, one pixel per sample.
    public init(_ grid: PixelGrid) {
        var out = [UInt8](repeating: 0, count: grid.rgb.count)
        grid.rgb.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count { dst[i] = RGB8.quantize(src[i]) }
            }
        }
        self.init(width: grid.width, height: grid.height, bytes: out)
    }

    /// The colour at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> RGB8 {
        let i = (y * width + x) * 3
        return RGB8(bytes[i], bytes[i + 1], bytes[i + 2])
    }
}
