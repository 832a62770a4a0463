import EnhanceImaging
import EnhanceTensor

/// An image's first pass under one ``Upscaler``: the whole-map statistics (GroupNorm moments,
/// channel means) that every tile, preview window and export band of that image replays, so that
/// the output does not depend on how the image is cut (``WholeImageStatistics``).
public struct ImageStatistics: Sendable {
    /// The size of the image it was recorded for (input pixels).
    public let width: Int, height: Int
    /// The RGB planes' record.
    public let rgb: WholeImageStatistics
    /// The alpha plane's (replicated to RGB), when the model upscales alpha.
    public let alpha: WholeImageStatistics?

    /// The sum of `terms`' records weighted by their factors (every group mean, variance and channel
    /// mean alike): how a blend's statistics at α are interpolated from first passes at other α.
    static func combined(_ terms: [(weight: Double, statistics: ImageStatistics)]) throws -> ImageStatistics {
        guard let first = terms.first?.statistics else { throw NetworkError("statistics", "nothing to combine") }
        func mix(_ planes: [WholeImageStatistics]) throws -> WholeImageStatistics {
            let p0 = planes[0]
            guard planes.allSatisfy({ p in p.layers.count == p0.layers.count
                    && zip(p.layers, p0.layers).allSatisfy { $0.count == $1.count } }) else {
                throw NetworkError("statistics", "the first passes do not have the same layers")
            }
            var layers = p0.layers.map { [Double](repeating: 0, count: $0.count) }
            for (t, p) in zip(terms, planes) {
                for l in layers.indices { for i in layers[l].indices { layers[l][i] += t.weight * p.layers[l][i] } }
            }
            return WholeImageStatistics(layers: layers, width: p0.width, height: p0.height)
        }
        guard terms.allSatisfy({ $0.statistics.width == first.width && $0.statistics.height == first.height
                                 && ($0.statistics.alpha == nil) == (first.alpha == nil) }) else {
            throw NetworkError("statistics", "the first passes are of different images")
        }
        let alphaPlane = first.alpha == nil ? nil : try mix(terms.map { $0.statistics.alpha! })
        return ImageStatistics(width: first.width, height: first.height, rgb: try mix(terms.map { $0.statistics.rgb }),
                               alpha: alphaPlane)
    }
}

extension Upscaler {
    /// The α values whose own first passes a blend's statistics are interpolated from.
    public static let statisticsNodes: [Float] = [0, 0.5, 1]

    /// Whether this upscaler replays statistics interpolated from other passes than its own: a blend
    /// at an α other than the ``statisticsNodes``, of a network with whole-image statistics.
    public var interpolatesStatistics: Bool {
        guard let blend, network?.hasWholeImageStatistics == true else { return false }
        return !Self.statisticsNodes.contains(blend.alpha)
    }

    /// The whole-image statistics of `source` that this upscaler's passes replay, or nil when its
    /// network takes none (and for bicubic). A single model, or a blend at one of the
    /// ``statisticsNodes``: its first pass (``firstPass(of:cancel:)``). A blend at another α: the
    /// quadratic through the blend's first passes at α = 0, ½ and 1, evaluated at α, value by value
    /// (``ImageStatistics/combined(_:)``), so that a new α costs no pass of its own: the statistics
    /// of a weight blend change smoothly with α, and README gives the measured distance to the
    /// blend's own pass. `node` supplies a node's pass, given its α and a maker of its upscaler (a
    /// cache: the TUI's, which makes the upscaler only for a pass it lacks), else each is made here.
    public func statistics(of source: some PixelSource, cancel: CancellationToken? = nil,
                           node: ((Float, () throws -> Upscaler) throws -> ImageStatistics?)? = nil)
        throws -> ImageStatistics? {
        guard interpolatesStatistics, let (pair, alpha) = blend else {
            return try firstPass(of: source, cancel: cancel)
        }
        let nodes = Self.statisticsNodes, t = Double(alpha)
        var terms: [(weight: Double, statistics: ImageStatistics)] = []
        for (i, a) in nodes.enumerated() {
            var weight = 1.0
            for (j, b) in nodes.enumerated() where j != i { weight *= (t - Double(b)) / Double(a - b) }
            let make = { try Upscaler(.blend(pair, alpha: a), options: self.options) }
            let made = try node.map { try $0(a, make) } ?? make().firstPass(of: source, cancel: cancel)
            guard let made else { throw NetworkError("statistics", "no first pass at α \(a)") }
            terms.append((weight, made))
        }
        return try ImageStatistics.combined(terms)
    }

    /// The first pass of `source` for this upscaler's network, or nil when the network takes no
    /// whole-map statistics (and for bicubic). The network runs once on the whole image as an
    /// untiled upscale passes it, when its longer side is at most ``UpscaleOptions/statisticsSide``
    /// (then every tiling equals the untiled pass); larger images are first reduced by Pillow's
    /// bicubic (antialiased) to that longer side. Its cost is one forward pass over at most
    /// `statisticsSide²` pixels (two with a model-upscaled alpha plane) plus reading the image once.
    public func firstPass(of source: some PixelSource, cancel: CancellationToken? = nil) throws -> ImageStatistics? {
        guard let net = network, net.hasWholeImageStatistics else { return nil }
        try cancel.check()
        let small = Self.firstPassImage(source, side: options.statisticsSide)
        let m = net.windowMultiple, pool = ThreadPool(threads: options.threads)
        func record(_ channels: [Int]) throws -> WholeImageStatistics {
            let x = ImageTensor.window(small, channels: channels, x0: 0, y0: 0, x1: small.width, y1: small.height,
                                       multiple: m)
            return try net.recordStatistics(x, pool: pool, cancel: cancel)
        }
        let alpha = source.channelCount == 4 && options.alpha == .model ? try record([3, 3, 3]) : nil
        return ImageStatistics(width: source.width, height: source.height, rgb: try record([0, 1, 2]), alpha: alpha)
    }

    /// What the first pass runs on: `source` itself when its longer side is at most `side`, else
    /// `source` resized by Pillow's bicubic so that its longer side is `side` (the other rounded,
    /// at least 1), read a band of rows at a time.
    static func firstPassImage(_ source: some PixelSource, side: Int) -> Image {
        let w = source.width, h = source.height, side = max(1, side)
        guard max(w, h) > side else { return source.rows(0..<h) }
        let f = Double(side) / Double(max(w, h))
        let tw = max(1, Int((Double(w) * f).rounded())), th = max(1, Int((Double(h) * f).rounded()))
        let plan = Resample.bicubicPlan(from: (w, h), to: (tw, th))
        let c = source.channelCount
        var pixels = [Float](repeating: 0, count: c * tw * th)
        var y = 0
        while y < th {
            let y1 = min(th, y + 16), taps = plan.inputRows(for: y..<y1)
            let band = plan.rows(of: source.rows(taps), y..<y1, imageTop: taps.lowerBound)
            for ch in 0..<c {
                let n = (y1 - y) * tw
                pixels.replaceSubrange((ch * th + y) * tw..<((ch * th + y) * tw + n),
                                       with: band.pixels[(ch * n)..<((ch + 1) * n)])
            }
            y = y1
        }
        return Image(width: tw, height: th, channelCount: c, pixels: pixels, bitDepth: source.bitDepth)
    }

    /// The statistics for `source` to replay: `given` (checked against its size), else its first
    /// pass; none when `onePiece` (the whole image runs in one forward pass) and the first pass
    /// would be that very pass: the image's own statistics are then what replaying it gives (not
    /// so for interpolated statistics).
    func statistics(_ given: ImageStatistics?, of source: some PixelSource, onePiece: Bool,
                    cancel: CancellationToken?) throws -> ImageStatistics? {
        guard let given else {
            if onePiece && max(source.width, source.height) <= options.statisticsSide && !interpolatesStatistics {
                return nil
            }
            return try statistics(of: source, cancel: cancel)
        }
        guard given.width == source.width, given.height == source.height else {
            throw NetworkError("upscale", "statistics of a \(given.width)×\(given.height) image given for a "
                               + "\(source.width)×\(source.height) one")
        }
        return network?.hasWholeImageStatistics == true ? given : nil
    }

    /// ``UpscaleOptions/forward`` replaying `record` (when there is one).
    func forwardOptions(replaying record: WholeImageStatistics?) -> ForwardOptions {
        var o = options.forward
        if let record { o.statistics = .replay(record) }
        return o
    }
}
