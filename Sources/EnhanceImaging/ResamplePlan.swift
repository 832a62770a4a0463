/// A separable resize planned once (the tap indices and weights of both axes), applied to any
/// band of output rows or any output rectangle. Every output sample is computed with exactly the
/// same operations in the same order whatever the band or rectangle, so results assembled from
/// pieces are bit-identical to the whole image (this is the one bicubic path: whole images,
/// streamed export bands and TUI regions all come through here).
public struct ResamplePlan: Sendable {
    let h: Resample.Axis
    let v: Resample.Axis

    init(horizontal: Resample.Axis, vertical: Resample.Axis) {
        h = horizontal
        v = vertical
    }

    /// Width of the full resized image in pixels.
    public var outputWidth: Int { h.count }
    /// Height of the full resized image in pixels.
    public var outputHeight: Int { v.count }

    /// Output rows `rows` (all columns) of every plane of `image`, as a planar CHW image of
    /// `outputWidth × rows.count` (values not clamped).
    public func rows(of image: Image, _ rows: Range<Int>) -> Image {
        region(of: image, columns: 0..<outputWidth, rows: rows)
    }

    /// The output rectangle `columns × rows` of every plane of `image` (planar CHW, not clamped).
    public func region(of image: Image, columns: Range<Int>, rows: Range<Int>) -> Image {
        precondition(columns.lowerBound >= 0 && columns.upperBound <= outputWidth && !columns.isEmpty)
        precondition(rows.lowerBound >= 0 && rows.upperBound <= outputHeight && !rows.isEmpty)
        let inW = image.width, inH = image.height, ow = columns.count, oh = rows.count
        // The input rows the vertical taps of these output rows read.
        var lo = inH, hi = -1
        for y in rows {
            for k in 0..<v.taps where v.weight[y * v.taps + k] != 0 {
                lo = min(lo, v.index[y * v.taps + k]); hi = max(hi, v.index[y * v.taps + k])
            }
        }
        if hi < lo { lo = 0; hi = 0 }
        let midRows = hi - lo + 1
        var mid = [Float](repeating: 0, count: midRows * ow)
        var out = [Float](repeating: 0, count: image.channelCount * ow * oh)
        image.pixels.withUnsafeBufferPointer { src in
            for c in 0..<image.channelCount {
                let plane = src.baseAddress! + c * inW * inH
                mid.withUnsafeMutableBufferPointer { m in
                    horizontal(plane: plane, inWidth: inW, rows: lo...hi, columns: columns, into: m)
                }
                out.withUnsafeMutableBufferPointer { o in
                    vertical(mid: mid, midTop: lo, width: ow, rows: rows, into: o.baseAddress! + c * ow * oh)
                }
            }
        }
        return Image(width: ow, height: oh, channelCount: image.channelCount, pixels: out,
                     bitDepth: image.bitDepth, text: image.text)
    }

    /// Horizontal pass of input rows `rows` for output `columns`, Float accumulation in tap order.
    private func horizontal(plane: UnsafePointer<Float>, inWidth: Int, rows: ClosedRange<Int>,
                            columns: Range<Int>, into m: UnsafeMutableBufferPointer<Float>) {
        let ow = columns.count, taps = h.taps
        h.index.withUnsafeBufferPointer { hi in
            h.weight.withUnsafeBufferPointer { hw in
                for (r, y) in rows.enumerated() {
                    let row = plane + y * inWidth
                    for (i, x) in columns.enumerated() {
                        var acc: Float = 0
                        for k in 0..<taps { acc += row[hi[x * taps + k]] * hw[x * taps + k] }
                        m[r * ow + i] = acc
                    }
                }
            }
        }
    }

    /// Vertical pass: output row y is the tap-ordered sum of the mid rows it reads (zero weights skipped).
    private func vertical(mid: [Float], midTop: Int, width ow: Int, rows: Range<Int>,
                          into dst: UnsafeMutablePointer<Float>) {
        for (r, y) in rows.enumerated() {
            let orow = dst + r * ow
            for x in 0..<ow { orow[x] = 0 }
            for k in 0..<v.taps {
                let wgt = v.weight[y * v.taps + k]
                if wgt == 0 { continue }
                let irow = (v.index[y * v.taps + k] - midTop) * ow
                for x in 0..<ow { orow[x] += mid[irow + x] * wgt }
            }
        }
    }
}
