import EnhanceTensor

/// Bilinear upsampling by an integer factor with PyTorch `align_corners=False` semantics:
/// output pixel `o` samples source coordinate `max(0, (o + 0.5) / f − 0.5)`, neighbours clamped
/// to the edge. `[C, H, W]` → `[C, H·f, W·f]`.
func upsampleBilinear(_ x: Tensor, factor f: Int) -> Tensor {
    let h = x.height, w = x.width, oh = h * f, ow = w * f
    func taps(_ n: Int, _ size: Int) -> [(Int, Int, Float)] {
        (0..<n).map { o in
            let src = max(0, (Float(o) + 0.5) / Float(f) - 0.5)
            let i0 = min(Int(src), size - 1)
            let i1 = min(i0 + 1, size - 1)
            return (i0, i1, src - Float(i0))
        }
    }
    let ty = taps(oh, h), tx = taps(ow, w)
    var y = Tensor(channels: x.channels, height: oh, width: ow)
    x.data.withUnsafeBufferPointer { src in
        y.data.withUnsafeMutableBufferPointer { dst in
            for c in 0..<x.channels {
                let s = c * h * w, d = c * oh * ow
                for oy in 0..<oh {
                    let (y0, y1, ly) = ty[oy]
                    let r0 = s + y0 * w, r1 = s + y1 * w
                    for ox in 0..<ow {
                        let (x0, x1, lx) = tx[ox]
                        let top = src[r0 + x0] + (src[r0 + x1] - src[r0 + x0]) * lx
                        let bot = src[r1 + x0] + (src[r1 + x1] - src[r1 + x0]) * lx
                        dst[d + oy * ow + ox] = top + (bot - top) * ly
                    }
                }
            }
        }
    }
    return y
}
