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

    /// The sixel size assumed when the terminal does not answer XTSMGRAPHICS: xterm's default
    /// `maxGraphicSize` (it draws nothing of a larger image).
    public static let defaultLimit = (width: 1000, height: 1000)

    /// `p` cut at cell boundaries into images of at most `limit` pixels each, placed at their
    /// cells (left to right, top to bottom); `[p]` when it fits. The cell size is `p`'s pixels
    /// per cell; the last column and row of pieces take any pixels beyond whole cells.
    public static func split(_ p: PlacedImage, limit: (width: Int, height: Int)) -> [PlacedImage] {
        let img = p.image
        guard img.width > limit.width || img.height > limit.height, p.columns > 0, p.rows > 0 else { return [p] }
        let cw = max(img.width / p.columns, 1), ch = max(img.height / p.rows, 1)
        func cuts(_ cells: Int, _ per: Int) -> [Int] {  // cell boundaries of pieces of ≤ `per` cells
            let n = (cells + max(per, 1) - 1) / max(per, 1)
            return (0...n).map { $0 * cells / n }
        }
        let xs = cuts(p.columns, limit.width / cw), ys = cuts(p.rows, limit.height / ch)
        var out: [PlacedImage] = []
        for (j, r0) in ys.dropLast().enumerated() {
            let r1 = ys[j + 1], y0 = r0 * ch, y1 = r1 == p.rows ? img.height : r1 * ch
            for (i, c0) in xs.dropLast().enumerated() {
                let c1 = xs[i + 1], x0 = c0 * cw, x1 = c1 == p.columns ? img.width : c1 * cw
                out.append(PlacedImage(row: p.row + r0, column: p.column + c0, columns: c1 - c0, rows: r1 - r0,
                                       image: img.cropped(x: x0, y: y0, width: x1 - x0, height: y1 - y0),
                                       slot: p.slot))
            }
        }
        return out
    }

    /// An 8-bit channel in sixel colour percent (0…100, rounded).
    static func percent(_ v: UInt8) -> Int { (Int(v) * 100 + 127) / 255 }

    /// The six-row bands. Each colour's columns in a band are collected in order while the band
    /// is scanned once, so the work is proportional to the pixels, not colours × width.
    static func bands(_ q: QuantizedImage, into out: inout [UInt8]) {
        let w = q.width, n = q.palette.count
        guard w > 0, q.height > 0 else { return }
        var bits = [UInt8](repeating: 0, count: n * w)
        var xs = [[Int]](repeating: [], count: n)
        var used = [Int]()
        q.indices.withUnsafeBufferPointer { idx in
            var y0 = 0
            while y0 < q.height {
                used.removeAll(keepingCapacity: true)
                let rows = min(6, q.height - y0)
                for x in 0..<w {
                    for k in 0..<rows {
                        let c = Int(idx[(y0 + k) * w + x])
                        if bits[c * w + x] == 0 {
                            if xs[c].isEmpty { used.append(c) }
                            xs[c].append(x)
                        }
                        bits[c * w + x] |= 1 << k
                    }
                }
                for (j, c) in used.enumerated() {
                    if j > 0 { out.append(0x24) }  // $
                    out += Array("#\(c)".utf8)
                    emitColour(xs[c], bits: &bits, base: c * w, into: &out)
                    xs[c].removeAll(keepingCapacity: true)
                }
                out.append(0x2D)  // -
                y0 += 6
            }
        }
    }

    /// One colour's sixels of a band from its columns `list` (ascending): gaps as empty sixels,
    /// equal neighbours as runs; clears the bits it used.
    static func emitColour(_ list: [Int], bits: inout [UInt8], base: Int, into out: inout [UInt8]) {
        var pos = 0, i = 0
        while i < list.count {
            let x = list[i], v = bits[base + x]
            run(63, count: x - pos, into: &out)
            var e = i + 1
            while e < list.count && list[e] == list[e - 1] + 1 && bits[base + list[e]] == v { e += 1 }
            run(63 + v, count: e - i, into: &out)
            for t in i..<e { bits[base + list[t]] = 0 }
            pos = list[e - 1] + 1
            i = e
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
