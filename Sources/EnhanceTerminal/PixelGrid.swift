import EnhanceImaging

/// Opaque RGB samples at sub-pixel resolution, ready to be turned into cells.
///
/// Layout: interleaved row-major `[r, g, b, r, g, b, …]`, `rgb[(y * width + x) * 3 + c]`, values in [0, 1].
public struct PixelGrid: Hashable, Sendable {
    public let width: Int
    public let height: Int
    public var rgb: [Float]

    public init(width: Int, height: Int, rgb: [Float]) {
        self.width = max(width, 0)
        self.height = max(height, 0)
        self.rgb = rgb.count == self.width * self.height * 3
            ? rgb : [Float](repeating: 0, count: self.width * self.height * 3)
    }

    /// A grid filled with one colour (components in [0, 1]).
    public init(width: Int, height: Int, fill: (Float, Float, Float)) {
        var v = [Float]()
        v.reserveCapacity(max(width, 0) * max(height, 0) * 3)
        for _ in 0..<(max(width, 0) * max(height, 0)) { v += [fill.0, fill.1, fill.2] }
        self.init(width: width, height: height, rgb: v)
    }

    /// Sample `(r, g, b)` at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> (Float, Float, Float) {
        let i = (y * width + x) * 3
        return (rgb[i], rgb[i + 1], rgb[i + 2])
    }

    /// Area-averages the source rectangle `(x, y, width, height)` of `image` (in image pixels, may
    /// extend past the image or be fractional) onto a `width × height` grid.
    ///
    /// Each output sample is the exact area-weighted mean of the image pixels its footprint
    /// covers, so magnification by an integer factor replicates pixels and minification box-filters.
    /// Alpha is composited over `background`; parts outside the image are `background`.
    public static func sample(_ image: Image, x: Double, y: Double, width srcW: Double, height srcH: Double,
                              toWidth width: Int, height: Int,
                              background: (Float, Float, Float) = (0, 0, 0)) -> PixelGrid {
        let w = max(width, 0), h = max(height, 0)
        guard w > 0, h > 0, srcW > 0, srcH > 0 else { return PixelGrid(width: w, height: h, fill: background) }
        let cols = spans(start: x, extent: srcW, count: w, limit: image.width)
        let rowsW = spans(start: y, extent: srcH, count: h, limit: image.height)
        let plane = image.planeSize
        let alpha = image.hasAlpha
        var out = [Float](repeating: 0, count: w * h * 3)
        image.pixels.withUnsafeBufferPointer { px in
            for oy in 0..<h {
                let ry = rowsW[oy]
                for ox in 0..<w {
                    let rx = cols[ox]
                    var acc: (Float, Float, Float) = (0, 0, 0)
                    var covered: Float = 0
                    for (sy, wy) in ry {
                        for (sx, wx) in rx {
                            let wgt = wy * wx
                            let i = sy * image.width + sx
                            let a: Float = alpha ? px[3 * plane + i] : 1
                            acc.0 += wgt * (a * px[i] + (1 - a) * background.0)
                            acc.1 += wgt * (a * px[plane + i] + (1 - a) * background.1)
                            acc.2 += wgt * (a * px[2 * plane + i] + (1 - a) * background.2)
                            covered += wgt
                        }
                    }
                    let rest = max(1 - covered, 0)
                    let o = (oy * w + ox) * 3
                    out[o] = acc.0 + rest * background.0
                    out[o + 1] = acc.1 + rest * background.1
                    out[o + 2] = acc.2 + rest * background.2
                }
            }
        }
        return PixelGrid(width: w, height: h, rgb: out)
    }

    /// For each of `count` output samples along one axis: the in-range source indices it covers and
    /// the fraction of the sample's footprint each covers (fractions sum to the in-range share).
    static func spans(start: Double, extent: Double, count: Int, limit: Int) -> [[(Int, Float)]] {
        let step = extent / Double(count)
        var result = [[(Int, Float)]]()
        result.reserveCapacity(count)
        for o in 0..<count {
            let a = start + Double(o) * step, b = a + step
            var list = [(Int, Float)]()
            var i = Int(a.rounded(.down))
            while Double(i) < b {
                if i >= 0 && i < limit {
                    let lo = max(a, Double(i)), hi = min(b, Double(i + 1))
                    if hi > lo { list.append((i, Float((hi - lo) / step))) }
                }
                i += 1
            }
            result.append(list)
        }
        return result
    }
}
