extension Image {
    /// The top-left crop whose width and height are multiples of `multiple` (SR "modcrop").
    public func modcropped(to multiple: Int) -> Image {
        precondition(multiple > 0, "modcrop multiple must be positive")
        let w = width - width % multiple, h = height - height % multiple
        return cropped(x: 0, y: 0, width: w, height: h)
    }

    /// The `width`×`height` region starting at (`x`, `y`); the region must lie inside the image.
    public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> Image {
        precondition(x >= 0 && y >= 0 && w >= 0 && h >= 0 && x + w <= width && y + h <= height, "crop outside image")
        if x == 0 && y == 0 && w == width && h == height { return self }
        var out = [Float](repeating: 0, count: channelCount * w * h)
        for c in 0..<channelCount {
            for row in 0..<h {
                let src = c * planeSize + (y + row) * width + x
                let dst = c * w * h + row * w
                for col in 0..<w { out[dst + col] = pixels[src + col] }
            }
        }
        return Image(width: w, height: h, channelCount: channelCount, pixels: out, bitDepth: bitDepth, text: text)
    }

    /// BT.601 luma (0.299 R + 0.587 G + 0.114 B) copied into all three colour planes; alpha kept.
    public func grayscaled() -> Image {
        var out = self
        let plane = planeSize
        for i in 0..<plane {
            let y = 0.299 * pixels[i] + 0.587 * pixels[plane + i] + 0.114 * pixels[2 * plane + i]
            out.pixels[i] = y
            out.pixels[plane + i] = y
            out.pixels[2 * plane + i] = y
        }
        return out
    }

    /// Every sample clamped to [0, 1] (NaN → 0) and rounded to the nearest of 2^bits − 1 levels, as storing the
    /// image at that depth and reading it back would; `bitDepth` becomes `bits`.
    public func quantized(bits: Int) -> Image {
        precondition((1...16).contains(bits), "bits must be 1...16")
        let levels = Float((1 << bits) - 1)
        var out = self
        out.bitDepth = bits
        for i in out.pixels.indices {
            out.pixels[i] = (RawPixels.clampUnit(pixels[i]) * levels).rounded() / levels
        }
        return out
    }
}
