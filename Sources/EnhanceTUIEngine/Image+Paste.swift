import EnhanceImaging

extension Image {
    /// Copies `part` (same channels) into this image with its top-left corner at (`x`, `y`).
    mutating func paste(_ part: Image, x: Int, y: Int) {
        let (w, h, pw, ph) = (width, height, part.width, part.height)
        pixels.withUnsafeMutableBufferPointer { dst in
            part.pixels.withUnsafeBufferPointer { src in
                for c in 0..<min(channelCount, part.channelCount) {
                    for r in 0..<ph where y + r < h {
                        let n = min(pw, w - x)
                        guard n > 0 else { continue }
                        (dst.baseAddress! + (c * h + y + r) * w + x)
                            .update(from: src.baseAddress! + (c * ph + r) * pw, count: n)
                    }
                }
            }
        }
    }
}
