/// Interpolating resamplers on CHW tensors: bilinear and bicubic upsampling (PyTorch
/// `interpolate(..., align_corners=False)`) and bilinear grid sampling (`grid_sample`).

/// Bilinear upsampling by an integer factor, PyTorch `interpolate(mode='bilinear',
/// align_corners=False)` (ONNX `Resize` linear, half-pixel): output `o` samples source coordinate
/// `max(0, (o + ½) / f − ½)`, neighbours clamped to the edge. CHW `[C, H, W]` → `[C, H·f, W·f]`.
public func upsampleBilinear(_ x: Tensor, factor f: Int, pool: ThreadPool? = nil) -> Tensor {
    x.require(.chw, "upsampleBilinear")
    func taps(_ n: Int, _ size: Int) -> Taps {
        var t = Taps(count: 2)
        for o in 0..<n {
            let src = max(0, (Float(o) + 0.5) / Float(f) - 0.5)
            let i0 = min(Int(src), size - 1), l = src - Float(i0)
            t.append([i0, min(i0 + 1, size - 1)], [1 - l, l])
        }
        return t
    }
    return resample(x, taps(x.height * f, x.height), taps(x.width * f, x.width), pool: pool)
}

/// Bicubic upsampling by an integer factor, PyTorch `interpolate(mode='bicubic', align_corners=False)`
/// (ONNX `Resize` cubic, half-pixel, `cubic_coeff_a` −0.75): output `o` samples `s = (o + ½) / f − ½`
/// (not clamped) with Keys' cubic convolution (A = −0.75) on the 4 source samples `⌊s⌋ − 1 … ⌊s⌋ + 2`,
/// indices clamped to the edge. Separable (rows, then columns). CHW `[C, H, W]` → `[C, H·f, W·f]`.
public func upsampleBicubic(_ x: Tensor, factor f: Int, pool: ThreadPool? = nil) -> Tensor {
    x.require(.chw, "upsampleBicubic")
    let a: Float = -0.75
    func near(_ t: Float) -> Float { ((a + 2) * t - (a + 3)) * t * t + 1 }  // |t| ≤ 1
    func far(_ t: Float) -> Float { ((a * t - 5 * a) * t + 8 * a) * t - 4 * a }  // 1 < |t| < 2
    func taps(_ n: Int, _ size: Int) -> Taps {
        var t = Taps(count: 4)
        for o in 0..<n {
            let src = (Float(o) + 0.5) / Float(f) - 0.5, fl = src.rounded(.down), i = Int(fl), l = src - fl
            t.append((-1...2).map { min(max(i + $0, 0), size - 1) }, [far(l + 1), near(l), near(1 - l), far(2 - l)])
        }
        return t
    }
    return resample(x, taps(x.height * f, x.height), taps(x.width * f, x.width), pool: pool)
}

/// Per output sample, `count` source indices and weights.
struct Taps {
    let count: Int
    var index: [Int] = []
    var weight: [Float] = []
    var outputs: Int { index.count / count }
    init(count: Int) { self.count = count }
    mutating func append(_ i: [Int], _ w: [Float]) { index += i; weight += w }
}

/// Separable resampling: each channel's rows through `tx`, then the rows combined through `ty`
/// (16 columns at a time); channels spread over `pool`.
func resample(_ x: Tensor, _ ty: Taps, _ tx: Taps, pool: ThreadPool?) -> Tensor {
    let h = x.height, w = x.width, oh = ty.outputs, ow = tx.outputs
    return x.data.withUnsafeBufferPointer { src in
        makeTensor(channels: x.channels, height: oh, width: ow) { dst in
            func channel(_ c: Int) {
                let rows = UnsafeMutablePointer<Float>.allocate(capacity: h * ow)
                defer { rows.deallocate() }
                let s = src.baseAddress! + c * h * w
                for y in 0..<h {
                    for o in 0..<ow {
                        var v: Float = 0
                        for k in 0..<tx.count {
                            v += tx.weight[o * tx.count + k] * s[y * w + tx.index[o * tx.count + k]]
                        }
                        rows[y * ow + o] = v
                    }
                }
                for o in 0..<oh {
                    let out = dst + (c * oh + o) * ow
                    forVectors(rows, ow) { i, _, valid in
                        var acc = SIMD16<Float>()
                        for k in 0..<ty.count {
                            let r = rows + ty.index[o * ty.count + k] * ow + i
                            var v = SIMD16<Float>()
                            if valid == 16 { v = UnsafeRawPointer(r).loadUnaligned(as: SIMD16<Float>.self) } else {
                                for l in 0..<valid { v[l] = r[l] }
                            }
                            acc.addProduct(SIMD16(repeating: ty.weight[o * ty.count + k]), v)
                        }
                        storeVector(acc, out + i, valid)
                    }
                }
            }
            spread(x.channels, over: pool, channel)
        }
    }
}

/// How ``gridSample(_:grid:padding:pool:)`` treats samples outside the input.
public enum GridPadding: Sendable {
    /// Outside pixels are 0 (`padding_mode='zeros'`).
    case zeros
    /// Coordinates are clamped to the edge (`padding_mode='border'`).
    case border
}

/// Bilinear sampling of CHW `x` `[C, H, W]` at the points of `grid`, PyTorch `grid_sample(x, g,
/// mode='bilinear', align_corners=False)` (ONNX `GridSample`): `grid` is CHW `[2, Ho, Wo]` — channel 0
/// the x, channel 1 the y coordinate, normalised so that −1 and 1 are the outer edges of the corner
/// pixels (PyTorch's `g[0].permute(2, 0, 1)`); pixel coordinate `((g + 1) · size − 1) / 2`.
/// Returns CHW `[C, Ho, Wo]`. DySample's upsampler.
public func gridSample(_ x: Tensor, grid: Tensor, padding: GridPadding, pool: ThreadPool? = nil) -> Tensor {
    x.require(.chw, "gridSample")
    grid.require(.chw, "gridSample grid")
    precondition(grid.channels == 2, "gridSample: grid needs 2 channels (x, y)")
    let h = x.height, w = x.width, oh = grid.height, ow = grid.width, n = oh * ow
    return x.data.withUnsafeBufferPointer { src in grid.data.withUnsafeBufferPointer { g in
        makeTensor(channels: x.channels, height: oh, width: ow) { dst in
            func row(_ oy: Int) {
                for ox in 0..<ow {
                    let p = oy * ow + ox
                    var fx = ((g[p] + 1) * Float(w) - 1) / 2, fy = ((g[n + p] + 1) * Float(h) - 1) / 2
                    if padding == .border {
                        fx = min(max(fx, 0), Float(w - 1))
                        fy = min(max(fy, 0), Float(h - 1))
                    }
                    let x0f = fx.rounded(.down), y0f = fy.rounded(.down), lx = fx - x0f, ly = fy - y0f
                    let x0 = Int(x0f), y0 = Int(y0f)
                    var wt = SIMD4<Float>((1 - lx) * (1 - ly), lx * (1 - ly), (1 - lx) * ly, lx * ly)
                    var idx = SIMD4<Int>()
                    for k in 0..<4 {
                        let xx = x0 + k % 2, yy = y0 + k / 2
                        if xx < 0 || xx >= w || yy < 0 || yy >= h { wt[k] = 0 } else { idx[k] = yy * w + xx }
                    }
                    for c in 0..<x.channels {
                        let s = src.baseAddress! + c * h * w
                        dst[c * n + p] = wt[0] * s[idx[0]] + wt[1] * s[idx[1]] + wt[2] * s[idx[2]] + wt[3] * s[idx[3]]
                    }
                }
            }
            spread(oh, over: pool, row)
        }
    } }
}
