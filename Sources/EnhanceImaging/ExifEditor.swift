/// Edits a TIFF-structured EXIF block for an exported image: the orientation tag (0x0112) is set to
/// 1 (the pixels are already upright) and PixelXDimension/PixelYDimension (0xA002/0xA003 in the
/// Exif sub-IFD) are set to the new size. Entries are patched in place (a SHORT dimension becomes a
/// LONG: both fit the 4-byte value field), so offsets elsewhere in the block stay valid.
public enum ExifEditor {
    /// The edited block, or nil when `tiff` is not a well-formed TIFF header + IFD chain (it is
    /// then dropped rather than copied with a stale orientation).
    public static func exported(_ tiff: [UInt8], width: Int, height: Int) -> [UInt8]? {
        var t = TIFFBuffer(bytes: tiff)
        guard t.bytes.count >= 8, let little = t.byteOrder else { return nil }
        t.little = little
        guard t.u16(2) == 42, let ifd0 = t.u32(4), let n = t.u16(ifd0) else { return nil }
        var exifIFD: Int?
        for i in 0..<n {
            let e = ifd0 + 2 + 12 * i
            guard let tag = t.u16(e), let type = t.u16(e + 2) else { return nil }
            if tag == 0x0112 && type == 3 { t.put16(e + 8, 1) }
            if tag == 0x8769 { exifIFD = t.u32(e + 8) }
        }
        if let sub = exifIFD {
            guard let m = t.u16(sub) else { return nil }
            for i in 0..<m {
                let e = sub + 2 + 12 * i
                guard let tag = t.u16(e) else { return nil }
                guard tag == 0xA002 || tag == 0xA003 else { continue }
                let value = tag == 0xA002 ? width : height
                t.put16(e + 2, 4)  // LONG
                t.put32(e + 4, 1)
                t.put32(e + 8, UInt32(clamping: value))
            }
        }
        return t.bytes
    }
}

/// Bounds-checked reads and writes of TIFF integers in either byte order.
struct TIFFBuffer {
    var bytes: [UInt8]
    var little = true

    var byteOrder: Bool? {
        switch (bytes[0], bytes[1]) {
        case (0x49, 0x49): return true
        case (0x4D, 0x4D): return false
        default: return nil
        }
    }

    func u16(_ o: Int) -> Int? {
        guard o >= 0, o + 2 <= bytes.count else { return nil }
        return little ? Int(bytes[o]) | Int(bytes[o + 1]) << 8 : Int(bytes[o]) << 8 | Int(bytes[o + 1])
    }

    func u32(_ o: Int) -> Int? {
        guard let a = u16(o), let b = u16(o + 2) else { return nil }
        return little ? a | b << 16 : a << 16 | b
    }

    mutating func put16(_ o: Int, _ v: UInt16) {
        guard o >= 0, o + 2 <= bytes.count else { return }
        let (lo, hi) = (UInt8(v & 0xFF), UInt8(v >> 8))
        (bytes[o], bytes[o + 1]) = little ? (lo, hi) : (hi, lo)
    }

    mutating func put32(_ o: Int, _ v: UInt32) {
        guard o >= 0, o + 4 <= bytes.count else { return }
        let (a, b) = (UInt16(v & 0xFFFF), UInt16(v >> 16))
        if little { put16(o, a); put16(o + 2, b) } else { put16(o, b); put16(o + 2, a) }
    }
}
