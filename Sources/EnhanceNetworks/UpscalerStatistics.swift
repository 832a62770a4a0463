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
}

extension Upscaler {
    /// The first pass of `source` for this upscaler's network, or nil when the network takes no
    /// whole-map statistics (and for bicubic). The network runs once on the whole image as an
    /// untiled upscale passes it, when its longer side is at most ``UpscaleOptions/statisticsSide``
    /// (then every tiling equals the untiled pass); larger images are first reduced by Pillow's
    /// bicubic (antialiased) to that longer side. Its cost is one forward pass over at most
    /// `statisticsSide²` pixels (two with a model-upscaled alpha plane) plus reading the image once.
    public func statistics(of source: some PixelSource, cancel: CancellationToken? = nil) throws -> ImageStatistics? {
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
    /// would be that very pass: the image's own statistics are then what replaying it gives.
    func statistics(_ given: ImageStatistics?, of source: some PixelSource, onePiece: Bool,
                    cancel: CancellationToken?) throws -> ImageStatistics? {
        guard let given else {
            if onePiece && max(source.width, source.height) <= options.statisticsSide { return nil }
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
