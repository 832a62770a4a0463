/// Reduces an ``RGBImage`` to at most 256 colours for sixel: an indexed image and its palette.
///
/// Images with few enough distinct colours keep them exactly. Otherwise the palette comes from
/// median cut over a 5-bit-per-channel histogram (each box split at the count-weighted median of
/// its longest axis, the box with the most pixels × extent first); each palette entry is the
/// mean of the pixels in its box, and every pixel maps to the entry of its bin's box. With
/// `dither`, a 4×4 ordered (Bayer) offset about half the palette spacing is added to each pixel
/// before mapping, trading banding for a fine regular pattern.
public struct QuantizedImage: Sendable {
    public let width: Int
    public let height: Int
    /// Palette entries (at most 256).
    public var palette: [RGB8]
    /// Row-major palette indices, `width × height`.
    public var indices: [UInt8]

    public init(_ image: RGBImage, maxColors: Int = 256, dither: Bool = false) {
        width = image.width
        height = image.height
        let limit = min(max(maxColors, 2), 256)
        if let exact = QuantizedImage.exactPalette(image, limit: limit) {
            palette = exact.0
            indices = exact.1
            return
        }
        let hist = Histogram(image)
        let (p, boxOf) = hist.medianCut(limit)
        palette = p
        indices = hist.map(image, palette: p, boxOf: boxOf, dither: dither)
    }

    /// The distinct colours and indices when there are at most `limit`; nil otherwise.
    static func exactPalette(_ image: RGBImage, limit: Int) -> ([RGB8], [UInt8])? {
        let cap = 2048  // open-addressing table, load ≤ 1/8
        var keys = [Int32](repeating: -1, count: cap), slot = [UInt8](repeating: 0, count: cap)
        var palette = [RGB8](), indices = [UInt8](repeating: 0, count: image.width * image.height)
        let ok = image.bytes.withUnsafeBufferPointer { px -> Bool in
            var last: Int32 = -1, lastIndex: UInt8 = 0
            for p in 0..<(image.width * image.height) {
                let key = Int32(px[p * 3]) << 16 | Int32(px[p * 3 + 1]) << 8 | Int32(px[p * 3 + 2])
                if key == last { indices[p] = lastIndex; continue }
                var h = Int((UInt32(bitPattern: key) &* 2_654_435_761) >> 21) & (cap - 1)
                while keys[h] != -1 && keys[h] != key { h = (h + 1) & (cap - 1) }
                if keys[h] == -1 {
                    if palette.count == limit { return false }
                    keys[h] = key
                    slot[h] = UInt8(palette.count)
                    palette.append(RGB8(px[p * 3], px[p * 3 + 1], px[p * 3 + 2]))
                }
                last = key; lastIndex = slot[h]
                indices[p] = lastIndex
            }
            return true
        }
        return ok ? (palette, indices) : nil
    }
}

/// Pixel counts and colour sums per 5-bit-per-channel bin (bin = r>>3 << 10 | g>>3 << 5 | b>>3).
struct Histogram {
    var count = [Int32](repeating: 0, count: 32768)
    var sum = [Int64](repeating: 0, count: 32768 * 3)

    init(_ image: RGBImage) {
        count.withUnsafeMutableBufferPointer { n in
            sum.withUnsafeMutableBufferPointer { s in
                image.bytes.withUnsafeBufferPointer { px in
                    for p in 0..<(image.width * image.height) {
                        let r = Int(px[p * 3]), g = Int(px[p * 3 + 1]), b = Int(px[p * 3 + 2])
                        let bin = (r >> 3) << 10 | (g >> 3) << 5 | b >> 3
                        n[bin] += 1
                        s[bin * 3] += Int64(r); s[bin * 3 + 1] += Int64(g); s[bin * 3 + 2] += Int64(b)
                    }
                }
            }
        }
    }

    /// A box of occupied bins and its longest axis (0 = r, 1 = g, 2 = b) with that axis' extent.
    struct Box {
        var bins: [Int]
        var pixels: Int
        var axis: Int
        var extent: Int
    }

    @inline(__always)
    static func channel(_ bin: Int, _ axis: Int) -> Int { (bin >> (10 - 5 * axis)) & 31 }

    func box(_ bins: [Int]) -> Box {
        var lo = (31, 31, 31), hi = (0, 0, 0), n = 0
        for b in bins {
            n += Int(count[b])
            let r = b >> 10, g = (b >> 5) & 31, bl = b & 31
            lo = (min(lo.0, r), min(lo.1, g), min(lo.2, bl)); hi = (max(hi.0, r), max(hi.1, g), max(hi.2, bl))
        }
        let ext = [hi.0 - lo.0, hi.1 - lo.1, hi.2 - lo.2]
        let axis = ext[1] > ext[0] ? (ext[2] > ext[1] ? 2 : 1) : (ext[2] > ext[0] ? 2 : 0)
        return Box(bins: bins, pixels: n, axis: axis, extent: max(ext[axis], 0))
    }

    /// Splits `b` at the count-weighted median of its longest axis (32 buckets, no sorting);
    /// both halves keep at least one value of that axis.
    func split(_ b: Box) -> (Box, Box) {
        var perValue = [Int](repeating: 0, count: 32)
        var lo = 31, hi = 0
        for bin in b.bins {
            let v = Histogram.channel(bin, b.axis)
            perValue[v] += Int(count[bin]); lo = min(lo, v); hi = max(hi, v)
        }
        var cut = lo, acc = 0
        while cut < hi - 1 {
            acc += perValue[cut]
            if acc * 2 >= b.pixels { break }
            cut += 1
        }
        var low = [Int](), high = [Int]()
        for bin in b.bins { if Histogram.channel(bin, b.axis) <= cut { low.append(bin) } else { high.append(bin) } }
        return (box(low), box(high))
    }

    /// Median cut to at most `limit` boxes, the box with the most pixels × extent split first.
    /// Returns the palette (mean colour of each box) and each occupied bin's box (-1 elsewhere).
    func medianCut(_ limit: Int) -> ([RGB8], [Int16]) {
        var boxes = [box((0..<32768).filter { count[$0] > 0 })]
        while boxes.count < limit {
            guard let i = boxes.indices.filter({ boxes[$0].extent > 0 })
                .max(by: { boxes[$0].pixels * boxes[$0].extent < boxes[$1].pixels * boxes[$1].extent })
            else { break }
            let (a, b) = split(boxes[i])
            boxes[i] = a
            boxes.append(b)
        }
        var boxOf = [Int16](repeating: -1, count: 32768)
        let palette = boxes.enumerated().map { k, b -> RGB8 in
            var s: (Int64, Int64, Int64) = (0, 0, 0)
            for bin in b.bins {
                s.0 += sum[bin * 3]; s.1 += sum[bin * 3 + 1]; s.2 += sum[bin * 3 + 2]
                boxOf[bin] = Int16(k)
            }
            let n = Int64(max(b.pixels, 1))
            return RGB8(UInt8((s.0 + n / 2) / n), UInt8((s.1 + n / 2) / n), UInt8((s.2 + n / 2) / n))
        }
        return (palette, boxOf)
    }

    /// Palette index of each pixel: its bin's box; bins no pixel occupied (reached only through
    /// dither offsets) take the nearest entry (squared RGB distance to the bin centre), once each.
    func map(_ image: RGBImage, palette: [RGB8], boxOf: [Int16], dither: Bool) -> [UInt8] {
        var lookup = boxOf
        func nearest(_ bin: Int) -> Int16 {
            let c = ((bin >> 10) * 8 + 4, ((bin >> 5) & 31) * 8 + 4, (bin & 31) * 8 + 4)
            var best = 0, bestD = Int.max
            for (i, p) in palette.enumerated() {
                let dr = Int(p.r) - c.0, dg = Int(p.g) - c.1, db = Int(p.b) - c.2
                let d = dr * dr + dg * dg + db * db
                if d < bestD { bestD = d; best = i }
            }
            return Int16(best)
        }
        let bayer: [Double] = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5]
        let spread: Double = 255 / Double(palette.count).squareRoot().squareRoot() / 2
        let offsets: [Int] = bayer.map { (v: Double) -> Int in Int(((v + 0.5) / 16 - 0.5) * spread) }
        var out = [UInt8](repeating: 0, count: image.width * image.height)
        image.bytes.withUnsafeBufferPointer { px in
            out.withUnsafeMutableBufferPointer { o in
                for y in 0..<image.height {
                    for x in 0..<image.width {
                        let p = y * image.width + x
                        var r = Int(px[p * 3]), g = Int(px[p * 3 + 1]), b = Int(px[p * 3 + 2])
                        if dither {
                            let d = offsets[(y & 3) * 4 + (x & 3)]
                            r = min(max(r + d, 0), 255); g = min(max(g + d, 0), 255); b = min(max(b + d, 0), 255)
                        }
                        let bin = (r >> 3) << 10 | (g >> 3) << 5 | b >> 3
                        if lookup[bin] < 0 { lookup[bin] = nearest(bin) }
                        o[p] = UInt8(lookup[bin])
                    }
                }
            }
        }
        return out
    }
}
