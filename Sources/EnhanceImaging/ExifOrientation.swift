/// The EXIF orientation tag (0x0112) and the pixel transform that displays an image upright.
public enum ExifOrientation: Int, Sendable, CaseIterable {
    case up = 1, mirrored = 2, down = 3, mirroredVertically = 4
    case transposed = 5, rotatedClockwise = 6, transverse = 7, rotatedCounterClockwise = 8

    /// Whether applying the orientation swaps width and height (values 5–8).
    public var swapsAxes: Bool { rawValue >= 5 }

    /// Reads the orientation from a TIFF-structured EXIF payload (the APP1 data after `Exif\0\0`).
    /// Returns ``up`` when the payload is absent, malformed, or holds an out-of-range value.
    public static func parse(_ tiff: [UInt8]) -> ExifOrientation {
        var t = TIFFBuffer(bytes: tiff)
        guard tiff.count >= 8, let little = t.byteOrder else { return .up }
        t.little = little
        guard t.u16(2) == 42, let ifd = t.u32(4), let count = t.u16(ifd) else { return .up }
        for i in 0..<count {
            let entry = ifd + 2 + 12 * i
            guard let tag = t.u16(entry) else { return .up }
            if tag == 0x0112 {
                guard t.u16(entry + 2) == 3, let value = t.u16(entry + 8) else { return .up }
                return ExifOrientation(rawValue: value) ?? .up
            }
        }
        return .up
    }

    /// The upright image: `image` transformed as the tag prescribes (all planes, including alpha).
    public func apply(to image: Image) -> Image {
        if self == .up { return image }
        let w = image.width, h = image.height
        let (ow, oh) = swapsAxes ? (h, w) : (w, h)
        let plane = w * h
        var out = [Float](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<oh {
                    for x in 0..<ow {
                        let (sx, sy) = source(x, y, w, h)
                        for c in 0..<image.channelCount {
                            dst[c * plane + y * ow + x] = src[c * plane + sy * w + sx]
                        }
                    }
                }
            }
        }
        var result = Image(width: ow, height: oh, channelCount: image.channelCount, pixels: out,
                           bitDepth: image.bitDepth, text: image.text)
        result.iccProfile = image.iccProfile
        result.exif = image.exif
        result.isGrayscale = image.isGrayscale
        return result
    }

    /// Source pixel for output (x, y) of a `w`×`h` input.
    private func source(_ x: Int, _ y: Int, _ w: Int, _ h: Int) -> (Int, Int) {
        switch self {
        case .up: (x, y)
        case .mirrored: (w - 1 - x, y)
        case .down: (w - 1 - x, h - 1 - y)
        case .mirroredVertically: (x, h - 1 - y)
        case .transposed: (y, x)
        case .rotatedClockwise: (y, h - 1 - x)
        case .transverse: (w - 1 - y, h - 1 - x)
        case .rotatedCounterClockwise: (w - 1 - y, x)
        }
    }
}
