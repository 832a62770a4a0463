import EnhanceImaging
import EnhanceTensor

extension Upscaler {
    /// Produces the whole upscaled image as consecutive bands of output rows, top to bottom, so
    /// that memory holds one band (plus the input and the network's tile) instead of the image.
    /// The input is read through `source` a window of rows at a time, so it may stay compact
    /// (a ``DecodedImage``).
    ///
    /// Every band is a planar float ``Image`` of the full output width, clamped to [0, 1], with
    /// the input's channels (alpha upscaled as ``UpscaleOptions/alpha`` says). The bands put
    /// together equal ``upscale(_:progress:cancel:)`` bit for bit when both use the same tiles
    /// (an explicit ``UpscaleOptions/tileSize``); without one, tiles are chosen for streaming:
    /// see ``UpscaleOptions/streamTiles(for:width:budget:)``.
    /// - Parameters:
    ///   - statistics: the image's first pass, which every tile of a network with whole-map
    ///     statistics replays (``statistics(of:cancel:node:)``; made here, before the first band, when nil).
    ///   - progress: fraction of the image done, in [0, 1].
    ///   - band: receives each band in order; throwing stops the stream.
    public func stream(_ source: some PixelSource, statistics: ImageStatistics? = nil,
                       progress: ((Double) -> Void)? = nil, cancel: CancellationToken? = nil,
                       band: (Image) throws -> Void) throws {
        try cancel.check()
        guard let net = network else {
            guard let plan = bicubicPlan(width: source.width, height: source.height) else { return }
            let rows = max(1, (8 << 20) / max(1, plan.outputWidth * source.channelCount * 4))
            var y = 0
            while y < plan.outputHeight {
                try cancel.check()
                let y1 = min(plan.outputHeight, y + rows), taps = plan.inputRows(for: y..<y1)
                let out = plan.rows(of: source.rows(taps), y..<y1, imageTop: taps.lowerBound)
                try band(ImageTensor.clamped(out, like: out))
                progress?(Double(y1) / Double(plan.outputHeight))
                y = y1
            }
            return
        }
        try streamNetwork(net, source, statistics: statistics, progress: progress, cancel: cancel, band: band)
    }

    private func streamNetwork(_ net: any SuperResolutionNetwork, _ source: some PixelSource,
                               statistics given: ImageStatistics?, progress: ((Double) -> Void)?,
                               cancel: CancellationToken?, band: (Image) throws -> Void) throws {
        let m = net.windowMultiple, s = scale, w = source.width, h = source.height
        let pw = (w + m - 1) / m * m, ph = (h + m - 1) / m * m
        let tiles = options.tileSize.map { t in (t, t) } ?? options.streamTiles(for: net, width: pw)
        let grid = Tiler.Grid(net, width: pw, height: ph, tileWidth: tiles.0, tileHeight: tiles.1,
                              margin: options.margin(for: net))
        let stats = try statistics(given, of: source, onePiece: grid.isSingleTile, cancel: cancel)
        let modelAlpha = source.channelCount == 4 && options.alpha == .model
        let bicubicAlpha = source.channelCount == 4 && !modelAlpha
        let alphaPlan = bicubicAlpha ? Resample.bicubicPlan(from: (w, h), to: (w * s, h * s)) : nil
        let passes = Double(modelAlpha ? 2 : 1)
        let pool = ThreadPool(threads: options.threads)
        for r in 0..<grid.rows {
            let core = grid.rowRange(r)
            let inRows = core.lowerBound..<min(h, core.upperBound)
            guard !inRows.isEmpty else { continue }
            let outRows = (inRows.lowerBound * s)..<(inRows.upperBound * s)
            // The input rows this band reads: its tiles' context (reflected past the bottom edge)
            // and, for bicubic alpha, the cubic taps.
            var window = Self.reflectedRows(grid.context(core, ph), height: h)
            if let alphaPlan { window = Self.union(window, alphaPlan.inputRows(for: outRows)) }
            let input = source.rows(window)
            func tiles(_ channels: [Int]) -> Tiler.Source {
                { rr, cc in
                    ImageTensor.paddedCrop(input, channels: channels, x0: 0, y0: 0, x1: w, y1: h, rows: rr,
                                           columns: cc, imageTop: window.lowerBound)
                }
            }
            func report(_ pass: Int) -> (Double) -> Void {
                { f in progress?((Double(r) + (Double(pass) + f) / passes) / Double(grid.rows)) }
            }
            let rgb = try Tiler.band(net, row: r, grid: grid, source: tiles([0, 1, 2]), pool: pool, cancel: cancel,
                                     options: forwardOptions(replaying: stats?.rgb), progress: report(0))
            var pixels = Self.rows(rgb, width: w * s, height: inRows.count * s)
            if modelAlpha {
                let a = try Tiler.band(net, row: r, grid: grid, source: tiles([3, 3, 3]), pool: pool, cancel: cancel,
                                       options: forwardOptions(replaying: stats?.alpha), progress: report(1))
                pixels += ImageTensor.alphaFromModel(Self.rows(a, width: w * s, height: inRows.count * s))
            } else if let alphaPlan {
                pixels += alphaPlan.rows(of: input, outRows, imageTop: window.lowerBound).alphaPlane
            }
            for i in pixels.indices { pixels[i] = min(1, max(0, pixels[i])) }
            try band(Image(width: w * s, height: inRows.count * s, channelCount: source.channelCount,
                           pixels: pixels, bitDepth: source.bitDepth))
        }
    }

    /// The real rows that padded rows `rows` read (rows past `height` reflect back inside).
    static func reflectedRows(_ rows: Range<Int>, height h: Int) -> Range<Int> {
        guard rows.upperBound > h else { return rows }
        let lowest = max(0, 2 * (h - 1) - (rows.upperBound - 1))
        return min(rows.lowerBound, lowest)..<h
    }

    static func union(_ a: Range<Int>, _ b: Range<Int>) -> Range<Int> {
        min(a.lowerBound, b.lowerBound)..<max(a.upperBound, b.upperBound)
    }

    /// The top-left `[3, height, width]` of a band tensor, flattened CHW (no copy when it is all of it).
    private static func rows(_ t: Tensor, width: Int, height: Int) -> [Float] {
        if t.width == width && t.height == height { return t.data }
        return Tiler.crop(t, y: 0, x: 0, height: height, width: width).data
    }
}

extension UpscaleOptions {
    /// Working memory of a streamed upscale beyond the input and the model: one band of output
    /// floats plus the network's activations for one tile (768 MiB, or a third of the memory
    /// available when that is less).
    public static func streamBudgetBytes(available: Int = availableMemoryBytes()) -> Int {
        min(768 << 20, max(64 << 20, available / 3))
    }

    /// Tiles for a streamed upscale of a `width`-pixel-wide (padded) input: the largest square core
    /// whose activations (context included, estimated from the network's peak floats per pixel)
    /// and band of output rows (`3 × scale² × width` floats per input row) fit
    /// ``streamBudgetBytes(available:)``, so memory does not depend on the image's height.
    public func streamTiles(for network: any SuperResolutionNetwork, width: Int,
                            budget: Int = streamBudgetBytes()) -> (width: Int, height: Int) {
        let s = Double(network.scale), m = network.inputMultiple, margin = 2 * self.margin(for: network)
        let activation = network.peakFloatsPerInputPixel * 4 * 1.25
        let bandRow = 3 * 4 * s * s * Double(width) * 1.1
        var core = 1024
        while core > 32 {
            let edge = Double(core + margin)
            if edge * edge * activation + Double(core) * bandRow <= Double(budget) { break }
            core -= 8
        }
        let t = max(m, core / m * m)
        return (t, t)
    }
}
