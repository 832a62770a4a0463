import CImageIO

/// JPEG decoding and encoding through the CImageIO shim (libjpeg-turbo).
enum JPEGCodec {
    /// Header-only query; width and height are reported after EXIF orientation.
    static func info(path: String) throws -> ImageInfo {
        var raw = eio_image()
        defer { eio_image_free(&raw) }
        let code = eio_jpeg_read(path, 1, UInt64.max, &raw)
        try check(code, raw: &raw, path: path)
        let orientation = ExifOrientation.parse(exif(raw))
        let swaps = orientation.swapsAxes
        return ImageInfo(width: Int(swaps ? raw.height : raw.width), height: Int(swaps ? raw.width : raw.height),
                         format: .jpeg, bitDepth: 8, hasAlpha: false, isGrayscale: raw.channels == 1)
    }

    /// Decodes baseline/progressive gray, RGB, CMYK and YCCK JPEGs to RGB and applies EXIF orientation.
    static func read(path: String, maxPixels: Int) throws -> Image {
        var raw = eio_image()
        defer { eio_image_free(&raw) }
        let code = eio_jpeg_read(path, 0, UInt64(max(0, maxPixels)), &raw)
        try check(code, raw: &raw, path: path)
        let image = try RawPixels.image(from: raw, path: path)
        return ExifOrientation.parse(exif(raw)).apply(to: image)
    }

    private static func exif(_ raw: eio_image) -> [UInt8] {
        guard let p = raw.exif, raw.exif_length > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: p, count: raw.exif_length))
    }

    private static func check(_ code: Int32, raw: inout eio_image, path: String) throws {
        guard code != EIO_OK else { return }
        let message = withUnsafeBytes(of: &raw.message) { buf in
            String(decoding: buf.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        throw RawPixels.error(code: code, message: message, format: "JPEG", path: path)
    }
}
