import EnhanceImaging
import EnhanceNetworks

/// The first passes (whole-image statistics, ``Upscaler/statistics(of:cancel:)``) of one image under
/// the pair's networks, by α (the PSNR end is α 0, the GAN end α 1). A network whose layers
/// normalise by whole-map statistics (RealPLKSR's GroupNorm) needs one per α, and it costs a
/// reduced-image inference (RealPLKSR dim 64 × 28 blocks: ~3.4 s on 2 AVX2 cores at 256 px), so:
/// an interactive view at a new α replays the nearest α's statistics within ``nearestSpan`` (the
/// statistics move smoothly with α), and the view's refinement, the export and a view with no
/// neighbour near enough compute their own α's.
struct FirstPasses {
    /// How far (in α) an interactive view may borrow another α's statistics.
    static let nearestSpan: Float = 0.1
    /// α values kept per image (a handful of floats per normalisation layer each).
    static let capacity = 32

    private var image: Image?
    private var byAlpha: [(alpha: Float, statistics: ImageStatistics)] = []

    /// Forgets the passes of another image than `image`.
    mutating func use(_ image: Image) {
        if let kept = self.image, kept.width == image.width, kept.height == image.height,
           kept.channelCount == image.channelCount, kept.pixels == image.pixels { return }
        self.image = image
        byAlpha = []
    }

    /// The statistics of `alpha` itself, or with `nearest` of the closest α within ``nearestSpan``.
    func lookup(_ alpha: Float, nearest: Bool) -> ImageStatistics? {
        guard let best = byAlpha.min(by: { abs($0.alpha - alpha) < abs($1.alpha - alpha) }) else { return nil }
        let d = abs(best.alpha - alpha)
        return d == 0 || (nearest && d <= Self.nearestSpan + 1e-4) ? best.statistics : nil
    }

    mutating func insert(_ alpha: Float, _ statistics: ImageStatistics) {
        byAlpha.removeAll { $0.alpha == alpha }
        byAlpha.append((alpha, statistics))
        if byAlpha.count > Self.capacity { byAlpha.removeFirst() }
    }
}
