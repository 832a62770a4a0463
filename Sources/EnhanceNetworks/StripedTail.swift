import EnhanceTensor

/// Runs the upsampling tail of a network on horizontal strips of its low-resolution features, so
/// that the tail's high-resolution activations exist for one strip at a time, not the whole tile.
///
/// Each strip of `stripRows` rows is cut with `halo` extra rows above and below (clipped at the
/// border), sent through `tail` (which multiplies both sides by `scale`), and only the strip's own
/// rows of the result are kept. With a halo at least the tail's receptive radius (in
/// low-resolution rows) the strips put together equal the tail run on the whole input. Strips
/// start on multiples of `align` rows so that the high-resolution stages keep the whole input's
/// Winograd tile grid (2: the 4-pixel F(4×4) tiles at 2× and 4×; 3: the 6-pixel F(6×6) ones).
enum StripedTail {
    /// Rows per strip for a tile `width` pixels wide: about `pixels` low-resolution pixels,
    /// at least `minimum` rows (the halo is recomputed per strip), even.
    static func rows(width: Int, pixels: Int = 4096, minimum: Int = 2) -> Int {
        max(minimum, pixels / max(width, 1)) / 2 * 2
    }

    /// The tail over `height` low-resolution rows, strip by strip: `tail` receives the rows to
    /// compute (a strip plus its halo) and returns them ×`scale`; the result is the `[C, height·scale,
    /// W·scale]` concatenation of the strips' own rows.
    static func run(height h: Int, scale: Int, halo: Int, stripRows: Int, align: Int = 2,
                    cancel: CancellationToken?, _ tail: (Range<Int>) throws -> Tensor) throws -> Tensor {
        let rows = max(align, stripRows / align * align), pad = (halo + align - 1) / align * align
        if rows >= h { return try tail(0..<h) }
        var out: Tensor?
        var y0 = 0
        while y0 < h {
            try cancel.check()
            let y1 = min(h, y0 + rows), c0 = max(0, y0 - pad), c1 = min(h, y1 + pad)
            let r = try tail(c0..<c1)
            if out == nil { out = Tensor(channels: r.channels, height: h * scale, width: r.width) }
            Tiler.paste(r, from: ((y0 - c0) * scale, 0), size: ((y1 - y0) * scale, r.width), into: &out!,
                        at: (y0 * scale, 0))
            y0 = y1
        }
        return out!
    }
}
