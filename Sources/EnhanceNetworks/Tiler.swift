import EnhanceTensor

/// Runs a network over a CHW tensor in tiles so that peak memory is bounded by the tile size.
///
/// Each `tileSize`² core tile is cut out of the input with `margin` extra context pixels on every
/// side (clipped at the image border), run through the network, and only the output of the core
/// is kept. With `margin ≥ network.receptiveRadius` the result equals the untiled forward pass up
/// to float rounding; smaller margins trade exactness for speed.
public enum Tiler {
    /// Upscales `x` (`[3, H, W]`, `H` and `W` multiples of `network.inputMultiple`).
    /// - Parameters:
    ///   - tileSize: core tile edge in input pixels (rounded up to the input multiple).
    ///   - margin: context pixels around each tile (rounded up to the input multiple).
    ///   - progress: called after each tile with the completed fraction in [0, 1].
    ///   - cancel: checked before each tile and between network blocks.
    public static func run(_ network: any SuperResolutionNetwork, _ x: Tensor, tileSize: Int, margin: Int,
                           pool: ThreadPool, cancel: CancellationToken? = nil,
                           progress: ((Double) -> Void)? = nil) throws -> Tensor {
        let m = network.inputMultiple, s = network.scale
        func up(_ v: Int) -> Int { (max(v, 1) + m - 1) / m * m }
        let t = up(tileSize), pad = margin <= 0 ? 0 : up(margin)
        let h = x.height, w = x.width
        guard h % m == 0, w % m == 0 else {
            throw NetworkError("tiler", "input \(w)×\(h) is not a multiple of \(m)")
        }
        if t >= h && t >= w {
            try cancel.check()
            let y = try network.forward(x, pool: pool, cancel: cancel)
            progress?(1)
            return y
        }
        var out = Tensor(channels: 3, height: h * s, width: w * s)
        let rows = (h + t - 1) / t, cols = (w + t - 1) / t
        var done = 0
        for ty in 0..<rows {
            for tx in 0..<cols {
                try cancel.check()
                let y0 = ty * t, x0 = tx * t, y1 = min(h, y0 + t), x1 = min(w, x0 + t)
                let cy0 = max(0, y0 - pad), cx0 = max(0, x0 - pad)
                let cy1 = min(h, y1 + pad), cx1 = min(w, x1 + pad)
                let tile = crop(x, y: cy0, x: cx0, height: cy1 - cy0, width: cx1 - cx0)
                let r = try network.forward(tile, pool: pool, cancel: cancel)
                paste(r, from: ((y0 - cy0) * s, (x0 - cx0) * s), size: ((y1 - y0) * s, (x1 - x0) * s),
                      into: &out, at: (y0 * s, x0 * s))
                done += 1
                progress?(Double(done) / Double(rows * cols))
            }
        }
        return out
    }

    /// The `[C, height, width]` window of `x` starting at (`y`, `x`).
    public static func crop(_ t: Tensor, y: Int, x: Int, height: Int, width: Int) -> Tensor {
        var out = Tensor(channels: t.channels, height: height, width: width)
        for c in 0..<t.channels {
            for r in 0..<height {
                let src = (c * t.height + y + r) * t.width + x, dst = (c * height + r) * width
                out.data.replaceSubrange(dst..<(dst + width), with: t.data[src..<(src + width)])
            }
        }
        return out
    }

    static func paste(_ src: Tensor, from: (Int, Int), size: (Int, Int), into dst: inout Tensor, at: (Int, Int)) {
        for c in 0..<src.channels {
            for r in 0..<size.0 {
                let s = (c * src.height + from.0 + r) * src.width + from.1
                let d = (c * dst.height + at.0 + r) * dst.width + at.1
                dst.data.replaceSubrange(d..<(d + size.1), with: src.data[s..<(s + size.1)])
            }
        }
    }
}
