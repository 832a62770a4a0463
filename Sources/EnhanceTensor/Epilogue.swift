/// The fused tail of a convolution: `act(acc + bias) * scale + residual`, per output channel.
///
/// Concrete over `SIMD16<Float>` on purpose: generic SIMD code (`V + scalar`, masks, `replacing`)
/// specialises to per-lane loops in Swift, which made the output transform 3× slower.
struct Epilogue {
    typealias V = SIMD16<Float>
    /// Bias per output channel.
    let bias: UnsafePointer<Float>
    /// Negative slope per output channel (1 = identity, 0 = ReLU), read in mode ``Mode/slope``.
    let slope: UnsafePointer<Float>
    /// Which activation runs: none, the per-channel slopes, or ``smooth``.
    let mode: Mode
    /// The smooth activation of mode ``Mode/smooth``.
    let smooth: SmoothActivation
    let scale: Float
    /// Residual CHW plane data (same shape as the output) or nil.
    let residual: UnsafePointer<Float>?

    /// The activation's form: one test per 16 values picks it, so the piecewise-linear path costs
    /// what it did before smooth activations existed.
    enum Mode: UInt8 { case none, slope, smooth }

    /// Bias, activation and scale for 16 values of channel `k`.
    @inline(__always)
    func apply(_ v: V, _ k: Int) -> V {
        var x = v + bias[k]
        if mode == .slope {
            let s = slope[k]
            x = x.replacing(with: x * s, where: x .< 0)
        } else if mode == .smooth {
            x = smooth.apply(x)
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
        var x = activated(v, bias: bias, slope: slope)
        if let r = residual { x += UnsafeRawPointer(r + offset).loadUnaligned(as: V.self) }
        UnsafeMutableRawPointer(dst + offset).storeBytes(of: x, as: V.self)
    }

    /// ``storePacked(_:bias:slope:_:_:)`` adding the 16 floats at `skip` instead of the residual.
    @inline(__always)
    func storePacked(_ v: V, bias: V, slope: V, _ dst: UnsafeMutablePointer<Float>, _ offset: Int,
                     adding skip: UnsafePointer<Float>) {
        let x = activated(v, bias: bias, slope: slope) + UnsafeRawPointer(skip).loadUnaligned(as: V.self)
        UnsafeMutableRawPointer(dst + offset).storeBytes(of: x, as: V.self)
    }

    /// `act(v + bias) · scale` for one packed pixel.
    @inline(__always)
    func activated(_ v: V, bias: V, slope: V) -> V {
        var x = v + bias
        if mode == .slope {
            x = x.replacing(with: x * slope, where: x .< 0)
        } else if mode == .smooth {
            x = smooth.apply(x)
        }
        if scale != 1 { x *= scale }
        return x
    }
}
