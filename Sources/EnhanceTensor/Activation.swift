import Foundation

/// Element-wise activation: fused into a convolution's epilogue (``Conv2D``) or applied on its own
/// (``activate(_:_:pool:)``).
///
/// The piecewise-linear cases (identity, ReLU, LeakyReLU, PReLU) run as per-channel negative
/// slopes; the smooth ones through ``VectorMath`` (errors documented there).
public enum Activation: Sendable, Equatable {
    /// No activation.
    case identity
    /// `max(0, x)`.
    case relu
    /// `x < 0 ? slope * x : x`.
    case leakyReLU(Float)
    /// Per-channel (count == C) or shared (count == 1) negative slopes.
    case prelu([Float])
    /// `1 / (1 + e⁻ˣ)`.
    case sigmoid
    /// `x · σ(x)` (SiLU, swish).
    case silu
    /// `x/2 · (1 + erf(x/√2))`, PyTorch `GELU()` (exact form).
    case gelu
    /// `x/2 · (1 + tanh(√(2/π)(x + 0.044715 x³)))`, PyTorch `GELU(approximate='tanh')`.
    case geluTanh
    /// `tanh x`.
    case tanh
    /// `x · tanh(ln(1 + eˣ))` (Mish).
    case mish

    /// Applies the activation to one value of channel `c` (scalar, evaluated in double precision
    /// with libm: the oracle the vector code is tested against).
    public func apply(_ v: Float, channel c: Int) -> Float {
        let x = Double(v)
        switch self {
        case .identity: return v
        case .relu: return max(0, v)
        case .leakyReLU(let s): return v < 0 ? v * s : v
        case .prelu(let s): return v < 0 ? v * s[s.count == 1 ? 0 : c] : v
        case .sigmoid: return Float(1 / (1 + Foundation.exp(-x)))
        case .silu: return Float(x / (1 + Foundation.exp(-x)))
        case .gelu: return Float(0.5 * x * Foundation.erfc(-x / 2.0.squareRoot()))
        case .geluTanh:
            return Float(0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x))))
        case .tanh: return Float(Foundation.tanh(x))
        case .mish: return Float(x * Foundation.tanh(x > 30 ? x : Foundation.log1p(Foundation.exp(x))))
        }
    }

    /// How an ``Epilogue`` computes this activation for `count` channels: the piecewise-linear
    /// cases as negative slopes per channel (identity → 1, ReLU → 0), the smooth ones by kind.
    func epilogueForm(_ count: Int) -> (mode: Epilogue.Mode, smooth: SmoothActivation, slopes: [Float]) {
        let ones = [Float](repeating: 1, count: count)
        switch self {
        case .identity: return (.none, .sigmoid, ones)
        case .relu: return (.slope, .sigmoid, [Float](repeating: 0, count: count))
        case .leakyReLU(let s): return (.slope, .sigmoid, [Float](repeating: s, count: count))
        case .prelu(let s):
            return (.slope, .sigmoid, (0..<count).map { s[s.count == 1 ? 0 : min($0, s.count - 1)] })
        case .sigmoid: return (.smooth, .sigmoid, ones)
        case .silu: return (.smooth, .silu, ones)
        case .gelu: return (.smooth, .gelu, ones)
        case .geluTanh: return (.smooth, .geluTanh, ones)
        case .tanh: return (.smooth, .tanh, ones)
        case .mish: return (.smooth, .mish, ones)
        }
    }
}

/// The smooth activations, as the epilogue dispatches them (one switch per 16 values, out of line
/// so that the piecewise-linear path's loops stay as they were).
enum SmoothActivation: UInt8, Sendable {
    case sigmoid, silu, gelu, geluTanh, tanh, mish

    @inline(never)
    func apply(_ x: SIMD16<Float>) -> SIMD16<Float> {
        switch self {
        case .sigmoid: return VectorMath.sigmoid(x)
        case .silu: return VectorMath.silu(x)
        case .gelu: return VectorMath.gelu(x)
        case .geluTanh: return VectorMath.geluTanh(x)
        case .tanh: return VectorMath.tanh(x)
        case .mish: return VectorMath.mish(x)
        }
    }
}

/// `act(x)` element-wise, in the layout of `x` (CHW or ``TensorLayout/packed16``; a PReLU's
/// slopes follow the channels of either). With `pool`, slices are spread over it.
public func activate(_ x: Tensor, _ act: Activation, pool: ThreadPool? = nil) -> Tensor {
    if act == .identity { return x }
    let zeros = [Float](repeating: 0, count: x.channels)
    let form = act.epilogueForm(x.channels)
    return zeros.withUnsafeBufferPointer { bias in form.slopes.withUnsafeBufferPointer { slope in
        let epi = Epilogue(bias: bias.baseAddress!, slope: slope.baseAddress!, mode: form.mode, smooth: form.smooth,
                           scale: 1, residual: nil)
        return mapVectors(x, pool: pool) { v, channel, dst, offset, valid in
            if x.layout == .packed16 {
                epi.storePacked(v, bias: SIMD16(), slope: epi.vector(epi.slope, channel), dst, offset)
            } else {
                epi.store(epi.apply(v, channel), dst, offset, valid: valid)
            }
        }
    } }
}

/// Runs `body(v, c, dst, offset, valid)` over `x` in 16-float vectors: for CHW, `c` is the channel
/// and the plane's tail vector is zero-padded (`valid` < 16); for packed16, `c` is the 16-channel
/// group and every vector is one pixel. `dst` is the result's storage (same shape and layout).
func mapVectors(_ x: Tensor, pool: ThreadPool?,
                _ body: (SIMD16<Float>, Int, UnsafeMutablePointer<Float>, Int, Int) -> Void) -> Tensor {
    let packed = x.layout == .packed16
    let unit = packed ? x.planeSize * 16 : x.planeSize, units = packed ? x.channels / 16 : x.channels
    let chunk = max(4096, (unit + 15) / 16 * 16)
    let chunks = (unit + chunk - 1) / chunk
    return x.data.withUnsafeBufferPointer { src in
        makeTensor(channels: x.channels, height: x.height, width: x.width, layout: x.layout) { dst in
            func run(_ item: Int) {
                let c = item / chunks, lo = c * unit + (item % chunks) * chunk, hi = min(lo + chunk, (c + 1) * unit)
                var i = lo
                while i + 16 <= hi {
                    body(UnsafeRawPointer(src.baseAddress! + i).loadUnaligned(as: SIMD16<Float>.self), c, dst, i, 16)
                    i += 16
                }
                if i < hi {
                    var v = SIMD16<Float>()
                    for l in 0..<(hi - i) { v[l] = src[i + l] }
                    body(v, c, dst, i, hi - i)
                }
            }
            let items = units * chunks
            if let pool, items > 1, x.data.count >= 1 << 15 { pool.parallelFor(items, run) } else {
                for i in 0..<items { run(i) }
            }
        }
    }
}
