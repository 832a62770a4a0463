/// Sixel encoder (DEC sixel graphics, `ESC P q … ESC \`).
///
/// One palette per image (``QuantizedImage``, at most 256 registers, defined in RGB percent),
/// raster attributes `"1;1;W;H` for a 1:1 pixel aspect, then bands of six pixel rows: for each
/// colour present in a band, `#n` and its sixel characters with runs of four or more written as
/// `!count c`, `$` back to the band start, and `-` to the next band.
public enum Sixel {
    /// The DCS sixel stream for `image` (no cursor handling; see ``place(_:row:column:dither:)``).
    public static func encode(_ image: RGBImage, maxColors: Int = 256, dither: Bool = false) -> [UInt8] {
        let q = QuantizedImage(image, maxColors: maxColors, dither: dither)
        var out = Array("\u{1B}P0;1;0q\"1;1;\(image.width);\(image.height)".utf8)
        for (i, c) in q.palette.enumerated() {
            out += Array("#\(i);2;\(percent(c.r));\(percent(c.g));\(percent(c.b))".utf8)
        }
        bands(q, into: &out)
        out += [0x1B, 0x5C]
        return out
    }

    /// `ESC 7`, cursor to 0-based cell (`row`, `column`), the sixel image, `ESC 8`: the cursor is
    /// back where ncurses left it (terminals move it to the image's last text row).
    public static func place(_ image: RGBImage, row: Int, column: Int, dither: Bool = false) -> [UInt8] {
        Array("\u{1B}7\u{1B}[\(row + 1);\(column + 1)H".utf8) + encode(image, dither: dither) + Array("\u{1B}8".utf8)
    }

    /// An 8-bit channel in sixel colour percent (0…100, rounded).
    static func percent(_ v: UInt8) -> Int { (Int(v) * 100 + 127) / 255 }

    static func bands(_ q: QuantizedImage, into out: inout [UInt8]) {
        let w = q.width, n = q.palette.count
        guard w > 0, q.height > 0 else { return }
        var bits = [UInt8](repeating: 0, count: n * w)
        var lo = [Int](repeating: Int.max, count: n), hi = [Int](repeating: -1, count: n)
        var used = [Int]()
        q.indices.withUnsafeBufferPointer { idx in
            bits.withUnsafeMutableBufferPointer { bitsP in
                var y0 = 0
                while y0 < q.height {
                    used.removeAll(keepingCapacity: true)
                    for k in 0..<min(6, q.height - y0) {
                        let rowBase = (y0 + k) * w
                        for x in 0..<w {
                            let c = Int(idx[rowBase + x])
                            if hi[c] < 0 { used.append(c) }
                            lo[c] = min(lo[c], x); hi[c] = max(hi[c], x)
                            bitsP[c * w + x] |= 1 << k
                        }
                    }
                    for (j, c) in used.enumerated() {
                        if j > 0 { out.append(0x24) }  // $
                        out += Array("#\(c)".utf8)
                        run(63, count: lo[c], into: &out)
                        var x = lo[c]
                        while x <= hi[c] {
                            let v = bitsP[c * w + x]
                            var e = x + 1
                            while e <= hi[c] && bitsP[c * w + e] == v { e += 1 }
                            run(63 + v, count: e - x, into: &out)
                            x = e
                        }
                        for i in lo[c]...hi[c] { bitsP[c * w + i] = 0 }
                        lo[c] = Int.max; hi[c] = -1
                    }
                    out.append(0x2D)  // -
                    y0 += 6
                }
            }
        }
    }

    /// `count` copies of sixel character `ch`: `!count ch` from four on.
    @inline(__always)
    static func run(_ ch: UInt8, count: Int, into out: inout [UInt8]) {
        if count >= 4 {
            out += Array("!\(count)".utf8)
            out.append(ch)
        } else {
            for _ in 0..<count { out.append(ch) }
        }
    }
}
