import CImageIO

/// Helpers for the shim's buffers and errors.
enum RawPixels {
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
