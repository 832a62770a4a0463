#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EnhanceTensor

/// Bilinear ×`f` upsampling, PyTorch `align_corners=False` (MSRResNet's input skip).
func benchBilinear(_ x: Tensor, factor f: Int) -> Tensor {
    let h = x.height, w = x.width, oh = h * f, ow = w * f
    func taps(_ n: Int, _ size: Int) -> [(Int, Int, Float)] {
        (0..<n).map { o in
            let s = max(0, (Float(o) + 0.5) / Float(f) - 0.5)
            let i0 = min(Int(s), size - 1)
            return (i0, min(i0 + 1, size - 1), s - Float(i0))
        }
    }
    let ty = taps(oh, h), tx = taps(ow, w)
    var y = Tensor(channels: x.channels, height: oh, width: ow)
    for c in 0..<x.channels { for oy in 0..<oh { for ox in 0..<ow {
        let (y0, y1, ly) = ty[oy], (x0, x1, lx) = tx[ox]
        let top = x[c, y0, x0] + (x[c, y0, x1] - x[c, y0, x0]) * lx
        let bot = x[c, y1, x0] + (x[c, y1, x1] - x[c, y1, x0]) * lx
        y[c, oy, ox] = top + (bot - top) * ly
    } } }
    return y
}

/// Monotonic wall clock in seconds.
func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Process CPU time in seconds (all threads).
func cpuTime() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Median of a non-empty sample.
func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
