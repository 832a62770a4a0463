import EnhanceCheckpoints
import EnhanceTensor

/// Repeated weight interpolation between two fixed models (e.g. the TUI's α slider): checks and
/// packs the pair once, then each ``model(alpha:)`` is one vectorised blend plus a network build.
public final class ModelBlender: @unchecked Sendable {
    /// The α = 0 end (PSNR model) and the α = 1 end (GAN model).
    public let psnr: LoadedModel
    public let gan: LoadedModel
    private let interpolator: WeightInterpolator
    private let pool: ThreadPool

    /// Refuses pairs of different architectures or mismatching keys/shapes (error names the first).
    public init(psnr: LoadedModel, gan: LoadedModel, threads: Int = 2) throws {
        guard psnr.detected.spec.architecture == gan.detected.spec.architecture else {
            throw NetworkError("\(psnr.name) + \(gan.name)",
                               "cannot blend \(psnr.detected.spec.architecture.rawValue) with \(gan.detected.spec.architecture.rawValue)")
        }
        interpolator = try WeightInterpolator(psnr.detected.stateDict, gan.detected.stateDict,
                                              nameA: psnr.name, nameB: gan.name)
        self.psnr = psnr
        self.gan = gan
        pool = ThreadPool(threads: threads)
    }

    /// θ = (1 − α)·θ_psnr + α·θ_gan as a runnable model.
    public func model(alpha: Float) throws -> LoadedModel {
        let name = "blend(\(psnr.name), \(gan.name), α=\(alpha))"
        guard alpha.isFinite else { throw NetworkError(name, "alpha is not a finite number") }
        let sd = interpolator.blend(alpha: alpha, pool: pool)
        let d = try NetworkRegistry.build(psnr.detected.spec.architecture, sd, source: name,
                                          layout: psnr.detected.spec.keyLayout)
        return LoadedModel(name: name, detected: d, info: ModelInfo(d, sha256: "", sourceFormat: "blend"))
    }
}
