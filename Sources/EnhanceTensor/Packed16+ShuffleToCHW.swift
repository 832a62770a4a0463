extension Packed16 {
    /// Pixel shuffle (depth-to-space) by `r` of packed `x` (`[C·r², H, W]`, PyTorch's channel order
    /// `c·r² + i·r + j`) into a CHW tensor `[C, H·r, W·r]`:
    /// `out[c, y·r + i, x·r + j] = x[c·r² + i·r + j, y, x]`, PyTorch's `pixel_shuffle` with the
    /// unpack folded in. `C` need not be a multiple of 16: for `r` = 4 (a ×4 RGB upsampler's 48
    /// channels → 3 planes) each packed vector is one output channel's 4×4 block, stored as four
    /// 4-float rows. Rows of the 16-channel groups spread over `pool`.
    public static func pixelShuffleToCHW(_ x: Tensor, _ r: Int, pool: ThreadPool) -> Tensor {
        x.require(.packed16, "Packed16.pixelShuffleToCHW")
        precondition(r >= 1 && x.channels % (r * r) == 0, "Packed16.pixelShuffleToCHW: channels not divisible by r²")
        let c = x.channels / (r * r), h = x.height, w = x.width, ow = w * r, groups = x.channels / lanes
        return x.data.withUnsafeBufferPointer { src in
            makeTensor(channels: c, height: h * r, width: ow) { dst in
                let s = UnsafeRawPointer(src.baseAddress!)
                pool.parallelFor(groups * h) { py in
                    let (p, y) = (py / h, py % h), row = (p * h + y) * w
                    if r == 4 {
                        // Group p is output channel p; lanes 4i … 4i + 3 are row i of the block.
                        let o = UnsafeMutableRawPointer(dst + (p * h * 4 + y * 4) * ow)
                        for xx in 0..<w {
                            let v = s.loadUnaligned(fromByteOffset: (row + xx) * 64, as: SIMD16<Float>.self)
                            o.storeBytes(of: v.lowHalf.lowHalf, toByteOffset: 16 * xx, as: SIMD4<Float>.self)
                            o.storeBytes(of: v.lowHalf.highHalf, toByteOffset: 4 * (ow + 4 * xx),
                                         as: SIMD4<Float>.self)
                            o.storeBytes(of: v.highHalf.lowHalf, toByteOffset: 4 * (2 * ow + 4 * xx),
                                         as: SIMD4<Float>.self)
                            o.storeBytes(of: v.highHalf.highHalf, toByteOffset: 4 * (3 * ow + 4 * xx),
                                         as: SIMD4<Float>.self)
                        }
                        return
                    }
                    // Lane l (channel 16p + l = c·r² + i·r + j) goes to out[c, y·r + i, x·r + j].
                    var offset = [Int](repeating: 0, count: lanes)
                    for l in 0..<lanes {
                        let ch = 16 * p + l, sub = ch % (r * r)
                        offset[l] = (ch / (r * r) * h * r + y * r + sub / r) * ow + sub % r
                    }
                    for xx in 0..<w {
                        let v = s.loadUnaligned(fromByteOffset: (row + xx) * 64, as: SIMD16<Float>.self)
                        for l in 0..<lanes { dst[offset[l] + r * xx] = v[l] }
                    }
                }
            }
        }
    }
}
