/// A minimal in-memory PNG encoder for graphics payloads (kitty `f=100`, iTerm2 inline images).
///
/// Writes 8-bit truecolour (colour type 2), no interlace, filter 0 on every row, and a zlib
/// stream of stored (uncompressed) deflate blocks: encoding costs one pass and two checksums,
/// and any PNG decoder reads it. The payload is about as large as the raw RGB.
public enum PNGWriter {
    /// The PNG file bytes for `image`, written in one pass: the IDAT body (zlib header, stored
    /// blocks of filter-0 scanlines, Adler-32) goes straight into the output and its CRC is
    /// computed over it in place.
    public static func encode(_ image: RGBImage) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var ihdr = [UInt8]()
        append32(UInt32(image.width), to: &ihdr)
        append32(UInt32(image.height), to: &ihdr)
        ihdr += [8, 2, 0, 0, 0]
        chunk("IHDR", ihdr, into: &out)
        let raw = (image.width * 3 + 1) * image.height
        out.reserveCapacity(out.count + raw + raw / 65535 * 5 + 64)
        let lengthAt = out.count
        append32(0, to: &out)  // patched below
        let typeAt = out.count
        out += Array("IDAT".utf8)
        out += [0x78, 0x01]
        appendStored(image, into: &out)
        let length = out.count - typeAt - 4
        for k in 0..<4 { out[lengthAt + k] = UInt8((length >> (24 - 8 * k)) & 0xFF) }
        let crc = out.withUnsafeBufferPointer { crc32(UnsafeBufferPointer(rebasing: $0[typeAt...])) }
        append32(crc, to: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    /// The scanlines (each prefixed by filter type 0) as stored deflate blocks of at most 65535
    /// bytes, then their Adler-32.
    static func appendStored(_ image: RGBImage, into out: inout [UInt8]) {
        let stride = image.width * 3
        let total = (stride + 1) * image.height
        var a: UInt32 = 1, b: UInt32 = 0
        var blockLeft = 0, done = 0
        func emit(_ buf: UnsafeBufferPointer<UInt8>) {
            var off = 0
            while off < buf.count {
                if blockLeft == 0 {
                    let n = min(65535, total - done)
                    let last: UInt8 = done + n == total ? 1 : 0
                    out += [last, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
                    blockLeft = n
                }
                let n = min(blockLeft, buf.count - off)
                let part = UnsafeBufferPointer(rebasing: buf[off..<(off + n)])
                out.append(contentsOf: part)
                var k = 0
                while k < n {  // Adler-32, reduced before the sums can overflow
                    let end = min(k + 5552, n)
                    while k < end { a &+= UInt32(part[k]); b &+= a; k += 1 }
                    a %= 65521; b %= 65521
                }
                blockLeft -= n; done += n; off += n
            }
        }
        if total == 0 { out += [1, 0, 0, 0xFF, 0xFF] }
        let filter: [UInt8] = [0]
        image.bytes.withUnsafeBufferPointer { px in
            filter.withUnsafeBufferPointer { f in
                for y in 0..<image.height {
                    emit(f)
                    emit(UnsafeBufferPointer(rebasing: px[(y * stride)..<((y + 1) * stride)]))
                }
            }
        }
        append32(b << 16 | a, to: &out)
    }

    static func chunk(_ type: String, _ body: [UInt8], into out: inout [UInt8]) {
        append32(UInt32(body.count), to: &out)
        let typed = Array(type.utf8) + body
        out += typed
        append32(typed.withUnsafeBufferPointer { crc32($0) }, to: &out)
    }

    static func append32(_ v: UInt32, to out: inout [UInt8]) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }


    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ data: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        crcTable.withUnsafeBufferPointer { t in
            for b in data { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }
}
