import EnhanceImaging
import EnhanceNetworks

/// The statistics (``Upscaler/statistics(of:cancel:node:)``) of one image under the pair's
/// networks, by α (the PSNR end is α 0, the GAN end α 1). A network whose layers normalise by
/// whole-map statistics (RealPLKSR's GroupNorm) needs a first pass at α 0, ½ and 1, each a
/// reduced-image inference (RealPLKSR dim 64 × 28 blocks: ~2.5 s on 2 AVX2 cores at 256 px); every
/// other α interpolates them. All are made once per image, whichever upscaler is kept (ladder steps
/// and views alternate), and the nodes' passes are never evicted.
struct FirstPasses {
    /// α values kept per image (a handful of floats per normalisation layer each).
    static let capacity = 32

    private var image: Image?
    private var byAlpha: [(alpha: Float, statistics: ImageStatistics)] = []
    /// The background making of this image's node passes, once started.
    private var prefetch: CancellationToken?

    /// Forgets the passes of another image than `image`.
    mutating func use(_ image: Image) {
        if let kept = self.image, kept.width == image.width, kept.height == image.height,
           kept.channelCount == image.channelCount, kept.pixels == image.pixels { return }
        self.image = image
        byAlpha = []
        cancelPrefetch()
        prefetch = nil
    }

    /// A token for the background making of this image's node passes, or nil when it was started.
    mutating func startPrefetch() -> CancellationToken? {
        guard prefetch == nil else { return nil }
        let token = CancellationToken()
        prefetch = token
        return token
    }

    /// The token of this image's background node passes (nil before ``startPrefetch()``): what node
    /// passes are cancelled by, whoever makes them.
    var prefetchToken: CancellationToken? { prefetch }

    /// Stops the background making of node passes (another image or pair takes their place).
    func cancelPrefetch() { prefetch?.cancel() }

    /// The statistics of `alpha`, if made.
    func lookup(_ alpha: Float) -> ImageStatistics? {
        byAlpha.first { $0.alpha == alpha }?.statistics
    }

    mutating func insert(_ alpha: Float, _ statistics: ImageStatistics) {
        byAlpha.removeAll { $0.alpha == alpha }
        byAlpha.append((alpha, statistics))
        // The oldest goes first, but never a node's pass (every other α is interpolated from those).
        if byAlpha.count > Self.capacity,
           let i = byAlpha.firstIndex(where: { !Upscaler.statisticsNodes.contains($0.alpha) }) {
            byAlpha.remove(at: i)
        }
    }
}
