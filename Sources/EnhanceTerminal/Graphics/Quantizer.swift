/// Reduces an ``RGBImage`` to at most 256 colours for sixel: an indexed image and its palette.
///
/// Images with few enough distinct colours keep them exactly. Otherwise the palette comes from
/// median cut over a 5-bit-per-channel histogram (each box split at the count-weighted median of
/// its longest axis, the box with the most pixels × extent first); each palette entry is the
/// mean of the pixels in its box, and every pixel maps to the nearest entry of its histogram
/// bin. With `dither`, a 4×4 ordered (Bayer) offset about half the palette spacing is added to
/// each pixel before mapping, trading banding for a fine regular pattern.
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
        palette = hist.medianCut(limit)
        indices = hist.map(image, palette: palette, dither: dither)
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
        image.bytes.withUnsafeBufferPointer { px in
            for p in 0..<(image.width * image.height) {
                let r = Int(px[p * 3]), g = Int(px[p * 3 + 1]), b = Int(px[p * 3 + 2])
                let bin = (r >> 3) << 10 | (g >> 3) << 5 | b >> 3
                count[bin] += 1
                sum[bin * 3] += Int64(r); sum[bin * 3 + 1] += Int64(g); sum[bin * 3 + 2] += Int64(b)
            }
        }
    }

    /// A box of occupied bins.
    struct Box {
        var bins: [Int]
        var pixels: Int
        /// (axis, extent) of the longest side, axis 0 = r (bits 10…14), 1 = g, 2 = b.
        var longest: (Int, Int)
    }

    static func channel(_ bin: Int, _ axis: Int) -> Int { (bin >> (10 - 5 * axis)) & 31 }

    func box(_ bins: [Int]) -> Box {
        var lo = [31, 31, 31], hi = [0, 0, 0], n = 0
        for b in bins {
            n += Int(count[b])
            for a in 0..<3 { let v = Histogram.channel(b, a); lo[a] = min(lo[a], v); hi[a] = max(hi[a], v) }
        }
        let ext = (0..<3).map { hi[$0] - lo[$0] }
        let axis = ext.firstIndex(of: ext.max() ?? 0) ?? 0
        return Box(bins: bins, pixels: n, longest: (axis, ext[axis]))
    }

    func medianCut(_ limit: Int) -> [RGB8] {
        var boxes = [box((0..<32768).filter { count[$0] > 0 })]
        while boxes.count < limit {
            guard let i = boxes.indices.filter({ boxes[$0].longest.1 > 0 })
                .max(by: { boxes[$0].pixels * boxes[$0].longest.1 < boxes[$1].pixels * boxes[$1].longest.1 })
            else { break }
            let b = boxes.remove(at: i)
            let axis = b.longest.0
            let sorted = b.bins.sorted { Histogram.channel($0, axis) < Histogram.channel($1, axis) }
            var acc = 0, cut = 1
            for (k, bin) in sorted.enumerated() {
                acc += Int(count[bin])
                if acc * 2 >= b.pixels { cut = max(1, min(k + 1, sorted.count - 1)); break }
            }
            boxes.append(box(Array(sorted[..<cut])))
            boxes.append(box(Array(sorted[cut...])))
        }
        return boxes.map { b in
            var s: (Int64, Int64, Int64) = (0, 0, 0)
            for bin in b.bins { s.0 += sum[bin * 3]; s.1 += sum[bin * 3 + 1]; s.2 += sum[bin * 3 + 2] }
            let n = Int64(max(b.pixels, 1))
            return RGB8(UInt8((s.0 + n / 2) / n), UInt8((s.1 + n / 2) / n), UInt8((s.2 + n / 2) / n))
        }
    }

    /// Palette index of each pixel: nearest entry (squared RGB distance) to its bin's mean colour,
    /// looked up once per bin.
    func map(_ image: RGBImage, palette: [RGB8], dither: Bool) -> [UInt8] {
        var nearest = [Int16](repeating: -1, count: 32768)
        func lookup(_ bin: Int) -> UInt8 {
            if nearest[bin] >= 0 { return UInt8(nearest[bin]) }
            let n = Int64(max(count[bin], 1))
            let c = count[bin] > 0
                ? (Int(sum[bin * 3] / n), Int(sum[bin * 3 + 1] / n), Int(sum[bin * 3 + 2] / n))
                : ((bin >> 10) * 8 + 4, ((bin >> 5) & 31) * 8 + 4, (bin & 31) * 8 + 4)
            var best = 0, bestD = Int.max
            for (i, p) in palette.enumerated() {
                let dr = Int(p.r) - c.0, dg = Int(p.g) - c.1, db = Int(p.b) - c.2
                let d = dr * dr + dg * dg + db * db
                if d < bestD { bestD = d; best = i }
            }
            nearest[bin] = Int16(best)
            return UInt8(best)
        }
        let bayer = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5]
        let spread = dither ? 255 / Double(palette.count).squareRoot().squareRoot() / 2 : 0
        var out = [UInt8](repeating: 0, count: image.width * image.height)
        image.bytes.withUnsafeBufferPointer { px in
            for y in 0..<image.height {
                for x in 0..<image.width {
                    let p = y * image.width + x
                    let o = dither ? Int(((Double(bayer[(y & 3) * 4 + (x & 3)]) + 0.5) / 16 - 0.5) * spread) : 0
                    let r = min(max(Int(px[p * 3]) + o, 0), 255), g = min(max(Int(px[p * 3 + 1]) + o, 0), 255)
                    let b = min(max(Int(px[p * 3 + 2]) + o, 0), 255)
                    out[p] = lookup((r >> 3) << 10 | (g >> 3) << 5 | b >> 3)
                }
            }
        }
        return out
    }
}
