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
        if srcW == Double(w), srcH == Double(h), x == x.rounded(), y == y.rounded(), abs(x) < 1e9, abs(y) < 1e9 {
            return copy(image, x: Int(x), y: Int(y), width: w, height: h, background: background)
        }
        let (sums, covered) = coverage(image, x: x, y: y, width: srcW, height: srcH, toWidth: w, height: h,
                                       background: background)
        var out = sums
        for k in 0..<(w * h) {
            let rest = max(1 - covered[k], 0)
            out[3 * k] += rest * background.0
            out[3 * k + 1] += rest * background.1
            out[3 * k + 2] += rest * background.2
        }
        return PixelGrid(width: w, height: h, rgb: out)
    }

    /// The parts of ``sample(_:x:y:width:height:toWidth:height:background:)`` before the
    /// background fills what the image does not cover: per sample, the area-weighted RGB sum of
    /// the image pixels under its footprint (interleaved, `3·w·h`) and the covered fraction of the
    /// footprint (`w·h`, in [0, 1]). Compositing several images by coverage (``composite``) leaves
    /// no dark line where their edges cut through a sample.
    public static func coverage(_ image: Image, x: Double, y: Double, width srcW: Double, height srcH: Double,
                                toWidth w: Int, height h: Int,
                                background: (Float, Float, Float) = (0, 0, 0)) -> (rgb: [Float], covered: [Float]) {
        var out = [Float](repeating: 0, count: w * h * 3), cover = [Float](repeating: 0, count: w * h)
        guard w > 0, h > 0, srcW > 0, srcH > 0 else { return (out, cover) }
        let cols = FlatSpans(spans(start: x, extent: srcW, count: w, limit: image.width))
        let rowsW = FlatSpans(spans(start: y, extent: srcH, count: h, limit: image.height))
        let plane = image.planeSize, iw = image.width
        let alpha = image.hasAlpha
        image.pixels.withUnsafeBufferPointer { px in
            cols.index.withUnsafeBufferPointer { cIdx in
            cols.weight.withUnsafeBufferPointer { cW in
            rowsW.index.withUnsafeBufferPointer { rIdx in
            rowsW.weight.withUnsafeBufferPointer { rW in
            out.withUnsafeMutableBufferPointer { o in
            cover.withUnsafeMutableBufferPointer { cv in
                for oy in 0..<h {
                    let r0 = rowsW.start[oy], r1 = rowsW.start[oy + 1]
                    for ox in 0..<w {
                        let c0 = cols.start[ox], c1 = cols.start[ox + 1]
                        var a0: Float = 0, a1: Float = 0, a2: Float = 0, covered: Float = 0
                        for r in r0..<r1 {
                            let wy = rW[r], row = rIdx[r] * iw
                            for c in c0..<c1 {
                                let wgt = wy * cW[c]
                                let i = row + cIdx[c]
                                if alpha {
                                    let a = px[3 * plane + i]
                                    a0 += wgt * (a * px[i] + (1 - a) * background.0)
                                    a1 += wgt * (a * px[plane + i] + (1 - a) * background.1)
                                    a2 += wgt * (a * px[2 * plane + i] + (1 - a) * background.2)
                                } else {
                                    a0 += wgt * px[i]
                                    a1 += wgt * px[plane + i]
                                    a2 += wgt * px[2 * plane + i]
                                }
                                covered += wgt
                            }
                        }
                        let k = oy * w + ox
                        o[3 * k] = a0
                        o[3 * k + 1] = a1
                        o[3 * k + 2] = a2
                        cv[k] = min(covered, 1)
                    }
                }
            }
            }
            }
            }
            }
            }
        }
        return (out, cover)
    }

    /// One image pixel per sample from integer offset (`x`, `y`): the same result as the general
    /// path at scale 1, without the span bookkeeping (the 1:1 view of a graphics protocol).
    static func copy(_ image: Image, x: Int, y: Int, width w: Int, height h: Int,
                     background: (Float, Float, Float)) -> PixelGrid {
        var out = [Float](repeating: 0, count: w * h * 3)
        let plane = image.planeSize, iw = image.width, alpha = image.hasAlpha
        let bg = [background.0, background.1, background.2]
        let x0 = min(max(-x, 0), w), x1 = max(min(iw - x, w), x0)
        image.pixels.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { o in
                for oy in 0..<h {
                    let sy = y + oy, row = oy * w * 3
                    let inside = sy >= 0 && sy < image.height
                    for ox in 0..<w where !inside || ox < x0 || ox >= x1 {
                        o[row + ox * 3] = bg[0]; o[row + ox * 3 + 1] = bg[1]; o[row + ox * 3 + 2] = bg[2]
                    }
                    guard inside else { continue }
                    let src = sy * iw + x
                    for ox in x0..<x1 {
                        let i = src + ox, k = row + ox * 3
                        if alpha {
                            let a = px[3 * plane + i]
                            o[k] = a * px[i] + (1 - a) * bg[0]
                            o[k + 1] = a * px[plane + i] + (1 - a) * bg[1]
                            o[k + 2] = a * px[2 * plane + i] + (1 - a) * bg[2]
                        } else {
                            o[k] = px[i]; o[k + 1] = px[plane + i]; o[k + 2] = px[2 * plane + i]
                        }
                    }
                }
            }
        }
        return PixelGrid(width: w, height: h, rgb: out)
    }

    /// ``spans(start:extent:count:limit:)`` flattened: sample `o` uses entries `start[o]..<start[o+1]`.
    struct FlatSpans {
        var start: [Int] = [0]
        var index: [Int] = []
        var weight: [Float] = []

        init(_ lists: [[(Int, Float)]]) {
            for l in lists {
                for (i, w) in l { index.append(i); weight.append(w) }
                start.append(index.count)
            }
        }
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
