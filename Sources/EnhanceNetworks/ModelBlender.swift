import EnhanceCheckpoints
import EnhanceTensor

/// A PSNR/GAN pair for network interpolation θ = (1 − α)·θ_psnr + α·θ_gan (ESRGAN net_interp):
/// the one blend path of the CLI (`upscale --method blend`, `interpolate`), the TUI and the bench.
///
/// The pair is checked once, here: same architecture, same keys with the same shapes (the
/// error names the first mismatch). Both models arrive prepared (their convs packed and
/// Winograd-transformed by their load), and every α reuses that: ``network(alpha:eager:)``
/// builds the blended network through the architecture's own init with convs made by
/// ``Conv2D/init(blending:_:alpha:)``, whose packed kernels are blended from the two ends'
/// on first use. Whatever a build derives non-linearly from the parameters (SRGAN's folded
/// BatchNorm) is derived from the blended parameters, so the network equals "blend the state
/// dict, then build" up to float rounding, and equals the end models exactly at α = 0 and 1.
public final class ModelBlender: @unchecked Sendable {
    /// The α = 0 end (PSNR model) and the α = 1 end (GAN model).
    public let psnr: LoadedModel
    public let gan: LoadedModel
    private let threads: Int

    /// Refuses pairs of different architectures or mismatching keys/shapes (error names the first).
    /// `threads` blend the canonical weights and, when asked, the prepared kernels.
    public init(psnr: LoadedModel, gan: LoadedModel, threads: Int = 2) throws {
        let a = psnr.detected.stateDict, b = gan.detected.stateDict
        try Self.checkCompatible(Side(name: psnr.name, architecture: psnr.detected.spec.architecture, keys: a.keys,
                                      shape: { a[$0]?.shape }),
                                 Side(name: gan.name, architecture: gan.detected.spec.architecture, keys: b.keys,
                                      shape: { b[$0]?.shape }))
        self.psnr = psnr
        self.gan = gan
        self.threads = threads
    }

    /// The blended canonical weights (A's key order, float32): what `enhance interpolate` writes.
    /// Each tensor is `(1 − α)·a + α·b`, computed by the same `blend` as every blended kernel.
    public func stateDict(alpha: Float) throws -> StateDict {
        try check(alpha)
        let a = psnr.detected.stateDict, b = gan.detected.stateDict, pool = ThreadPool(threads: threads)
        var out = StateDict()
        for key in a.keys {
            let ta = a[key]!
            out[key] = WeightTensor(shape: ta.shape, values: blend(ta.values, b[key]!.values, alpha: alpha, pool: pool))
        }
        return out
    }

    /// The blended network at `alpha`, ready at once: its convs blend their packed kernels on
    /// their first run (thread-safely, once), on the running pool's threads. `eager` blends every
    /// conv before returning instead (the bench measures both).
    public func network(alpha: Float, eager: Bool = false) throws -> any SuperResolutionNetwork {
        try check(alpha)
        let a = psnr.detected, b = gan.detected
        let blend = BlendSource(b: b.stateDict, convsA: a.convs, convsB: b.convs, alpha: alpha)
        let d = try NetworkRegistry.construct(a.modelDescription, a.stateDict, source: name(alpha), blend: blend)
        if eager {
            let pool = ThreadPool(threads: threads)
            for c in d.convs.values { c.prepare(pool: pool) }
        }
        return d.network
    }

    /// Writes ``stateDict(alpha:)`` as safetensors, tagged like ``LoadedModel/writeSafetensors(to:metadata:)``.
    public func writeSafetensors(alpha: Float, to path: String, metadata: [String: String] = [:]) throws {
        try LoadedModel.writeSafetensors(try stateDict(alpha: alpha), spec: psnr.detected.spec, to: path,
                                         metadata: metadata)
    }

    private func name(_ alpha: Float) -> String { "blend(\(psnr.name), \(gan.name), α=\(alpha))" }

    private func check(_ alpha: Float) throws {
        guard alpha.isFinite else { throw NetworkError(name(alpha), "alpha is not a finite number") }
    }

    /// What ``init(psnr:gan:threads:)`` checks, from the headers of the checkpoints at `psnrPath`
    /// and `ganPath` alone (``ModelInspection/network(path:)``: no tensor read, nothing built):
    /// the same architecture, the same keys with the same shapes. Returns their scale; throws naming
    /// the first mismatch (or why a file cannot be described).
    public static func checkCompatible(psnrPath: String, ganPath: String) throws -> Int {
        let a = try ModelInspection.network(path: psnrPath).network
        let b = try ModelInspection.network(path: ganPath).network
        func side(_ d: ModelDescription, _ path: String) -> Side {
            Side(name: path.split(separator: "/").last.map(String.init) ?? path, architecture: d.spec.architecture,
                 keys: d.shapes.keys, shape: { d.shapes[$0]?.shape })
        }
        try checkCompatible(side(a, psnrPath), side(b, ganPath))
        return a.spec.scale
    }

    /// One end of a pair as the compatibility check sees it: loaded weights or header shapes.
    struct Side {
        var name: String
        var architecture: Architecture
        var keys: [String]
        var shape: (String) -> [Int]?
    }

    /// Throws unless `a` and `b` are one architecture holding the same keys with the same shapes
    /// (naming the first that differs).
    static func checkCompatible(_ a: Side, _ b: Side) throws {
        let names = "\(a.name) + \(b.name)"
        guard a.architecture == b.architecture else {
            throw NetworkError(names, "cannot blend \(a.architecture.rawValue) with \(b.architecture.rawValue)")
        }
        for key in a.keys {
            guard let sb = b.shape(key) else {
                throw NetworkError(names, "cannot blend: '\(key)' is in \(a.name) but not in \(b.name)")
            }
            let sa = a.shape(key)!
            guard sa == sb else {
                throw NetworkError(names, "cannot blend: '\(key)' has shape \(sa) in \(a.name) but \(sb) in \(b.name)")
            }
        }
        if let extra = b.keys.first(where: { a.shape($0) == nil }) {
            throw NetworkError(names, "cannot blend: '\(extra)' is in \(b.name) but not in \(a.name)")
        }
    }
}
