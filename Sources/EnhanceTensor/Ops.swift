import CVectorISA
import Dispatch

/// Allocates a tensor whose every element `fill` must write (no zero-fill pass).
@inline(__always)
func makeTensor(channels: Int, height: Int, width: Int, layout: TensorLayout = .chw,
                _ fill: (UnsafeMutablePointer<Float>) -> Void) -> Tensor {
    let n = channels * height * width
    let data = [Float](unsafeUninitializedCapacity: n) { buf, count in
        if n > 0 { fill(buf.baseAddress!) }
        count = n
    }
    return Tensor(channels: channels, height: height, width: width, data: data, layout: layout)
}

/// Pixel shuffle (depth-to-space) by factor `r`: `[C·r², H, W]` → `[C, H·r, W·r]`, PyTorch order
/// (`out[c, h·r + i, w·r + j] = in[c·r² + i·r + j, h, w]`); channels spread over `pool` when given.
public func pixelShuffle(_ x: Tensor, _ r: Int, pool: ThreadPool? = nil) -> Tensor {
    x.require(.chw, "pixelShuffle")
    precondition(r >= 1 && x.channels % (r * r) == 0, "pixelShuffle: channels not divisible by r²")
    let c = x.channels / (r * r), h = x.height, w = x.width, ow = w * r, plane = h * w
    return x.data.withUnsafeBufferPointer { src in
        makeTensor(channels: c, height: h * r, width: ow) { dst in
            let s = src.baseAddress!
            spread(c, over: pool) { oc in
                for yy in 0..<h { for i in 0..<r {
                    let out = dst + (oc * h * r + yy * r + i) * ow
                    for j in 0..<r {
                        let inRow = s + (oc * r * r + i * r + j) * plane + yy * w
                        for xx in 0..<w { out[xx * r + j] = inRow[xx] }
                    }
                } }
            }
        }
    }
}

/// `body(i)` for every `i < count`: over `pool` when given, else in order on this thread.
@inline(__always)
func spread(_ count: Int, over pool: ThreadPool?, _ body: (Int) -> Void) {
    if let pool { pool.parallelFor(count, body) } else { for i in 0..<count { body(i) } }
}

/// `dst[c · dstStride + r] = src[r · srcStride + c]` for `r < rows`, `c < columns`: a 2-D
/// transpose in 8 × 8 blocks (C, `enhance_transpose`), the one every layout change uses.
public func transpose(_ src: UnsafePointer<Float>, stride srcStride: Int, into dst: UnsafeMutablePointer<Float>,
                      stride dstStride: Int, rows: Int, columns: Int) {
    guard rows > 0, columns > 0 else { return }
    enhance_transpose(src, srcStride, dst, dstStride, Int32(rows), Int32(columns))
}

/// Pixel unshuffle (space-to-depth) by factor `r`: `[C, H, W]` → `[C·r², H/r, W/r]`, PyTorch order
/// (`out[c·r² + i·r + j, h, w] = in[c, h·r + i, w·r + j]`); channels spread over `pool` when given.
public func pixelUnshuffle(_ x: Tensor, _ r: Int, pool: ThreadPool? = nil) -> Tensor {
    x.require(.chw, "pixelUnshuffle")
    precondition(r >= 1 && x.height % r == 0 && x.width % r == 0, "pixelUnshuffle: size not divisible by r")
    let h = x.height / r, w = x.width / r, iw = x.width
    return x.data.withUnsafeBufferPointer { src in
        makeTensor(channels: x.channels * r * r, height: h, width: w) { dst in
            let s = src.baseAddress!
            spread(x.channels, over: pool) { c in
                for i in 0..<r { for j in 0..<r {
                    let outPlane = dst + (c * r * r + i * r + j) * h * w
                    for yy in 0..<h {
                        let inRow = s + (c * x.height + yy * r + i) * iw + j
                        let out = outPlane + yy * w
                        for xx in 0..<w { out[xx] = inRow[xx * r] }
                    }
                } }
            }
        }
    }
}

/// Nearest-neighbour upsampling by an integer factor: `[C, H, W]` → `[C, H·f, W·f]`, in the
/// layout of `x` (a ``TensorLayout/packed16`` tensor's rows are spread over `pool`).
public func upsampleNearest(_ x: Tensor, factor f: Int, pool: ThreadPool? = nil) -> Tensor {
    if x.layout == .packed16 { return Packed16.upsampleNearest(x, factor: f, pool: pool ?? ThreadPool(threads: 1)) }
    let h = x.height, w = x.width, ow = w * f
    return x.data.withUnsafeBufferPointer { src in
        makeTensor(channels: x.channels, height: h * f, width: ow) { dst in
            for c in 0..<x.channels { for yy in 0..<h {
                let inRow = src.baseAddress! + (c * h + yy) * w
                let first = dst + (c * h + yy) * f * ow
                for xx in 0..<w {
                    let v = inRow[xx]
                    for j in 0..<f { first[xx * f + j] = v }
                }
                for i in 1..<max(f, 1) { (first + i * ow).update(from: first, count: ow) }
            } }
        }
    }
}

/// `a + scale * b`, element-wise (shapes and layouts must match; the result has theirs); with `pool`,
/// in slices spread over it.
public func addScaled(_ a: Tensor, _ b: Tensor, scale: Float = 1, pool: ThreadPool? = nil) -> Tensor {
    b.require(a.layout, "addScaled")
    precondition(a.channels == b.channels && a.height == b.height && a.width == b.width, "addScaled: shape mismatch")
    let n = a.data.count, slice = max(1 << 14, (n / max(1, 4 * (pool?.threads ?? 1)) + 15) / 16 * 16)
    return a.data.withUnsafeBufferPointer { pa in b.data.withUnsafeBufferPointer { pb in
        makeTensor(channels: a.channels, height: a.height, width: a.width, layout: a.layout) { dst in
            let slices = (n + slice - 1) / slice
            let body = { (i: Int) in
                let lo = i * slice
                axpby(pa.baseAddress! + lo, 1, pb.baseAddress! + lo, scale, dst + lo, min(slice, n - lo))
            }
            spread(slices, over: pool, body)
        }
    } }
}

/// `dst[i] = α·a[i] + β·b[i]` with 16-wide vectors.
@inline(__always)
func axpby(_ a: UnsafePointer<Float>, _ alpha: Float, _ b: UnsafePointer<Float>, _ beta: Float,
           _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    typealias V = SIMD16<Float>
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b), rd = UnsafeMutableRawPointer(dst)
    var i = 0
    while i + 16 <= n {
        let v = alpha * ra.loadUnaligned(fromByteOffset: 4 * i, as: V.self)
            + beta * rb.loadUnaligned(fromByteOffset: 4 * i, as: V.self)
        rd.storeBytes(of: v, toByteOffset: 4 * i, as: V.self)
        i += 16
    }
    while i < n { dst[i] = alpha * a[i] + beta * b[i]; i += 1 }
}

/// Channel concatenation of tensors of equal spatial size and one layout (channel planes, or
/// 16-channel groups, are outermost in both, so the data concatenate).
public func concatChannels(_ xs: [Tensor]) -> Tensor {
    let h = xs[0].height, w = xs[0].width, layout = xs[0].layout
    precondition(xs.allSatisfy { $0.height == h && $0.width == w }, "concat: spatial mismatch")
    for x in xs { x.require(layout, "concatChannels") }
    return makeTensor(channels: xs.reduce(0) { $0 + $1.channels }, height: h, width: w, layout: layout) { dst in
        var o = 0
        for x in xs {
            x.data.withUnsafeBufferPointer { if let p = $0.baseAddress { (dst + o).update(from: p, count: $0.count) } }
            o += x.data.count
        }
    }
}

extension Tensor {
    /// Rows `rows` (all columns, all channels), in this tensor's layout.
    public func rows(_ rows: Range<Int>) -> Tensor {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= height, "Tensor.rows: \(rows) outside 0..<\(height)")
        return cropped(y: rows.lowerBound, x: 0, height: rows.count, width: width)
    }

    /// The `height × width` window at (`y`, `x`), all channels (itself when whole), in this tensor's
    /// layout (CHW, or ``TensorLayout/packed16``: rows of whole pixel vectors), channel planes (or
    /// 16-channel groups) copied over `pool` when given.
    public func cropped(y: Int, x: Int, height h: Int, width w: Int, pool: ThreadPool? = nil) -> Tensor {
        precondition(y >= 0 && x >= 0 && y + h <= height && x + w <= width, "Tensor.cropped: window outside")
        if y == 0, x == 0, h == height, w == width { return self }
        let lanes = layout == .packed16 ? Packed16.lanes : 1, row = w * lanes
        return data.withUnsafeBufferPointer { src in
            makeTensor(channels: channels, height: h, width: w, layout: layout) { dst in
                spread(channels / lanes, over: pool) { c in
                    for r in 0..<h {
                        (dst + (c * h + r) * row).update(from: src.baseAddress! + ((c * height + y + r) * width + x)
                                                         * lanes, count: row)
                    }
                }
            }
        }
    }
}

/// PyTorch's `reflect` padding of a CHW tensor `[C, H, W]` → `[C, top + H + bottom, left + W + right]`
/// (the edge pixel not repeated: row −1 reads row 1), reflecting again where a pad exceeds the side
/// (where PyTorch refuses); a side of one pixel is repeated.
public func reflectPad(_ x: Tensor, top: Int, left: Int, bottom: Int, right: Int) -> Tensor {
    x.require(.chw, "reflectPad")
    let h = x.height, w = x.width, oh = h + top + bottom, ow = w + left + right
    func reflect(_ i: Int, _ n: Int) -> Int {
        guard n > 1 else { return 0 }
        let period = 2 * (n - 1)
        let r = ((i % period) + period) % period
        return r < n ? r : period - r
    }
    let columns = (0..<ow).map { reflect($0 - left, w) }
    return x.data.withUnsafeBufferPointer { src in
        makeTensor(channels: x.channels, height: oh, width: ow) { dst in
            for c in 0..<x.channels { for yy in 0..<oh {
                let row = (c * h + reflect(yy - top, h)) * w, drow = (c * oh + yy) * ow
                for (xx, sx) in columns.enumerated() { dst[drow + xx] = src[row + sx] }
            } }
        }
    }
}
