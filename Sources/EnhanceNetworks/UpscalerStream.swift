import EnhanceImaging
import EnhanceTensor

extension Upscaler {
    /// Produces the whole upscaled image as consecutive bands of output rows, top to bottom, so
    /// that memory holds one band (plus the input and the network's tile) instead of the image.
    ///
    /// Every band is a planar float ``Image`` of the full output width, clamped to [0, 1], with
    /// the input's channels (alpha upscaled as ``UpscaleOptions/alpha`` says). The bands put
    /// together equal ``upscale(_:progress:cancel:)`` bit for bit when both use the same tiles
    /// (an explicit ``UpscaleOptions/tileSize``); without one, tiles are chosen for streaming:
    /// see ``UpscaleOptions/streamTiles(for:width:budget:)``.
    /// - Parameters:
    ///   - progress: fraction of the image done, in [0, 1].
    ///   - band: receives each band in order; throwing stops the stream.
    public func stream(_ image: Image, progress: ((Double) -> Void)? = nil, cancel: CancellationToken? = nil,
                       band: (Image) throws -> Void) throws {
        try cancel.check()
        guard let net = network else {
            guard let plan = bicubicPlan(width: image.width, height: image.height) else { return }
            let rows = max(1, (8 << 20) / max(1, plan.outputWidth * image.channelCount * 4))
            var y = 0
            while y < plan.outputHeight {
                try cancel.check()
                let y1 = min(plan.outputHeight, y + rows)
                try band(ImageTensor.clamped(plan.rows(of: image, y..<y1), like: image))
                progress?(Double(y1) / Double(plan.outputHeight))
                y = y1
            }
            return
        }
        try streamNetwork(net, image, progress: progress, cancel: cancel, band: band)
    }

    private func streamNetwork(_ net: any SuperResolutionNetwork, _ image: Image, progress: ((Double) -> Void)?,
                               cancel: CancellationToken?, band: (Image) throws -> Void) throws {
        let m = net.inputMultiple, s = scale, w = image.width, h = image.height
        let pw = (w + m - 1) / m * m, ph = (h + m - 1) / m * m
        let tiles = options.tileSize.map { t in (t, t) } ?? options.streamTiles(for: net, width: pw)
        let grid = Tiler.Grid(net, width: pw, height: ph, tileWidth: tiles.0, tileHeight: tiles.1,
                              margin: options.margin(for: net))
        func source(_ channels: [Int]) -> Tiler.Source {
            { r, c in
                ImageTensor.paddedCrop(image, channels: channels, x0: 0, y0: 0, x1: w, y1: h, rows: r, columns: c)
            }
        }
        let modelAlpha = image.hasAlpha && options.alpha == .model
        let passes = Double(modelAlpha ? 2 : 1)
        let pool = ThreadPool(threads: options.threads)
        for r in 0..<grid.rows {
            let core = grid.rowRange(r)
            let inRows = core.lowerBound..<min(h, core.upperBound)
            guard !inRows.isEmpty else { continue }
            func report(_ pass: Int) -> (Double) -> Void {
                { f in progress?((Double(r) + (Double(pass) + f) / passes) / Double(grid.rows)) }
            }
            let rgb = try Tiler.band(net, row: r, grid: grid, source: source([0, 1, 2]), pool: pool, cancel: cancel,
                                     progress: report(0))
            var pixels = Self.rows(rgb, width: w * s, height: inRows.count * s)
            if image.hasAlpha {
                if modelAlpha {
                    let a = try Tiler.band(net, row: r, grid: grid, source: source([3, 3, 3]), pool: pool,
                                           cancel: cancel, progress: report(1))
                    pixels += ImageTensor.alphaFromModel(Self.rows(a, width: w * s, height: inRows.count * s))
                } else {
                    pixels += try bicubicRegion(image, x: 0, y: inRows.lowerBound, width: w,
                                                height: inRows.count).alphaPlane
                }
            }
            for i in pixels.indices { pixels[i] = min(1, max(0, pixels[i])) }
            try band(Image(width: w * s, height: inRows.count * s, channelCount: image.channelCount, pixels: pixels,
                           bitDepth: image.bitDepth, text: image.text))
        }
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
