import CImageIO

/// The sample layout of an encoded output.
public struct OutputLayout: Sendable, Equatable {
    /// PNG or JPEG.
    public var format: ImageFormat
    /// Gray samples (the source was gray): one channel, R = G = B (else BT.601 luma).
    public var gray: Bool
    /// An alpha channel is written (PNG only).
    public var alpha: Bool
    /// Bits per sample: 8, or 16 for PNG.
    public var bitDepth: Int

    /// Samples per pixel.
    public var channels: Int { (gray ? 1 : 3) + (alpha ? 1 : 0) }

    /// The layout that follows the source: gray stays gray, alpha is kept where the format can hold
    /// it, the bit depth is `bitDepth` or the source's (JPEG: always 8).
    public static func following(_ source: some PixelSource, format: ImageFormat, bitDepth: Int? = nil,
                                 path: String) throws -> OutputLayout {
        if format == .jpeg, let b = bitDepth, b != 8 {
            throw ImageIOError(path: path, kind: .unsupported, reason: "JPEG is 8-bit only, asked for \(b)-bit")
        }
        let depth = format == .jpeg ? 8 : bitDepth ?? (source.bitDepth == 16 ? 16 : 8)
        guard depth == 8 || depth == 16 else {
            throw ImageIOError(path: path, kind: .unsupported, reason: "PNG bit depth must be 8 or 16, not \(depth)")
        }
        return OutputLayout(format: format, gray: source.isGrayscale, alpha: format == .png && source.channelCount == 4,
                            bitDepth: depth)
    }

    /// Refuses sizes the format cannot store (JPEG: 65,500 per side; PNG: 2³¹ − 1 per side and
    /// rows under 2³¹ bytes), before any work is done.
    public func check(width: Int, height: Int, path: String) throws {
        let limit = format == .jpeg ? 65_500 : Int(Int32.max)
        let rowBytes = width * channels * bitDepth / 8
        guard width > 0, height > 0, width <= limit, height <= limit, rowBytes < Int(Int32.max) else {
            throw ImageIOError(path: path, kind: .unsupported,
                               reason: "a \(width)x\(height) image cannot be written as \(format.rawValue.uppercased())"
                                   + " (at most \(limit) pixels per side)")
        }
    }
}

/// What an encoder embeds besides pixels.
public struct OutputMetadata: Sendable, Equatable {
    /// PNG text chunks; JPEG: the `enhance:*` entries, as an XMP packet (``XMP/packet(_:)``).
    public var text: [String: String]
    /// ICC profile (PNG iCCP, JPEG APP2).
    public var iccProfile: [UInt8]?
    /// TIFF-structured EXIF (PNG eXIf, JPEG APP1).
    public var exif: [UInt8]?

    /// Metadata to embed as given (see ``exported(from:width:height:strip:text:)`` for exports).
    public init(text: [String: String] = [:], iccProfile: [UInt8]? = nil, exif: [UInt8]? = nil) {
        self.text = text
        self.iccProfile = iccProfile
        self.exif = exif
    }

    /// What an export of `source` at `width`×`height` carries: the source's ICC profile and EXIF
    /// (orientation reset to 1, pixel dimensions updated) unless `strip`, plus `text`.
    public static func exported(from source: some PixelSource, width: Int, height: Int, strip: Bool,
                                text: [String: String]) -> OutputMetadata {
        if strip { return OutputMetadata(text: text) }
        return OutputMetadata(text: text, iccProfile: source.iccProfile,
                              exif: source.exif.flatMap { ExifEditor.exported($0, width: width, height: height) })
    }
}

/// Encodes an image row band by row band (libpng row writes, libjpeg scanlines), so an image never
/// has to be held whole. Bands are planar RGB(A) float ``Image``s of the output width, values in
/// [0, 1] (clamped here; NaN becomes 0). Not thread-safe.
public final class ImageWriter {
    /// Image width in pixels (every band's width).
    public let width: Int
    /// Image height in pixels (the rows appended in all).
    public let height: Int
    /// Samples written per pixel, bit depth and format.
    public let layout: OutputLayout
    private var writer: OpaquePointer?
    private var rowsWritten = 0
    private let path: String

    /// Creates `path` (normally an ``AtomicFile`` temporary) and writes the header and metadata.
    /// - Parameter reportedPath: the name used in error messages (the final destination).
    public init(path: String, reportedPath: String, width: Int, height: Int, layout: OutputLayout,
                metadata: OutputMetadata, quality: Int = 95) throws {
        guard (1...100).contains(quality) else {
            throw ImageIOError(path: reportedPath, kind: .unsupported,
                               reason: "JPEG quality must be 1-100, not \(quality)")
        }
        try layout.check(width: width, height: height, path: reportedPath)
        self.width = width
        self.height = height
        self.layout = layout
        self.path = reportedPath
        let entries = layout.format == .png
            ? try metadata.text.sorted { $0.key < $1.key }.map { try PNGCodec.TextEntry(key: $0.key, value: $0.value,
                                                                                         path: reportedPath) }
            : []
        var message = [CChar](repeating: 0, count: 256)
        let icc = metadata.iccProfile ?? [], exif = metadata.exif ?? []
        let xmp = layout.format == .jpeg ? XMP.packet(metadata.text) ?? [] : []
        writer = PNGCodec.withCStrings(entries) { texts in
            icc.withUnsafeBufferPointer { iccBuf in
                exif.withUnsafeBufferPointer { exifBuf in
                    xmp.withUnsafeBufferPointer { xmpBuf in
                        texts.withUnsafeBufferPointer { t in
                            var spec = eio_write_spec(
                                format: layout.format == .png ? Int32(EIO_FORMAT_PNG) : Int32(EIO_FORMAT_JPEG),
                                width: UInt32(width), height: UInt32(height), channels: Int32(layout.channels),
                                bit_depth: Int32(layout.bitDepth), quality: Int32(quality), texts: t.baseAddress,
                                text_count: Int32(t.count), icc: icc.isEmpty ? nil : iccBuf.baseAddress,
                                icc_length: icc.count, exif: exif.isEmpty ? nil : exifBuf.baseAddress,
                                exif_length: exif.count, xmp: xmp.isEmpty ? nil : xmpBuf.baseAddress,
                                xmp_length: xmp.count)
                            return eio_writer_open(path, &spec, &message, message.count)
                        }
                    }
                }
            }
        }
        if writer == nil { throw failure(RawPixels.string(message)) }
    }

    deinit { abort() }

    /// Encodes the next `band.height` rows.
    public func append(_ band: Image) throws {
        guard let writer else { throw failure("writer already closed") }
        precondition(band.width == width && band.height <= height - rowsWritten, "band does not fit the image")
        let n = layout.channels * width
        let ok: Bool
        if layout.bitDepth == 16 {
            var row = [UInt16](repeating: 0, count: n)
            ok = (0..<band.height).allSatisfy { y in
                SampleRow.fill(&row, band: band, y: y, layout: layout)
                return row.withUnsafeBytes { eio_writer_rows(writer, $0.baseAddress, 1) } == EIO_OK
            }
        } else {
            var row = [UInt8](repeating: 0, count: n)
            ok = (0..<band.height).allSatisfy { y in
                SampleRow.fill(&row, band: band, y: y, layout: layout)
                return row.withUnsafeBytes { eio_writer_rows(writer, $0.baseAddress, 1) } == EIO_OK
            }
        }
        if !ok { throw failure(String(cString: eio_writer_message(writer))) }
        rowsWritten += band.height
    }

    /// Completes the file; every row must have been appended.
    public func finish() throws {
        guard let w = writer else { throw failure("writer already closed") }
        writer = nil
        var message = [CChar](repeating: 0, count: 256)
        if eio_writer_finish(w, &message, message.count) != EIO_OK { throw failure(RawPixels.string(message)) }
    }

    /// Stops without completing the file (the caller's ``AtomicFile`` removes it).
    public func abort() {
        if let w = writer { eio_writer_abort(w) }
        writer = nil
    }

    private func failure(_ detail: String) -> ImageIOError {
        ImageIOError(path: path, kind: .writeFailed,
                     reason: "cannot write \(layout.format.rawValue.uppercased()): \(detail)")
    }
}

/// One output row of interleaved samples from a planar float band.
enum SampleRow {
    static func fill<T: FixedWidthInteger & UnsignedInteger>(_ row: inout [T], band: Image, y: Int,
                                                             layout: OutputLayout) {
        let w = band.width, plane = band.planeSize, scale = Float(T.max), ch = layout.channels
        band.pixels.withUnsafeBufferPointer { p in
            row.withUnsafeMutableBufferPointer { out in
                for x in 0..<w {
                    let i = y * w + x
                    let r = p[i], g = p[plane + i], b = p[2 * plane + i]
                    if layout.gray {
                        out[x * ch] = quantize(r == g && g == b ? r : 0.299 * r + 0.587 * g + 0.114 * b, scale)
                    } else {
                        out[x * ch] = quantize(r, scale)
                        out[x * ch + 1] = quantize(g, scale)
                        out[x * ch + 2] = quantize(b, scale)
                    }
                    if layout.alpha { out[x * ch + ch - 1] = quantize(band.hasAlpha ? p[3 * plane + i] : 1, scale) }
                }
            }
        }
    }

    @inline(__always) static func quantize<T: FixedWidthInteger & UnsignedInteger>(_ v: Float, _ scale: Float) -> T {
        T((RawPixels.clampUnit(v) * scale).rounded())
    }
}
