import EnhanceImaging
import EnhanceTensor

/// Conversions between `Image` planes and network ``Tensor``s.
enum ImageTensor {
    /// Channels `channels` of the window [x0, x1) × [y0, y1) of `image` as a CHW tensor, padded
    /// on the right/bottom by reflection (edge replication when the window is too small) up to a
    /// multiple of `multiple`.
    static func window(_ image: Image, channels: [Int], x0: Int, y0: Int, x1: Int, y1: Int,
                       multiple m: Int) -> Tensor {
        let w = x1 - x0, h = y1 - y0
        let pw = (w + m - 1) / m * m, ph = (h + m - 1) / m * m
        return paddedCrop(image, channels: channels, x0: x0, y0: y0, x1: x1, y1: y1, rows: 0..<ph, columns: 0..<pw)
    }

    /// Rows `rows` and columns `columns` of the padded window that ``window(_:channels:x0:y0:x1:y1:multiple:)``
    /// would return, without building the rest of it (a tile of a streamed export). `image` may
    /// hold only the input rows from `imageTop` on that the crop reads.
    static func paddedCrop(_ image: Image, channels: [Int], x0: Int, y0: Int, x1: Int, y1: Int,
                           rows: Range<Int>, columns: Range<Int>, imageTop: Int = 0) -> Tensor {
        let w = x1 - x0, h = y1 - y0
        func reflect(_ i: Int, _ n: Int) -> Int {
            if i < n { return i }
            let r = 2 * (n - 1) - i
            return r >= 0 ? r : n - 1
        }
        var t = Tensor(channels: channels.count, height: rows.count, width: columns.count)
        let plane = image.planeSize, tw = columns.count, th = rows.count
        image.pixels.withUnsafeBufferPointer { src in
            t.data.withUnsafeMutableBufferPointer { dst in
                for (ci, c) in channels.enumerated() {
                    for (yy, py) in rows.enumerated() {
                        let row = c * plane + (y0 + reflect(py, h) - imageTop) * image.width + x0
                        let drow = (ci * th + yy) * tw
                        for (xx, px) in columns.enumerated() { dst[drow + xx] = src[row + reflect(px, w)] }
                    }
                }
            }
        }
        return t
    }

    /// The alpha plane from the model's output on alpha replicated to RGB: the channel mean.
    static func alphaFromModel(_ out: [Float]) -> [Float] {
        let n = out.count / 3
        return (0..<n).map { (out[$0] + out[n + $0] + out[2 * n + $0]) / 3 }
    }

    /// The `[C, height, width]` window at (`x`, `y`) of `t`, flattened CHW.
    static func extract(_ t: Tensor, x: Int, y: Int, width: Int, height: Int) -> [Float] {
        Tiler.crop(t, y: y, x: x, height: height, width: width).data
    }

    /// `image` clamped to [0, 1] with `like`'s bit depth and metadata.
    static func clamped(_ image: Image, like: Image) -> Image {
        var out = Image(width: image.width, height: image.height, channelCount: image.channelCount,
                        pixels: image.pixels, bitDepth: like.bitDepth, text: like.text)
        for i in out.pixels.indices { out.pixels[i] = min(1, max(0, out.pixels[i])) }
        return out
    }
}
