import CImageIO

/// Anything an export can read rows of: a float ``Image``, or a ``DecodedImage`` kept as the
/// decoder's 8/16-bit samples. Rows are planar CHW floats in [0, 1], RGB or RGBA (gray expanded).
public protocol PixelSource: Sendable {
    var width: Int { get }
    var height: Int { get }
    /// 3 (RGB) or 4 (RGBA).
    var channelCount: Int { get }
    /// Bits per sample of the source (8 or 16).
    var bitDepth: Int { get }
    /// Whether the source stored gray samples.
    var isGrayscale: Bool { get }
    var text: [String: String] { get }
    var iccProfile: [UInt8]? { get }
    var exif: [UInt8]? { get }
    /// Rows `rows` (all columns) as a `width × rows.count` planar float image.
    func rows(_ rows: Range<Int>) -> Image
}

extension Image: PixelSource {
    /// Rows `rows` copied out (metadata and gray flag kept).
    public func rows(_ rows: Range<Int>) -> Image {
        var out = cropped(x: 0, y: rows.lowerBound, width: width, height: rows.count)
        out.isGrayscale = isGrayscale
        return out
    }
}

/// A decoded PNG or JPEG held as the decoder's interleaved samples (1 or 2 bytes each, 1–4
/// channels), a quarter to a half of a float ``Image``'s memory; rows are converted on demand,
/// upright (EXIF orientation applied). ``ImageFile/read(path:maxPixels:)`` converts all rows, so
/// both give bit-identical floats.
public final class DecodedImage: PixelSource, @unchecked Sendable {
    private var raw: eio_image
    private let orientation: ExifOrientation
    private let rawWidth: Int, rawHeight: Int, rawChannels: Int
    /// Size in pixels, upright (after the EXIF orientation).
    public let width: Int, height: Int
    /// 3 or 4 (gray expanded to RGB, gray+alpha to RGBA); the samples' bits (8 or 16); gray source.
    public let channelCount: Int, bitDepth: Int, isGrayscale: Bool
    /// PNG text chunks of the file; for a JPEG, the `enhance:*` entries of its XMP packet.
    public let text: [String: String]
    /// ICC profile of the file, if any.
    public let iccProfile: [UInt8]?
    /// TIFF-structured EXIF of the file, if any (orientation as stored; rows are already upright).
    public let exif: [UInt8]?

    /// Takes ownership of a successfully decoded `raw` (freed with this object).
    init(raw: eio_image, text: [String: String], path: String) throws {
        self.raw = raw
        rawWidth = Int(raw.width)
        rawHeight = Int(raw.height)
        rawChannels = Int(raw.channels)
        guard raw.pixels != nil, rawWidth > 0, rawHeight > 0, (1...4).contains(rawChannels) else {
            var r = raw
            eio_image_free(&r)
            throw ImageIOError(path: path, kind: .corrupt, reason: "decoder returned no pixels")
        }
        exif = RawPixels.bytes(raw.exif, raw.exif_length)
        iccProfile = RawPixels.bytes(raw.icc, raw.icc_length)
        orientation = ExifOrientation.parse(exif ?? [])
        (width, height) = orientation.swapsAxes ? (rawHeight, rawWidth) : (rawWidth, rawHeight)
        channelCount = rawChannels == 2 || rawChannels == 4 ? 4 : 3
        bitDepth = raw.bit_depth == 16 ? 16 : 8
        isGrayscale = rawChannels <= 2
        self.text = text
    }

    deinit { eio_image_free(&raw) }

    /// Rows `rows` of the upright image as planar floats `v / (2^bits − 1)`, with the file's metadata.
    public func rows(_ rows: Range<Int>) -> Image {
        precondition(rows.lowerBound >= 0 && rows.upperBound <= height)
        let w = width, n = rows.count, plane = w * n
        var pixels = [Float](repeating: 0, count: channelCount * plane)
        // Source channel for each output plane: gray expanded to RGB, gray+alpha to RGBA.
        let map: [Int] = switch rawChannels {
        case 1: [0, 0, 0]
        case 2: [0, 0, 0, 1]
        case 3: [0, 1, 2]
        default: [0, 1, 2, 3]
        }
        if bitDepth == 16 {
            convert(UInt16.self, rows, map, &pixels)
        } else {
            convert(UInt8.self, rows, map, &pixels)
        }
        var image = Image(width: w, height: n, channelCount: channelCount, pixels: pixels, bitDepth: bitDepth,
                          text: text)
        image.isGrayscale = isGrayscale
        image.iccProfile = iccProfile
        image.exif = exif
        return image
    }

    private func convert<T: FixedWidthInteger & UnsignedInteger>(_: T.Type, _ rows: Range<Int>, _ map: [Int],
                                                                  _ pixels: inout [Float]) {
        let src = raw.pixels!.assumingMemoryBound(to: T.self)
        let maxval = Float(T.max)  // divide (not multiply) so v/maxval is correctly rounded
        let w = width, plane = w * rows.count, ch = rawChannels
        pixels.withUnsafeMutableBufferPointer { out in
            for (r, y) in rows.enumerated() {
                for x in 0..<w {
                    let (sx, sy) = orientation.source(x, y, rawWidth, rawHeight)
                    let s = (sy * rawWidth + sx) * ch, i = r * w + x
                    for (c, k) in map.enumerated() { out[c * plane + i] = Float(src[s + k]) / maxval }
                }
            }
        }
    }
}
