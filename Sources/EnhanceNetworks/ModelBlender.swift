import EnhanceCheckpoints
import EnhanceONNX
import EnhanceTensor

/// A PSNR/GAN pair for network interpolation θ = (1 − α)·θ_psnr + α·θ_gan (ESRGAN net_interp):
/// the one blend path of the CLI (`upscale --method blend`, `interpolate`), the TUI and the bench.
///
/// The pair is checked once, here: same architecture, same keys with the same shapes (the
/// error names the first mismatch). ``network(alpha:eager:)`` builds the blended network from the
/// family's own block tree (``Scope``), with plain convs made by ``Conv2D/init(blending:_:alpha:layout:)``,
/// which on their first run blend the two ends' raw weights and transform them into kernels of
/// their own (the ends' kernels are never made for a blend, so memory holds one set). Whatever a
/// build derives from the parameters (a folded BatchNorm, a re-parameterised conv) is derived from
/// the blended parameters, so the network equals "blend the state dict, then build" up to float
/// rounding, and equals the end models exactly at α = 0 and 1.
public final class ModelBlender: @unchecked Sendable {
    /// The α = 0 end (PSNR model) and the α = 1 end (GAN model).
    public let psnr: LoadedModel
    public let gan: LoadedModel
    private let threads: Int
    /// Blended networks run every conv on the CHW F(4×4) path (kernels 4× the weights) instead of
    /// the channel-packed F(6×6) one (7.1×): for the UI, which must stay within 1 GiB with
    /// RealESRGAN_x4plus (474 → 268 MB of kernels), at ~15 % more time per inference.
    public let compactKernels: Bool

    /// Refuses pairs of different architectures or mismatching keys/shapes (error names the first).
    /// `threads` blend the canonical weights and, when asked, the prepared kernels.
    public init(psnr: LoadedModel, gan: LoadedModel, threads: Int = 2, compactKernels: Bool = false) throws {
        self.compactKernels = compactKernels
        try Self.checkCompatible(psnr.detected.modelDescription, gan.detected.modelDescription, psnr.name, gan.name)
        self.psnr = psnr
        self.gan = gan
        self.threads = threads
    }

    /// The blended canonical weights (A's key order): what `enhance interpolate` writes. Each tensor
    /// is `(1 − α)·a + α·b`, computed by the same `blend` as every blended kernel, and keeps the
    /// ends' element type where they agree (F32 where they differ). Integer tensors of both ends
    /// (index buffers such as `relative_position_index`) are not weights: the α = 0 end's are kept,
    /// as are tensors both ends hold alike (derived float buffers stay exact).
    public func stateDict(alpha: Float) throws -> StateDict {
        try check(alpha)
        let a = psnr.detected.stateDict, b = gan.detected.stateDict, pool = ThreadPool(threads: threads)
        var out = StateDict()
        for key in a.keys {
            let ta = a[key]!, tb = b[key]!
            // Integer buffers, and tensors both ends hold alike (derived float buffers such as
            // offset tables, which (1 − α)·a + α·a could move by an ulp), are kept as they are.
            if !ta.dtype.isFloatingPoint && !tb.dtype.isFloatingPoint || ta.values == tb.values {
                out[key] = ta
                continue
            }
            out[key] = WeightTensor(shape: ta.shape, values: blend(ta.values, tb.values, alpha: alpha, pool: pool),
                                    dtype: ta.dtype == tb.dtype ? ta.dtype : .float32)
        }
        return out
    }

    /// The blended network at `alpha`, ready at once: its convs blend the ends' weights and make
    /// their kernels on their first run (thread-safely, once), on the running pool's threads.
    /// `eager` prepares every conv before returning instead (the bench measures both).
    public func network(alpha: Float, eager: Bool = false) throws -> any SuperResolutionNetwork {
        try check(alpha)
        let a = psnr.detected, b = gan.detected
        if let na = a.network as? ONNXNetwork, let nb = b.network as? ONNXNetwork {
            return try na.blended(with: nb, alpha: alpha, threads: threads)
        }
        let blend = BlendSource(a: a.stateDict, b: b.stateDict, convsA: a.convs, convsB: b.convs, alpha: alpha,
                                compactKernels: compactKernels)
        let d = try NetworkRegistry.construct(a.modelDescription, a.stateDict, source: name(alpha), blend: blend)
        if eager {
            let pool = ThreadPool(threads: threads)
            for c in d.convs.values { c.prepare(pool: pool) }
        }
        return d.network
    }

    /// Writes ``stateDict(alpha:)`` as safetensors, stored as `dtype` (F32, F16 or BF16) when given,
    /// else in each tensor's type, tagged like ``LoadedModel/writeSafetensors(to:dtype:metadata:)``.
    public func writeSafetensors(alpha: Float, to path: String, dtype: DType? = nil,
                                 metadata: [String: String] = [:]) throws {
        try LoadedModel.writeSafetensors(try stateDict(alpha: alpha), network: psnr.detected.modelDescription, to: path,
                                         dtype: dtype, metadata: metadata)
    }

    /// Writes the blend at `alpha` of two ONNX files of one graph as an `.onnx` file: the PSNR end's
    /// file with every float initializer `(1 − α)·a + α·b` of the two files' initializers of that
    /// name (in its element type). For a pair run natively this is the same blend: the family's
    /// tensors are the initializers, transposed, reshaped or gathered, all linear.
    public func writeONNX(alpha: Float, to path: String) throws {
        try check(alpha)
        guard let a = psnr.detected.onnx, let b = gan.detected.onnx else {
            throw NetworkError(name(alpha), "only a pair of ONNX files is written as .onnx")
        }
        var blended: [String: [Float]] = [:]
        for key in a.initializerNames {
            guard case .float(let va)? = a.initializers[key]?.values else { continue }
            guard case .float(let vb)? = b.initializers[key]?.values, va.count == vb.count else {
                throw NetworkError(name(alpha), "initializer '\(key)' is not in both files with one shape (their "
                                   + "graphs differ); write .safetensors instead")
            }
            blended[key] = alpha == 0 ? va : alpha == 1 ? vb : blend(va, vb, alpha: alpha)
        }
        try ONNXWriter.write(a, replacing: blended, to: path)
    }

    private func name(_ alpha: Float) -> String { "blend(\(psnr.name), \(gan.name), α=\(alpha))" }

    private func check(_ alpha: Float) throws {
        guard alpha.isFinite else { throw NetworkError(name(alpha), "alpha is not a finite number") }
    }

    /// Throws unless `a` and `b` are one architecture with the same canonical keys and shapes (naming
    /// the first difference): the check a pair passes to be blended, from the tensor shapes alone.
    static func checkCompatible(_ da: ModelDescription, _ db: ModelDescription, _ nameA: String,
                                _ nameB: String) throws {
        let names = "\(nameA) + \(nameB)"
        guard da.family == db.family else {
            throw NetworkError(names, "cannot blend \(da.family) with \(db.family)")
        }
        try ONNXGraph.checkSameGraph(da, db, names)
        let a = da.shapes, b = db.shapes
        for key in a.keys {
            guard let tb = b[key] else {
                throw NetworkError(names, "cannot blend: '\(key)' is in \(nameA) but not in \(nameB)")
            }
            let ta = a[key]!
            guard ta.shape == tb.shape else {
                throw NetworkError(names, "cannot blend: '\(key)' has shape \(ta.shape) in \(nameA) "
                                   + "but \(tb.shape) in \(nameB)")
            }
        }
        if let extra = b.keys.first(where: { a[$0] == nil }) {
            throw NetworkError(names, "cannot blend: '\(extra)' is in \(nameB) but not in \(nameA)")
        }
    }
}
