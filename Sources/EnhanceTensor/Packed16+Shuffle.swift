extension Packed16 {
    /// Pixel shuffle (depth-to-space) by `r` of a packed tensor whose `C·r²` channels are
    /// **sub-position-major**: channel `s·C + c` holds sub-position `s = i·r + j` of output channel
    /// `c` (what a conv with ``subPositionMajor(_:channels:factor:)`` weights writes), so
    /// each output pixel is one whole-vector copy. Result: packed `[C, H·r, W·r]`, `C` a multiple of 16,
    /// equal to PyTorch's `pixel_shuffle` of the conv with the original channel order.
    public static func pixelShuffle(_ x: Tensor, _ r: Int, pool: ThreadPool) -> Tensor {
        x.require(.packed16, "Packed16.pixelShuffle")
        precondition(r >= 1 && x.channels % (r * r) == 0 && fits(x.channels / (r * r)),
                     "Packed16.pixelShuffle: \(x.channels) channels are not r²·16k for r = \(r)")
        let c = x.channels / (r * r), groups = c / lanes, h = x.height, w = x.width, ow = w * r
        return x.data.withUnsafeBufferPointer { src in
            makeTensor(channels: c, height: h * r, width: ow, layout: .packed16) { dst in
                let s = UnsafeRawPointer(src.baseAddress!), d = UnsafeMutableRawPointer(dst)
                pool.parallelFor(groups * h) { py in
                    let (p, y) = (py / h, py % h)
                    for i in 0..<r {
                        let out = ((p * h * r + y * r + i) * ow) * 64
                        for j in 0..<r {
                            let from = (((i * r + j) * groups + p) * h + y) * w * 64
                            for xx in 0..<w {
                                let v = s.loadUnaligned(fromByteOffset: from + xx * 64, as: SIMD16<Float>.self)
                                d.storeBytes(of: v, toByteOffset: out + (xx * r + j) * 64, as: SIMD16<Float>.self)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Pixel unshuffle (space-to-depth) by `r` of packed `x` `[C, H, W]` (`C` a multiple of 16, `H`
    /// and `W` of `r`) into packed `[C·r², H/r, W/r]` whose channels are **sub-position-major**:
    /// channel `s·C + c` holds sub-position `s = i·r + j` of input channel `c`
    /// (`out[s·C + c, y, x] = x[c, y·r + i, x·r + j]`, ONNX `SpaceToDepth`; PyTorch's `pixel_unshuffle`
    /// orders them `c·r² + s`), so each output pixel is one whole-vector copy; rows spread over `pool`.
    public static func pixelUnshuffle(_ x: Tensor, _ r: Int, pool: ThreadPool) -> Tensor {
        x.require(.packed16, "Packed16.pixelUnshuffle")
        precondition(r >= 1 && x.height % r == 0 && x.width % r == 0 && fits(x.channels),
                     "Packed16.pixelUnshuffle: \(x.channels)×\(x.height)×\(x.width) by \(r)")
        let groups = x.channels / lanes, h = x.height / r, w = x.width / r, iw = x.width
        return x.data.withUnsafeBufferPointer { src in
            makeTensor(channels: x.channels * r * r, height: h, width: w, layout: .packed16) { dst in
                let s = UnsafeRawPointer(src.baseAddress!), d = UnsafeMutableRawPointer(dst)
                pool.parallelFor(groups * h) { py in
                    let (p, y) = (py / h, py % h)
                    for i in 0..<r { for j in 0..<r {
                        let from = ((p * x.height + y * r + i) * iw + j) * 64
                        let to = ((((i * r + j) * groups + p) * h + y) * w) * 64
                        for xx in 0..<w {
                            let v = s.loadUnaligned(fromByteOffset: from + xx * r * 64, as: SIMD16<Float>.self)
                            d.storeBytes(of: v, toByteOffset: to + xx * 64, as: SIMD16<Float>.self)
                        }
                    } }
                }
            }
        }
    }

    /// Reorders the outputs of a conv that feeds a pixel shuffle by `factor` from PyTorch's order
    /// (`c·r² + s`) to sub-position-major (`s·C + c`): `weight` OIHW, or a bias (one value per output);
    /// `channels` = `C`.
    public static func subPositionMajor(_ weight: [Float], channels c: Int, factor r: Int) -> [Float] {
        let outs = c * r * r, per = weight.count / max(outs, 1)
        precondition(weight.count == outs * per,
                     "Packed16.subPositionMajor: \(weight.count) values for \(outs) outputs")
        var out = [Float](repeating: 0, count: weight.count)
        for ch in 0..<c { for s in 0..<(r * r) {
            let from = (ch * r * r + s) * per, to = (s * c + ch) * per
            for k in 0..<per { out[to + k] = weight[from + k] }
        } }
        return out
    }
}
