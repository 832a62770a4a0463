/// The fused tail of a convolution: `act(acc + bias) * scale + residual`, per output channel.
///
/// Concrete over `SIMD16<Float>` on purpose: generic SIMD code (`V + scalar`, masks, `replacing`)
/// specialises to per-lane loops in Swift, which made the output transform 3× slower.
struct Epilogue {
    typealias V = SIMD16<Float>
    /// Bias per output channel.
    let bias: UnsafePointer<Float>
    /// Negative slope per output channel (1 = identity, 0 = ReLU).
    let slope: UnsafePointer<Float>
    let hasActivation: Bool
    let scale: Float
    /// Residual CHW plane data (same shape as the output) or nil.
    let residual: UnsafePointer<Float>?

    /// Bias, activation and scale for 16 values of channel `k`.
    @inline(__always)
    func apply(_ v: V, _ k: Int) -> V {
        var x = v + bias[k]
        if hasActivation {
            let s = slope[k]
            x = x.replacing(with: x * s, where: x .< 0)
        }
        if scale != 1 { x *= scale }
        return x
    }

    /// Stores 16 consecutive outputs at `offset` of `dst` (channel-plane-row relative index),
    /// adding the residual; only the first `valid` lanes are written (≤ 16).
    @inline(__always)
    func store(_ v: V, _ dst: UnsafeMutablePointer<Float>, _ offset: Int, valid: Int) {
        if valid >= 16 {
            var x = v
            if let r = residual { x += UnsafeRawPointer(r + offset).loadUnaligned(as: V.self) }
            UnsafeMutableRawPointer(dst + offset).storeBytes(of: x, as: V.self)
        } else if valid > 0 {
            for l in 0..<valid {
                dst[offset + l] = v[l] + (residual?[offset + l] ?? 0)
            }
        }
    }
}

extension Epilogue {
    /// 16 consecutive per-channel values from channel `16·group` (bias or slope).
    @inline(__always)
    func vector(_ p: UnsafePointer<Float>, _ group: Int) -> V {
        UnsafeRawPointer(p + 16 * group).loadUnaligned(as: V.self)
    }

    /// `act(v + bias) · scale (+ residual)` for one packed pixel (16 channels, `bias`/`slope` theirs)
    /// stored at `offset` of `dst`.
    @inline(__always)
    func storePacked(_ v: V, bias: V, slope: V, _ dst: UnsafeMutablePointer<Float>, _ offset: Int) {
        var x = v + bias
        if hasActivation { x = x.replacing(with: x * slope, where: x .< 0) }
        if scale != 1 { x *= scale }
        if let r = residual { x += UnsafeRawPointer(r + offset).loadUnaligned(as: V.self) }
        UnsafeMutableRawPointer(dst + offset).storeBytes(of: x, as: V.self)
    }
}

extension Activation {
    /// Negative slopes per channel for `count` channels (identity → 1, ReLU → 0).
    func slopes(_ count: Int) -> (active: Bool, slopes: [Float]) {
        switch self {
        case .identity: return (false, [Float](repeating: 1, count: count))
        case .relu: return (true, [Float](repeating: 0, count: count))
        case .leakyReLU(let s): return (true, [Float](repeating: s, count: count))
        case .prelu(let s):
            return (true, (0..<count).map { s[s.count == 1 ? 0 : min($0, s.count - 1)] })
        }
    }
}
