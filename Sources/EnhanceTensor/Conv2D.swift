import Foundation

/// A 2-D convolution layer: stride 1, zero padding `kernelSize / 2` ("same" output size), bias,
/// any odd kernel size, optionally grouped (``groups``; depthwise when groups = inChannels).
///
/// Weights are **OIHW** (`[outChannels, inChannels / groups, k, k]`, row-major, PyTorch's layout),
/// bias `[outChannels]`; group `g` maps input channels `g·I/G ..< (g+1)·I/G` to output channels
/// `g·O/G ..< (g+1)·O/G`.
/// Inputs, residual and output are ``Tensor``s in the convolution's ``layout``, fixed at init. The
/// computation is `out = act(conv(concat(inputs)) + bias) * outputScale + residual`.
///
/// On CHW tensors dense 3×3 kernels run as Winograd F(4×4, 3×3) (kernels 4× the weights); dense
/// kernels of 9×9 and more (``FFTConv/minKernelSize``) as an overlap-save FFT convolution on 64×64
/// (32×32 for 9×9 to 11×11) tiles (``FFTConv``; kernel spectra ~`n²/k²` times the weights); other
/// sizes run as a direct SIMD convolution on the GEMM micro-kernel (1×1 is a plain GEMM). Grouped
/// convolutions (3×3 included) run per group on
/// the direct kernel, depthwise ones on a kernel of their own (``DepthwiseConv``), both CHW only.
/// On ``TensorLayout/packed16`` tensors 3×3 kernels run as the channel-packed F(6×6)
/// (``TileWinograd``, kernels 64/9× the weights), 1×1 as a GEMM over packed pixels
/// (``PackedPointwise``, kernels the weights' size). Kernels are made on first use (or
/// ``prepare(pool:)``). ``reference(_:activation:outputScale:residual:pool:)`` keeps the naive
/// loop nest as an oracle.
public final class Conv2D: @unchecked Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: Int
    /// Channel groups (1: dense; inChannels: depthwise).
    public let groups: Int
    /// The layout of the tensors this convolution reads and writes: it picks the kernel.
    public let layout: TensorLayout
    /// OIHW weights as given (a blend's, ``init(blending:_:alpha:)``, are blended on each access).
    public var weight: [Float] { blendOf.map { Conv2D.blend($0.a.weight, $0.b.weight, $0.alpha) } ?? given }
    /// Per-output-channel bias.
    public let bias: [Float]

    /// How a convolution is computed (tests pin a path; networks use `.automatic`).
    enum Algorithm { case automatic, winograd, direct, fft }

    /// Inputs up to this many pixels run a large kernel direct while its FFT spectra are not yet made.
    static let directBeforeSpectraArea = 64 * 64

    /// Kernels packed once, on first use, for the automatic path and ``KernelISA/compiled``
    /// (``pack(_:outChannels:inChannels:kernelSize:groups:direct:rows:pool:)``); a blend's are blended.
    let packed: PackedKernels
    /// Channel-packed F(6×6) `U` (``TileWinograd``), made on first use.
    let tileKernels: PackedKernels
    /// ``PackedToFew``'s weights (a packed16 input, few CHW outputs), made on first use.
    let fewKernels: PackedKernels
    private let given: [Float]
    /// The ends and α of a blend.
    private let blendOf: (a: Conv2D, b: Conv2D, alpha: Float)?

    /// `layout` `.packed16` needs a shape ``accepts(packed16:inChannels:outChannels:kernelSize:)`` allows
    /// (and `groups` 1); `groups` must divide both channel counts.
    public init(weight: [Float], bias: [Float]?, inChannels: Int, outChannels: Int, kernelSize: Int,
                groups: Int = 1, layout: TensorLayout = .chw) {
        precondition(groups >= 1 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2D: \(groups) groups do not divide \(inChannels)→\(outChannels)")
        precondition(weight.count == outChannels * inChannels / groups * kernelSize * kernelSize,
                     "Conv2D: weight count does not match shape")
        precondition(kernelSize % 2 == 1, "Conv2D: odd kernel sizes only")
        precondition(layout == .chw || (groups == 1 && Self.accepts(packed16: inChannels, outChannels, kernelSize)),
                     "Conv2D: \(inChannels)→\(outChannels) \(kernelSize)² cannot run packed16")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.groups = groups
        self.layout = layout
        given = weight
        blendOf = nil
        self.bias = bias ?? [Float](repeating: 0, count: outChannels)
        packed = PackedKernels { pool in
            Self.pack(weight, outChannels: outChannels, inChannels: inChannels, kernelSize: kernelSize,
                      groups: groups, rows: KernelISA.compiled.rows, pool: pool)
        }
        tileKernels = PackedKernels(recycle: true) { pool in
            Self.packed16Kernels(weight, outChannels: outChannels, inChannels: inChannels, kernelSize: kernelSize,
                                 pool: pool)
        }
        fewKernels = PackedKernels { _ in
            PackedToFew.packWeights(weight, outChannels: outChannels, inChannels: inChannels)
        }
    }

    /// The kernels of the automatic path: Winograd `U` for dense 3×3, FFT spectra for dense kernels
    /// of ``FFTConv/minKernelSize`` and more (neither when `direct`), the weights as given for
    /// depthwise, else the direct layout per group (groups concatenated).
    static func pack(_ weight: [Float], outChannels: Int, inChannels: Int, kernelSize: Int, groups: Int,
                     direct: Bool = false, rows: Int, pool: ThreadPool) -> [Float] {
        if groups > 1 {
            return isDepthwise(groups, inChannels) ? weight
                : packGroups(weight, outChannels: outChannels, inChannels: inChannels, kernelSize: kernelSize,
                             groups: groups, rows: rows)
        }
        if kernelSize >= FFTConv.minKernelSize && !direct {
            return FFTConv.spectra(weight, outChannels: outChannels, inChannels: inChannels, kernelSize: kernelSize,
                                   pool: pool)
        }
        return kernelSize == 3 && !direct
            ? WinogradConv.transformWeights(weight, outChannels: outChannels, inChannels: inChannels, rows: rows,
                                            pool: pool)
            : DirectConv.packWeights(weight, outChannels: outChannels, inChannels: inChannels,
                                     kernelSize: kernelSize, rows: rows)
    }

    /// The blend `(1 − α)·a + α·b` of two convolutions of equal shape (network interpolation).
    /// Construction only blends the biases; on the first run (or ``prepare(pool:)``) the raw OIHW
    /// weights are blended and then packed/transformed, once, thread-safely. The ends' own packed
    /// kernels are never made or read, so a blend holds one set of kernels (its own, freed with
    /// it) besides the ends' raw weights; at α = 0 or 1 it packs `a`'s or `b`'s weights exactly.
    /// The blend runs in `layout` whatever the ends' layouts.
    public init(blending a: Conv2D, _ b: Conv2D, alpha: Float, layout: TensorLayout = .chw) {
        precondition(a.inChannels == b.inChannels && a.outChannels == b.outChannels && a.kernelSize == b.kernelSize,
                     "Conv2D: blended convolutions differ in shape")
        inChannels = a.inChannels
        outChannels = a.outChannels
        kernelSize = a.kernelSize
        precondition(a.groups == b.groups, "Conv2D: blended convolutions differ in groups")
        groups = a.groups
        precondition(layout == .chw || (groups == 1 && Self.accepts(packed16: inChannels, outChannels, kernelSize)),
                     "Conv2D: \(inChannels)→\(outChannels) \(kernelSize)² cannot run packed16")
        self.layout = layout
        given = []
        blendOf = (a, b, alpha)
        bias = Conv2D.blend(a.bias, b.bias, alpha)
        let (o, i, k, g) = (outChannels, inChannels, kernelSize, groups)
        packed = PackedKernels(recycle: true) { pool in
            Self.pack(Conv2D.blend(a.weight, b.weight, alpha), outChannels: o, inChannels: i, kernelSize: k,
                      groups: g, rows: KernelISA.compiled.rows, pool: pool)
        }
        tileKernels = PackedKernels(recycle: true) { pool in
            Self.packed16Kernels(Conv2D.blend(a.weight, b.weight, alpha), outChannels: o, inChannels: i,
                                 kernelSize: k, pool: pool)
        }
        fewKernels = PackedKernels { _ in
            PackedToFew.packWeights(Conv2D.blend(a.weight, b.weight, alpha), outChannels: o, inChannels: i)
        }
    }

    /// Makes the kernels this convolution runs with (its ``layout``'s) now if they are not yet
    /// (they are otherwise made on its first run).
    public func prepare(pool: ThreadPool) {
        pool.exclusive { _ = layout == .packed16 ? tileKernels.value($0) : packed.value($0) }
    }

    /// Bytes of the kernels a convolution of this shape prepares in `layout`: F(6×6) `U` (64 floats
    /// per 3×3 weight), F(4×4) `U` (36 per 3×3), FFT spectra (dense k ≥ ``FFTConv/minKernelSize``:
    /// `n²/2 + 2` complex bins per weight pair, `n` the tile size, output channels rounded up to 16)
    /// or the direct layout (the weights' own size). Grouped convolutions (`groups` > 1) keep their
    /// weights' own size.
    public static func kernelBytes(inChannels: Int, outChannels: Int, kernelSize: Int, groups: Int = 1,
                                   layout: TensorLayout) -> Int {
        let pairs = inChannels / groups * outChannels
        if groups == 1 && kernelSize >= FFTConv.minKernelSize {
            return 4 * FFTConv.spectraCount(outChannels: outChannels, inChannels: inChannels, kernelSize: kernelSize)
        }
        if kernelSize != 3 || groups > 1 { return 4 * pairs * kernelSize * kernelSize }
        return 4 * pairs * (layout == .packed16 ? 64 : 36)
    }

    private static func blend(_ a: [Float], _ b: [Float], _ alpha: Float) -> [Float] {
        alpha == 0 ? a : alpha == 1 ? b : EnhanceTensor.blend(a, b, alpha: alpha)
    }

    /// Multiply-accumulates per output pixel.
    public var macsPerPixel: Int { outChannels * inChannels / groups * kernelSize * kernelSize }

    /// Runs the convolution over the channel concatenation of `inputs` (no concat copy is made), with
    /// the kernel of its ``layout``.
    /// - Parameters:
    ///   - inputs: tensors in ``layout`` of equal H×W whose channels sum to ``inChannels``.
    ///   - activation: applied to `conv + bias`.
    ///   - outputScale: multiplies the activated result.
    ///   - residual: added last (shape `[outChannels, H, W]`).
    ///   - pool: worker threads and scratch memory; drive one pool from one caller at a time.
    public func callAsFunction(_ inputs: [Tensor], activation: Activation = .identity,
                               outputScale: Float = 1, residual: Tensor? = nil,
                               pool: ThreadPool) -> Tensor {
        if !pool.preparesKernels {
            return unprepared(inputs, activation: activation, outputScale: outputScale, residual: residual,
                              pool: pool)
        }
        if layout == .chw, inputs.count == 1, inputs[0].layout == .packed16 {
            return packedToFew(inputs[0], activation: activation, outputScale: outputScale, residual: residual,
                               pool: pool)
        }
        if layout == .packed16 {
            return packed16(inputs, activation: activation, outputScale: outputScale, residual: residual, pool: pool,
                            isa: .compiled)
        }
        return run(inputs, activation: activation, outputScale: outputScale, residual: residual,
                   pool: pool, algorithm: .automatic)
    }

    /// The convolution without its Winograd, FFT or channel-packed kernels (``ThreadPool/preparesKernels``
    /// false): direct on CHW planes (packed16 inputs and residual unpacked first; a packed16
    /// layout's output packed after), a 3×3 or FFT-sized kernel's weights packed for the direct
    /// kernel on the fly (other sizes and grouped convolutions make their own direct kernels).
    private func unprepared(_ inputs: [Tensor], activation: Activation, outputScale: Float, residual: Tensor?,
                            pool: ThreadPool) -> Tensor {
        func chw(_ t: Tensor) -> Tensor { t.layout == .packed16 ? Packed16.unpack(t, pool: pool) : t }
        let y = run(inputs.map(chw), activation: activation, outputScale: outputScale, residual: residual.map(chw),
                    pool: pool, algorithm: .direct)
        return layout == .packed16 ? Packed16.pack(y, pool: pool) : y
    }

    /// Single-input convenience.
    public func callAsFunction(_ x: Tensor, activation: Activation = .identity,
                               outputScale: Float = 1, residual: Tensor? = nil,
                               pool: ThreadPool) -> Tensor {
        self([x], activation: activation, outputScale: outputScale, residual: residual, pool: pool)
    }

    /// The inputs' common height and width, after checking them and `residual` against this
    /// convolution's channels.
    func checkShapes(_ inputs: [Tensor], residual: Tensor?, layout: TensorLayout) -> (height: Int, width: Int) {
        precondition(!inputs.isEmpty, "Conv2D: no inputs")
        for x in inputs { x.require(layout, "Conv2D") }
        residual?.require(layout, "Conv2D residual")
        let h = inputs[0].height, w = inputs[0].width
        precondition(inputs.allSatisfy { $0.height == h && $0.width == w }, "Conv2D: spatial mismatch")
        let ci = inputs.reduce(0) { $0 + $1.channels }
        precondition(ci == inChannels, "Conv2D: expected \(inChannels) channels, got \(ci)")
        if let r = residual {
            precondition(r.channels == outChannels && r.height == h && r.width == w, "Conv2D: residual shape")
        }
        return (h, w)
    }

    /// Calls `body` with the epilogue `act(· + bias) · outputScale + residual` of this convolution.
    func withEpilogue<R>(activation: Activation, outputScale: Float, residual: Tensor?,
                         _ body: (Epilogue) -> R) -> R {
        let form = activation.epilogueForm(outChannels)
        return bias.withUnsafeBufferPointer { b in form.slopes.withUnsafeBufferPointer { s in
            withStorage(residual?.data) { res in
                body(Epilogue(bias: b.baseAddress!, slope: s.baseAddress!, mode: form.mode, smooth: form.smooth,
                              scale: outputScale, residual: res))
            }
        } }
    }

    /// `isa` other than ``KernelISA/compiled`` (tests) packs the weights for that kernel on the fly.
    func run(_ inputs: [Tensor], activation: Activation, outputScale: Float, residual: Tensor?,
             pool: ThreadPool, algorithm: Algorithm, isa: KernelISA = .compiled) -> Tensor {
        pool.exclusive { pool in
            runExclusive(inputs, activation: activation, outputScale: outputScale, residual: residual,
                         pool: pool, algorithm: algorithm, isa: isa)
        }
    }

    /// The path `algorithm` takes for this (dense) convolution: `.automatic` is Winograd for 3×3, the
    /// FFT from ``FFTConv/minKernelSize`` on, else direct; `.winograd` falls back to direct off 3×3.
    private func path(_ algorithm: Algorithm) -> Algorithm {
        switch algorithm {
        case .automatic: kernelSize == 3 ? .winograd : kernelSize >= FFTConv.minKernelSize ? .fft : .direct
        case .winograd: kernelSize == 3 ? .winograd : .direct
        case .direct, .fft: algorithm
        }
    }

    private func runExclusive(_ inputs: [Tensor], activation: Activation, outputScale: Float, residual: Tensor?,
                              pool: ThreadPool, algorithm: Algorithm, isa: KernelISA) -> Tensor {
        let (h, w) = checkShapes(inputs, residual: residual, layout: .chw)
        if groups > 1 {
            return runGrouped(inputs, activation: activation, outputScale: outputScale, residual: residual,
                              pool: pool, isa: isa, height: h, width: w)
        }
        let n = outChannels * h * w
        let data = [Float](unsafeUninitializedCapacity: n) { buf, count in
            count = n
            guard n > 0 else { return }
            // A large kernel on a small input before its spectra exist runs direct: making them costs
            // more than the direct products there (RealPLKSR's 17×17 16→16: ~7.5 ms of spectra a conv
            // against ~1.5 ms direct at 46×36, on 2 AVX2 cores), e.g. a new α's first 1:1 block view.
            let small = algorithm == .automatic && kernelSize >= FFTConv.minKernelSize
                && h * w <= Self.directBeforeSpectraArea && !self.packed.isMade
            let path = path(small ? .direct : algorithm)
            // Only tests pin a non-default path or kernel (packed on the fly).
            let packed = path == self.path(.automatic) && (isa == .compiled || path == .fft) ? self.packed.value(pool)
                : path == .fft ? FFTConv.spectra(weight, outChannels: outChannels, inChannels: inChannels,
                                                 kernelSize: kernelSize, pool: pool)
                : Self.pack(weight, outChannels: outChannels, inChannels: inChannels, kernelSize: kernelSize,
                            groups: 1, direct: path == .direct, rows: isa.rows, pool: pool)
            withPlanes(inputs) { planes in
                withEpilogue(activation: activation, outputScale: outputScale, residual: residual) { epi in
                    packed.withUnsafeBufferPointer { pk in
                        switch path {
                        case .winograd:
                            WinogradConv.run(isa, u: pk.baseAddress!, outChannels: outChannels, inputs: inputs,
                                             planes: planes, height: h, width: w, out: buf.baseAddress!,
                                             epilogue: epi, pool: pool)
                        case .fft:
                            FFTConv.run(spectra: pk.baseAddress!, outChannels: outChannels, kernelSize: kernelSize,
                                        planes: planes, height: h, width: w, out: buf.baseAddress!, epilogue: epi,
                                        pool: pool)
                        default:
                            DirectConv.run(isa, packed: pk.baseAddress!, outChannels: outChannels,
                                           kernelSize: kernelSize, planes: planes, height: h, width: w,
                                           out: buf.baseAddress!, epilogue: epi, pool: pool)
                        }
                    }
                }
            }
        }
        return Tensor(channels: outChannels, height: h, width: w, data: data)
    }
}
