import CImageIO

/// JPEG decoding and encoding through the CImageIO shim (libjpeg-turbo).
enum JPEGCodec {
    /// Header-only query; width and height are reported after EXIF orientation.
    static func info(path: String) throws -> ImageInfo {
        var raw = eio_image()
        defer { eio_image_free(&raw) }
        let code = eio_jpeg_read(path, 1, UInt64.max, &raw)
        try check(code, raw: &raw, path: path)
        let orientation = ExifOrientation.parse(RawPixels.bytes(raw.exif, raw.exif_length) ?? [])
        let swaps = orientation.swapsAxes
        return ImageInfo(width: Int(swaps ? raw.height : raw.width), height: Int(swaps ? raw.width : raw.height),
                         format: .jpeg, bitDepth: 8, hasAlpha: false, isGrayscale: raw.channels == 1)
    }

    /// Decodes baseline/progressive gray, RGB, CMYK and YCCK JPEGs (as RGB rows, EXIF orientation
    /// applied), with the `enhance:*` entries of their XMP packet as text.
    static func decode(path: String, maxPixels: Int) throws -> DecodedImage {
        var raw = eio_image()
        let code = eio_jpeg_read(path, 0, UInt64(max(0, maxPixels)), &raw)
        do { try check(code, raw: &raw, path: path) } catch { eio_image_free(&raw); throw error }
        // The enhance:* record of JPEGs lives in XMP (PNG: text chunks).
        let text = RawPixels.bytes(raw.xmp, raw.xmp_length).map(XMP.properties) ?? [:]
        return try DecodedImage(raw: raw, text: text, path: path)
    }

    private static func check(_ code: Int32, raw: inout eio_image, path: String) throws {
        guard code != EIO_OK else { return }
        let message = withUnsafeBytes(of: &raw.message) { buf in
            String(decoding: buf.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        throw RawPixels.error(code: code, message: message, format: "JPEG", path: path)
    }
}
