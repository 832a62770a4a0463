/// Channel-packed activations: channels in groups of 16, each pixel of a group one 16-float
/// vector ("C16HW", ``TensorLayout/packed16``). Element (channel `16p + l`, row `y`, column `x`) of a
/// `C × H × W` tensor is float `((p · H + y) · W + x) · 16 + l`; `C` is a multiple of 16.
///
/// The channel-packed F(6×6) convolution (``TileWinograd``) reads and writes this layout, so its
/// transforms are whole-vector arithmetic with no lane shuffles. Element-wise operations
/// (``addScaled(_:_:scale:pool:)``, ``binary(_:_:_:pool:)``, ``activate(_:_:pool:)``, per-channel
/// ``binary(_:perChannel:_:pool:)``), crops (``Tensor/cropped(y:x:height:width:pool:)``) and 16-aligned
/// ``Tensor/channels(_:)`` take packed tensors as they are.
public enum Packed16 {
    /// Channels per group.
    public static let lanes = 16

    /// Whether `channels` can be packed.
    public static func fits(_ channels: Int) -> Bool { channels > 0 && channels % lanes == 0 }

    /// The packed copy of CHW `t` (channels a multiple of 16).
    public static func pack(_ t: Tensor, pool: ThreadPool) -> Tensor { convert(t, toPacked: true, pool: pool) }

    /// The CHW copy of packed `t`.
    public static func unpack(_ t: Tensor, pool: ThreadPool) -> Tensor { convert(t, toPacked: false, pool: pool) }

    /// Nearest-neighbour upsampling of packed `t` by `factor` (each pixel's vector repeated in a
    /// `factor × factor` block), packed; rows spread over `pool`.
    static func upsampleNearest(_ t: Tensor, factor f: Int, pool: ThreadPool) -> Tensor {
        t.require(.packed16, "Packed16.upsampleNearest")
        precondition(f >= 1, "Packed16: bad upsampling")
        let h = t.height, w = t.width, groups = t.channels / lanes, orow = w * f * lanes
        let n = t.data.count * f * f
        let data = [Float](unsafeUninitializedCapacity: n) { out, count in
            count = n
            t.data.withUnsafeBufferPointer { src in
                let s = src.baseAddress!, o = out.baseAddress!
                pool.parallelFor(groups * h) { py in
                    let from = UnsafeRawPointer(s + py * w * lanes)
                    let first = o + py * f * orow, to = UnsafeMutableRawPointer(first)
                    for x in 0..<w {
                        let v = from.loadUnaligned(fromByteOffset: x * lanes * 4, as: SIMD16<Float>.self)
                        for j in 0..<f { to.storeBytes(of: v, toByteOffset: (x * f + j) * 64, as: SIMD16<Float>.self) }
                    }
                    for i in 1..<f { (first + i * orow).update(from: first, count: orow) }
                }
            }
        }
        return Tensor(channels: t.channels, height: h * f, width: w * f, data: data, layout: .packed16)
    }

    /// Element `i` of lane `l` is float `i·16 + l` packed, `l·H·W + i` in CHW.
    private static func convert(_ t: Tensor, toPacked: Bool, pool: ThreadPool) -> Tensor {
        t.require(toPacked ? .chw : .packed16, toPacked ? "Packed16.pack" : "Packed16.unpack")
        precondition(fits(t.channels), "Packed16: \(t.channels) channels is not a multiple of 16")
        let plane = t.height * t.width, groups = t.channels / lanes
        let data = [Float](unsafeUninitializedCapacity: t.data.count) { out, n in
            n = t.data.count
            t.data.withUnsafeBufferPointer { src in
                let s = src.baseAddress!, o = out.baseAddress!
                // Blocks of 256 pixels: a block's 16 KB of packed floats stays in L1 across the 16 lanes.
                let block = 256, blocks = (plane + block - 1) / block
                pool.parallelFor(groups * blocks) { item in
                    let p = item / blocks, i0 = item % blocks * block, i1 = min(plane, i0 + block)
                    let from = s + p * lanes * plane, to = o + p * lanes * plane
                    if toPacked {
                        for l in 0..<lanes { for i in i0..<i1 { to[i * lanes + l] = from[l * plane + i] } }
                    } else {
                        for l in 0..<lanes { for i in i0..<i1 { to[l * plane + i] = from[i * lanes + l] } }
                    }
                }
            }
        }
        return Tensor(channels: t.channels, height: t.height, width: t.width, data: data,
                      layout: toPacked ? .packed16 : .chw)
    }
}
