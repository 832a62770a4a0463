import CImageIO

/// Conversions between the shim's interleaved integer buffers and planar float ``Image``s.
enum RawPixels {
    /// Planar [0, 1] image from a decoded buffer: gray is expanded to RGB, gray+alpha to RGBA.
    static func image(from raw: eio_image, path: String) throws -> Image {
        let width = Int(raw.width), height = Int(raw.height), channels = Int(raw.channels)
        guard let base = raw.pixels, width > 0, height > 0, (1...4).contains(channels) else {
            throw ImageIOError(path: path, kind: .corrupt, reason: "decoder returned no pixels")
        }
        let outChannels = channels == 2 || channels == 4 ? 4 : 3
        let plane = width * height
        var pixels = [Float](repeating: 0, count: outChannels * plane)
        let sixteen = raw.bit_depth == 16
        let maxval: Float = sixteen ? 65535 : 255  // divide (not multiply) so v/maxval is correctly rounded
        // Source channel for each output plane.
        let map: [Int] = switch channels {
        case 1: [0, 0, 0]
        case 2: [0, 0, 0, 1]
        case 3: [0, 1, 2]
        default: [0, 1, 2, 3]
        }
        pixels.withUnsafeMutableBufferPointer { out in
            if sixteen {
                let src = base.assumingMemoryBound(to: UInt16.self)
                for i in 0..<plane {
                    for (c, s) in map.enumerated() { out[c * plane + i] = Float(src[i * channels + s]) / maxval }
                }
            } else {
                let src = base.assumingMemoryBound(to: UInt8.self)
                for i in 0..<plane {
                    for (c, s) in map.enumerated() { out[c * plane + i] = Float(src[i * channels + s]) / maxval }
                }
            }
        }
        var image = Image(width: width, height: height, channelCount: outChannels, pixels: pixels,
                          bitDepth: sixteen ? 16 : 8)
        image.isGrayscale = channels <= 2
        image.iccProfile = bytes(raw.icc, raw.icc_length)
        image.exif = bytes(raw.exif, raw.exif_length)
        return image
    }

    /// A copy of a C buffer, or nil when it is empty.
    static func bytes(_ p: UnsafeMutablePointer<UInt8>?, _ count: Int) -> [UInt8]? {
        guard let p, count > 0 else { return nil }
        return Array(UnsafeBufferPointer(start: p, count: count))
    }

    /// The NUL-terminated prefix of a C character buffer, decoded as UTF-8.
    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `x` limited to [0, 1]; NaN becomes 0 so encoders never trap on bad network output.
    @inline(__always) static func clampUnit(_ x: Float) -> Float {
        x.isNaN ? 0 : min(max(x, 0), 1)
    }

    /// Maps a shim return code to an ``ImageIOError``.
    static func error(code: Int32, message: String, format: String, path: String) -> ImageIOError {
        var detail = message.isEmpty ? "unknown error" : message
        if detail == "Read Error" { detail = "data ends early, file is truncated (libpng: Read Error)" }
        switch code {
        case Int32(EIO_ERR_OPEN): return ImageIOError(path: path, kind: .cannotOpen, reason: "cannot open: \(detail)")
        case Int32(EIO_ERR_TOO_LARGE):
            return ImageIOError(path: path, kind: .tooLarge, reason: "refusing to decode \(format): \(detail)")
        case Int32(EIO_ERR_MEMORY):
            return ImageIOError(path: path, kind: .tooLarge, reason: "out of memory decoding \(format)")
        default: return ImageIOError(path: path, kind: .corrupt, reason: "invalid \(format) file: \(detail)")
        }
    }
}
