import Dispatch

/// Element-wise activation applied after a convolution (fused when possible).
public enum Activation: Sendable, Equatable {
    /// No activation.
    case identity
    /// `max(0, x)`.
    case relu
    /// `x < 0 ? slope * x : x`.
    case leakyReLU(Float)
    /// Per-channel (count == C) or shared (count == 1) negative slopes.
    case prelu([Float])

    /// Applies the activation to one value of channel `c`.
    @inlinable public func apply(_ v: Float, channel c: Int) -> Float {
        switch self {
        case .identity: return v
        case .relu: return max(0, v)
        case .leakyReLU(let s): return v < 0 ? v * s : v
        case .prelu(let s): return v < 0 ? v * s[s.count == 1 ? 0 : c] : v
        }
    }
}

/// Pixel shuffle (depth-to-space) by factor `r`: `[C·r², H, W]` → `[C, H·r, W·r]`, PyTorch order.
public func pixelShuffle(_ x: Tensor, _ r: Int) -> Tensor {
    precondition(x.channels % (r * r) == 0, "pixelShuffle: channels not divisible by r²")
    let c = x.channels / (r * r)
    var y = Tensor(channels: c, height: x.height * r, width: x.width * r)
    for oc in 0..<c { for i in 0..<r { for j in 0..<r {
        let ic = oc * r * r + i * r + j
        for h in 0..<x.height { for w in 0..<x.width {
            y[oc, h * r + i, w * r + j] = x[ic, h, w]
        } }
    } } }
    return y
}

/// Pixel unshuffle (space-to-depth) by factor `r`: `[C, H, W]` → `[C·r², H/r, W/r]`, PyTorch order.
public func pixelUnshuffle(_ x: Tensor, _ r: Int) -> Tensor {
    precondition(x.height % r == 0 && x.width % r == 0, "pixelUnshuffle: size not divisible by r")
    let h = x.height / r, w = x.width / r
    var y = Tensor(channels: x.channels * r * r, height: h, width: w)
    for c in 0..<x.channels { for i in 0..<r { for j in 0..<r {
        let oc = c * r * r + i * r + j
        for yy in 0..<h { for xx in 0..<w { y[oc, yy, xx] = x[c, yy * r + i, xx * r + j] } }
    } } }
    return y
}

/// Nearest-neighbour upsampling by an integer factor: `[C, H, W]` → `[C, H·f, W·f]`.
public func upsampleNearest(_ x: Tensor, factor f: Int) -> Tensor {
    var y = Tensor(channels: x.channels, height: x.height * f, width: x.width * f)
    for c in 0..<x.channels { for h in 0..<y.height { for w in 0..<y.width {
        y[c, h, w] = x[c, h / f, w / f]
    } } }
    return y
}

/// `a + scale * b`, element-wise (shapes must match).
public func addScaled(_ a: Tensor, _ b: Tensor, scale: Float = 1) -> Tensor {
    precondition(a.data.count == b.data.count, "addScaled: shape mismatch")
    var y = a
    for i in 0..<y.data.count { y.data[i] += scale * b.data[i] }
    return y
}

/// Channel concatenation of tensors of equal spatial size.
public func concatChannels(_ xs: [Tensor]) -> Tensor {
    let h = xs[0].height, w = xs[0].width
    precondition(xs.allSatisfy { $0.height == h && $0.width == w }, "concat: spatial mismatch")
    return Tensor(channels: xs.reduce(0) { $0 + $1.channels }, height: h, width: w,
                  data: xs.flatMap(\.data))
}
