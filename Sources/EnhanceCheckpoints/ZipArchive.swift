/// A minimal read-only ZIP reader for PyTorch ≥ 1.6 checkpoints: parses the central directory
/// (zip64 when needed), reads stored (method 0) entries and verifies their CRC-32. Compressed
/// entries are refused (torch.save never compresses).
struct ZipArchive {
    struct Entry {
        let name: String
        let method: UInt16
        let crc32: UInt32
        let compressedSize: Int
        let size: Int
        let localHeaderOffset: Int
    }

    let bytes: [UInt8]
    let file: String
    /// Entries in central-directory order.
    private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]

    static func isZip(_ prefix: [UInt8]) -> Bool {
        prefix.count >= 4 && prefix[0] == 0x50 && prefix[1] == 0x4B && prefix[2] == 0x03 && prefix[3] == 0x04
    }

    init(bytes: [UInt8], file: String) throws {
        self.bytes = bytes
        self.file = file
        let eocd = try findEndOfCentralDirectory()
        var r = ByteReader(bytes, file: file, position: eocd + 10)
        var count = Int(try r.u16("entry count"))
        var cdSize = Int(try r.u32("central directory size"))
        var cdOffset = Int(try r.u32("central directory offset"))
        let hasLocator = eocd >= 20 && ByteReader.u32(bytes, at: eocd - 20) == 0x0706_4B50
        if hasLocator || count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            (count, cdSize, cdOffset) = try readZip64End(eocd: eocd)
        }
        guard cdOffset <= bytes.count, cdSize <= bytes.count - cdOffset else {
            throw fail("central directory lies outside the file (truncated?)")
        }
        r = ByteReader(bytes, file: file, position: cdOffset)
        for _ in 0 ..< count {
            let entry = try readCentralEntry(&r)
            guard index[entry.name] == nil else { throw fail("duplicate zip entry '\(entry.name)'") }
            index[entry.name] = entries.count
            entries.append(entry)
        }
    }

    private func fail(_ m: String) -> CheckpointError { CheckpointError(file: file, "zip: " + m) }

    private func findEndOfCentralDirectory() throws -> Int {
        guard bytes.count >= 22 else { throw fail("file too short for a zip archive (truncated?)") }
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        var i = bytes.count - 22
        while i >= lowest {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x05, bytes[i + 3] == 0x06 { return i }
            i -= 1
        }
        throw fail("no end-of-central-directory record (truncated file?)")
    }

    private func readZip64End(eocd: Int) throws -> (Int, Int, Int) {
        guard eocd >= 20 else { throw fail("zip64 locator missing") }
        var r = ByteReader(bytes, file: file, position: eocd - 20)
        guard try r.u32() == 0x0706_4B50 else { throw fail("zip64 locator missing") }
        _ = try r.u32()
        let recordOffset = try r.u64("zip64 record offset")
        guard recordOffset < UInt64(bytes.count) else { throw fail("zip64 record offset out of range") }
        r.position = Int(recordOffset)
        guard try r.u32("zip64 record") == 0x0606_4B50 else { throw fail("bad zip64 end record signature") }
        r.position += 28
        let count = try r.u64("zip64 entry count")
        let size = try r.u64("zip64 directory size")
        let offset = try r.u64("zip64 directory offset")
        let limit = UInt64(bytes.count)
        guard count <= limit, size <= limit, offset <= limit else { throw fail("zip64 directory values out of range") }
        return (Int(count), Int(size), Int(offset))
    }

    private func readCentralEntry(_ r: inout ByteReader) throws -> Entry {
        guard try r.u32("central directory entry") == 0x0201_4B50 else { throw fail("bad central directory entry signature") }
        r.position += 4  // version made by, version needed
        let flags = try r.u16()
        let method = try r.u16()
        r.position += 4  // time, date
        let crc = try r.u32()
        var csize = UInt64(try r.u32())
        var usize = UInt64(try r.u32())
        let nameLength = Int(try r.u16())
        let extraLength = Int(try r.u16())
        let commentLength = Int(try r.u16())
        r.position += 8  // disk, internal attr, external attr
        var localOffset = UInt64(try r.u32())
        let name = String(decoding: try r.take(nameLength, "entry name"), as: UTF8.self)
        var extra = ByteReader(Array(try r.take(extraLength, "extra field")), file: file)
        _ = try r.take(commentLength, "entry comment")
        while extra.remaining >= 4 {
            let id = try extra.u16(), length = Int(try extra.u16())
            var field = ByteReader(Array(try extra.take(length, "extra field")), file: file)
            guard id == 0x0001 else { continue }
            if usize == 0xFFFF_FFFF { usize = try field.u64("zip64 size") }
            if csize == 0xFFFF_FFFF { csize = try field.u64("zip64 compressed size") }
            if localOffset == 0xFFFF_FFFF { localOffset = try field.u64("zip64 offset") }
        }
        guard flags & 1 == 0 else { throw fail("entry '\(name)' is encrypted") }
        let limit = UInt64(bytes.count)
        guard csize <= limit, usize <= limit, localOffset < limit else {
            throw fail("entry '\(name)' sizes/offset exceed the file size (truncated?)")
        }
        return Entry(name: name, method: method, crc32: crc, compressedSize: Int(csize), size: Int(usize),
                     localHeaderOffset: Int(localOffset))
    }

    func entry(named name: String) -> Entry? { index[name].map { entries[$0] } }

    /// Byte range of a stored entry's data inside ``bytes`` (CRC-checked).
    func dataRange(of entry: Entry) throws -> Range<Int> {
        guard entry.method == 0 else {
            throw fail("entry '\(entry.name)' uses compression method \(entry.method); only stored entries are supported")
        }
        guard entry.compressedSize == entry.size else { throw fail("stored entry '\(entry.name)' has mismatched sizes") }
        var r = ByteReader(bytes, file: file, position: entry.localHeaderOffset)
        guard try r.u32("local header") == 0x0403_4B50 else { throw fail("bad local header for '\(entry.name)'") }
        r.position += 22
        let nameLength = Int(try r.u16()), extraLength = Int(try r.u16())
        let start = r.position + nameLength + extraLength
        guard start <= bytes.count, entry.size <= bytes.count - start else {
            throw fail("entry '\(entry.name)' data runs past the end of the file (truncated)")
        }
        let range = start ..< start + entry.size
        guard CRC32.checksum(bytes, range) == entry.crc32 else { throw fail("CRC mismatch in entry '\(entry.name)' (corrupt file)") }
        return range
    }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) as used by ZIP.
enum CRC32 {
    static let table: [UInt32] = (0 ..< 256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0 ..< 8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            bytes.withUnsafeBufferPointer { b in
                for i in range { c = t[Int((c ^ UInt32(b[i])) & 0xFF)] ^ (c >> 8) }
            }
        }
        return c ^ 0xFFFF_FFFF
    }
}
