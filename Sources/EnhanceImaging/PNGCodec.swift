import CImageIO

/// PNG decoding and encoding through the CImageIO shim (libpng).
enum PNGCodec {
    /// Header-only query; width and height are reported after the eXIf orientation.
    static func info(path: String) throws -> ImageInfo {
        var raw = eio_image()
        defer { eio_image_free(&raw) }
        let code = eio_png_read(path, 1, UInt64.max, &raw)
        try check(code, raw: &raw, path: path)
        let swaps = ExifOrientation.parse(RawPixels.bytes(raw.exif, raw.exif_length) ?? []).swapsAxes
        return ImageInfo(width: Int(swaps ? raw.height : raw.width), height: Int(swaps ? raw.width : raw.height),
                         format: .png,
                         bitDepth: Int(raw.bit_depth), hasAlpha: raw.has_alpha != 0,
                         isGrayscale: raw.channels <= 2)
    }

    /// Decodes a PNG; 16-bit files keep 16-bit precision (`bitDepth == 16`). An eXIf orientation
    /// is applied, as for JPEG, so pixels come out upright.
    static func read(path: String, maxPixels: Int) throws -> Image {
        var raw = eio_image()
        defer { eio_image_free(&raw) }
        let code = eio_png_read(path, 0, UInt64(max(0, maxPixels)), &raw)
        try check(code, raw: &raw, path: path)
        var image = try RawPixels.image(from: raw, path: path)
        image.text = texts(raw)
        return ExifOrientation.parse(image.exif ?? []).apply(to: image)
    }

    private static func texts(_ raw: eio_image) -> [String: String] {
        var result: [String: String] = [:]
        guard let texts = raw.texts else { return result }
        for i in 0..<Int(raw.text_count) {
            let entry = texts[i]
            guard let keyPtr = entry.key, let valuePtr = entry.value else { continue }
            let key = latin1(keyPtr)
            result[key] = entry.utf8 != 0 ? String(decoding: bytes(valuePtr), as: UTF8.self) : latin1(valuePtr)
        }
        return result
    }

    private static func bytes(_ p: UnsafePointer<CChar>) -> [UInt8] {
        let n = strlenSafe(p)
        return UnsafeRawBufferPointer(start: p, count: n).map { $0 }
    }

    private static func strlenSafe(_ p: UnsafePointer<CChar>) -> Int {
        var n = 0
        while p[n] != 0 { n += 1 }
        return n
    }

    private static func latin1(_ p: UnsafePointer<CChar>) -> String {
        String(String.UnicodeScalarView(bytes(p).map { Unicode.Scalar($0) }))
    }

    /// A text entry validated for PNG: keyword 1–79 printable Latin-1 characters, no NUL in values.
    struct TextEntry {
        var key: [CChar]
        var value: [CChar]
        var utf8: Bool

        init(key: String, value: String, path: String) throws {
            let scalars = Array(key.unicodeScalars)
            guard (1...79).contains(scalars.count),
                  scalars.allSatisfy({ ($0.value >= 32 && $0.value <= 126) || ($0.value >= 161 && $0.value <= 255) }),
                  scalars.first != " ", scalars.last != " " else {
                throw ImageIOError(path: path, kind: .unsupported,
                                   reason: "PNG text key \"\(key)\" is not 1-79 printable Latin-1 characters")
            }
            guard !value.unicodeScalars.contains("\0") else {
                throw ImageIOError(path: path, kind: .unsupported, reason: "PNG text value for \"\(key)\" contains NUL")
            }
            self.key = scalars.map { CChar(bitPattern: UInt8($0.value)) } + [0]
            self.utf8 = !value.unicodeScalars.allSatisfy { $0.isASCII }
            self.value = value.utf8.map { CChar(bitPattern: $0) } + [0]
        }
    }

    static func withCStrings<R>(_ entries: [TextEntry], _ body: ([eio_text]) -> R) -> R {
        var keys = entries.map { $0.key }
        var values = entries.map { $0.value }
        var result: [eio_text] = []
        func recurse(_ i: Int) -> R {
            if i == entries.count { return body(result) }
            return keys[i].withUnsafeMutableBufferPointer { k in
                values[i].withUnsafeMutableBufferPointer { v in
                    result.append(eio_text(key: k.baseAddress, value: v.baseAddress, utf8: entries[i].utf8 ? 1 : 0))
                    return recurse(i + 1)
                }
            }
        }
        return recurse(0)
    }

    static func check(_ code: Int32, raw: inout eio_image, path: String) throws {
        guard code != EIO_OK else { return }
        let message = withUnsafeBytes(of: &raw.message) { buf in
            String(decoding: buf.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        throw RawPixels.error(code: code, message: message, format: "PNG", path: path)
    }
}
