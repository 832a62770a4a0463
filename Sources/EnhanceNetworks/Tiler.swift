import EnhanceTensor

/// Runs a network over a CHW tensor in tiles so that peak memory is bounded by the tile size.
///
/// Each core tile is cut out of the input with `margin` extra context pixels on every side
/// (clipped at the image border), run through the network, and only the output of the core is
/// kept. With `margin ≥ network.receptiveRadius` the result equals the untiled forward pass up to
/// float rounding; smaller margins trade exactness for speed. A tile's output depends only on its
/// grid position, so a row of tiles computed on its own (``band(_:row:grid:source:pool:cancel:progress:)``,
/// the streamed export) equals the same rows of ``run(_:_:tileSize:margin:pool:cancel:progress:)``.
public enum Tiler {
    /// The tile layout over an `height × width` input (both multiples of the window multiple).
    public struct Grid: Sendable, Equatable {
        public let width: Int, height: Int
        /// Core tile size (input pixels, multiples of the tile multiple).
        public let tileWidth: Int, tileHeight: Int
        /// Context margin (input pixels, a multiple of the tile multiple, 0 = none).
        public let margin: Int

        /// A grid of `tileWidth × tileHeight` cores with `margin` (both rounded up to the network's
        /// tile multiple: its input multiple, or a window size that every tile's windows then share).
        public init(_ network: any SuperResolutionNetwork, width: Int, height: Int, tileWidth: Int,
                    tileHeight: Int, margin: Int) {
            let m = network.tileMultiple
            func up(_ v: Int) -> Int { (max(v, 1) + m - 1) / m * m }
            self.width = width
            self.height = height
            self.tileWidth = up(tileWidth)
            self.tileHeight = up(tileHeight)
            self.margin = margin <= 0 ? 0 : up(margin)
        }

        /// Whether one tile covers everything (the network then runs untiled: no seams at all).
        public var isSingleTile: Bool { tileWidth >= width && tileHeight >= height }
        public var rows: Int { isSingleTile ? 1 : (height + tileHeight - 1) / tileHeight }
        public var columns: Int { isSingleTile ? 1 : (width + tileWidth - 1) / tileWidth }

        /// Input rows of tile row `r`.
        public func rowRange(_ r: Int) -> Range<Int> {
            isSingleTile ? 0..<height : (r * tileHeight)..<min(height, (r + 1) * tileHeight)
        }

        /// Input columns of tile column `c`.
        public func columnRange(_ c: Int) -> Range<Int> {
            isSingleTile ? 0..<width : (c * tileWidth)..<min(width, (c + 1) * tileWidth)
        }

        /// The context window of a core range along an axis of length `n`.
        func context(_ core: Range<Int>, _ n: Int) -> Range<Int> {
            isSingleTile ? 0..<n : max(0, core.lowerBound - margin)..<min(n, core.upperBound + margin)
        }
    }

    /// Reads the `[C, rows, columns]` window of the input (rows and columns in input pixels).
    public typealias Source = (_ rows: Range<Int>, _ columns: Range<Int>) -> Tensor

    /// Upscales `x` (`[3, H, W]`, `H` and `W` multiples of `network.windowMultiple`).
    /// - Parameters:
    ///   - tileSize: core tile edge in input pixels (rounded up to the input multiple).
    ///   - margin: context pixels around each tile (rounded up to the input multiple).
    ///   - progress: called after each tile with the completed fraction in [0, 1].
    ///   - cancel: checked before each tile and between network blocks.
    ///   - options: passed to every forward pass (``ForwardOptions/statistics``: an image's
    ///     replayed first pass makes tiles independent of the grid).
    public static func run(_ network: any SuperResolutionNetwork, _ x: Tensor, tileSize: Int, margin: Int,
                           pool: ThreadPool, cancel: CancellationToken? = nil, options: ForwardOptions = .init(),
                           progress: ((Double) -> Void)? = nil) throws -> Tensor {
        let m = network.windowMultiple, s = network.scale
        guard x.height % m == 0, x.width % m == 0 else {
            throw NetworkError("tiler", "input \(x.width)×\(x.height) is not a multiple of \(m)")
        }
        let grid = Grid(network, width: x.width, height: x.height, tileWidth: tileSize, tileHeight: tileSize,
                        margin: margin)
        let source: Source = { r, c in crop(x, y: r.lowerBound, x: c.lowerBound, height: r.count, width: c.count) }
        if grid.isSingleTile {
            return try band(network, row: 0, grid: grid, source: source, pool: pool, cancel: cancel, options: options,
                            progress: progress)
        }
        var out = Tensor(channels: 3, height: x.height * s, width: x.width * s)
        for r in 0..<grid.rows {
            let b = try band(network, row: r, grid: grid, source: source, pool: pool, cancel: cancel,
                             options: options) { f in
                progress?((Double(r) + f) / Double(grid.rows))
            }
            paste(b, from: (0, 0), size: (b.height, b.width), into: &out, at: (grid.rowRange(r).lowerBound * s, 0))
        }
        return out
    }

    /// The output of tile row `row`: `[3, rows·scale, width·scale]` for the grid's input rows
    /// `grid.rowRange(row)`, tile by tile from left to right.
    /// - Parameter progress: fraction of this band's tiles done, after each tile.
    public static func band(_ network: any SuperResolutionNetwork, row: Int, grid: Grid, source: Source,
                            pool: ThreadPool, cancel: CancellationToken? = nil, options: ForwardOptions = .init(),
                            progress: ((Double) -> Void)? = nil) throws -> Tensor {
        let s = network.scale
        let core = grid.rowRange(row), ctxRows = grid.context(core, grid.height)
        if grid.isSingleTile {
            try cancel.check()
            let y = try network.forward(source(core, 0..<grid.width), pool: pool, cancel: cancel, options: options)
            progress?(1)
            return y
        }
        var out = Tensor(channels: 3, height: core.count * s, width: grid.width * s)
        for c in 0..<grid.columns {
            try cancel.check()
            let cols = grid.columnRange(c), ctxCols = grid.context(cols, grid.width)
            let r = try network.forward(source(ctxRows, ctxCols), pool: pool, cancel: cancel, options: options)
            paste(r, from: ((core.lowerBound - ctxRows.lowerBound) * s, (cols.lowerBound - ctxCols.lowerBound) * s),
                  size: (core.count * s, cols.count * s), into: &out, at: (0, cols.lowerBound * s))
            progress?(Double(c + 1) / Double(grid.columns))
        }
        return out
    }

    /// The `[C, height, width]` window of `x` starting at (`y`, `x`).
    public static func crop(_ t: Tensor, y: Int, x: Int, height: Int, width: Int) -> Tensor {
        t.cropped(y: y, x: x, height: height, width: width)
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
