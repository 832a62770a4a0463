/// A minimal in-memory PNG encoder for graphics payloads (kitty `f=100`, iTerm2 inline images).
///
/// Writes 8-bit truecolour (colour type 2), no interlace, filter 0 on every row, and a zlib
/// stream of stored (uncompressed) deflate blocks: encoding costs one pass and two checksums,
/// and any PNG decoder reads it. The payload is about as large as the raw RGB.
public enum PNGWriter {
    /// The PNG file bytes for `image`.
    public static func encode(_ image: RGBImage) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr = [UInt8]()
        append32(UInt32(image.width), to: &ihdr)
        append32(UInt32(image.height), to: &ihdr)
        ihdr += [8, 2, 0, 0, 0]
        chunk("IHDR", ihdr, into: &out)
        chunk("IDAT", zlibStored(scanlines(image)), into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    /// Each row prefixed by filter type 0.
    static func scanlines(_ image: RGBImage) -> [UInt8] {
        let stride = image.width * 3
        var raw = [UInt8]()
        raw.reserveCapacity((stride + 1) * image.height)
        for y in 0..<image.height {
            raw.append(0)
            raw += image.bytes[(y * stride)..<((y + 1) * stride)]
        }
        return raw
    }

    /// A zlib stream (RFC 1950) holding `data` in stored deflate blocks of at most 65535 bytes.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        out.reserveCapacity(data.count + data.count / 65535 * 5 + 16)
        var off = 0
        repeat {
            let n = min(65535, data.count - off)
            let last: UInt8 = off + n == data.count ? 1 : 0
            out += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[off..<(off + n)]
            off += n
        } while off < data.count
        append32(adler32(data), to: &out)
        return out
    }

    static func chunk(_ type: String, _ body: [UInt8], into out: inout [UInt8]) {
        append32(UInt32(body.count), to: &out)
        let typed = Array(type.utf8) + body
        out += typed
        append32(crc32(typed), to: &out)
    }

    static func append32(_ v: UInt32, to out: inout [UInt8]) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        var i = 0
        while i < data.count {
            let end = min(i + 5552, data.count)  // largest run before the sums can overflow
            while i < end { a &+= UInt32(data[i]); b &+= a; i += 1 }
            a %= 65521; b %= 65521
        }
        return b << 16 | a
    }

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        crcTable.withUnsafeBufferPointer { t in
            for b in data { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}
