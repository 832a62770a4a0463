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

    /// The blend `(1 − t)·a + t·b` of two grids of one size, quantised (one pass, no
    /// intermediate grid: the α preview of a graphics pane).
    public init(mixing a: PixelGrid, _ b: PixelGrid, t: Float) {
        var out = [UInt8](repeating: 0, count: min(a.rgb.count, b.rgb.count))
        a.rgb.withUnsafeBufferPointer { pa in
            b.rgb.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { o in
                    for i in 0..<o.count { o[i] = RGB8.quantize((1 - t) * pa[i] + t * pb[i]) }
                }
            }
        }
        self.init(width: a.width, height: a.height, bytes: out)
    }

    /// The `width × height` window of opaque `image` from integer offset (`x`, `y`), one image
    /// pixel per pixel, black outside the image; with `other` (same size as `image`), the blend
    /// `(1 − t)·image + t·other`. Returns nil for images with alpha. One pass from the planar
    /// floats to bytes: the 1:1 view of a graphics pane.
    public init?(window image: Image, x: Int, y: Int, width w: Int, height h: Int, mixing other: Image? = nil,
                 t: Float = 0) {
        guard !image.hasAlpha,
              other.map({ !$0.hasAlpha && $0.width == image.width && $0.height == image.height }) ?? true
        else { return nil }
        var out = [UInt8](repeating: 0, count: max(w, 0) * max(h, 0) * 3)
        let plane = image.planeSize, iw = image.width
        let x0 = min(max(-x, 0), w), x1 = max(min(iw - x, w), x0)
        let b = other?.pixels ?? []
        let mix = other != nil
        image.pixels.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { o in
                    for oy in 0..<max(h, 0) where y + oy >= 0 && y + oy < image.height {
                        let src = (y + oy) * iw + x, row = oy * w * 3
                        for ox in x0..<x1 {
                            let i = src + ox, k = row + ox * 3
                            for c in 0..<3 {
                                let v = pa[c * plane + i]
                                o[k + c] = RGB8.quantize(mix ? (1 - t) * v + t * pb[c * plane + i] : v)
                            }
                        }
                    }
                }
            }
        }
        self.init(width: w, height: h, bytes: out)
    }

    /// The `width × height` part from (`x`, `y`), which must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
        var out = [UInt8]()
        out.reserveCapacity(w * h * 3)
        for row in y..<(y + h) { out += bytes[((row * width + x) * 3)..<((row * width + x + w) * 3)] }
        return RGBImage(width: w, height: h, bytes: out)
    }

    /// The colour at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> RGB8 {
        let i = (y * width + x) * 3
        return RGB8(bytes[i], bytes[i + 1], bytes[i + 2])
    }
}
