import EnhanceImaging
import EnhanceNetworks

/// The first passes (whole-image statistics, ``Upscaler/statistics(of:cancel:)``) of one image under
/// the pair's networks, by α (the PSNR end is α 0, the GAN end α 1). A network whose layers
/// normalise by whole-map statistics (RealPLKSR's GroupNorm) needs one per α, and it costs a
/// reduced-image inference (RealPLKSR dim 64 × 28 blocks: ~2.7 s on 2 AVX2 cores at 256 px), so
/// each is made once per image and α, whichever upscaler is kept (ladder steps and views alternate).
/// Another α's statistics are never borrowed: replaying α 0.30's at α 0.31 put RealPLKSR's views
/// 14 8-bit levels off on average (max 255) on two random real-size checkpoints.
struct FirstPasses {
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

    /// The statistics of `alpha`, if made.
    func lookup(_ alpha: Float) -> ImageStatistics? {
        byAlpha.first { $0.alpha == alpha }?.statistics
    }

    mutating func insert(_ alpha: Float, _ statistics: ImageStatistics) {
        byAlpha.removeAll { $0.alpha == alpha }
        byAlpha.append((alpha, statistics))
        if byAlpha.count > Self.capacity { byAlpha.removeFirst() }
    }
}
