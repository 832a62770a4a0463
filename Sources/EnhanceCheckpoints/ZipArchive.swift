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

    /// Reads `count` bytes at a file offset (throwing when they run past the end); `what` names them.
    typealias ReadAt = (_ offset: Int, _ count: Int, _ what: String) throws -> [UInt8]

    /// Largest central directory read: a file may declare any size, and a sparse one costs no disk.
    static let maxDirectoryBytes = 64 << 20

    let file: String
    let fileSize: Int
    /// Entries in central-directory order.
    private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]
    /// The whole file when it is in memory (``dataRange(of:)``), else empty.
    private let bytes: [UInt8]
    private let readAt: ReadAt

    static func isZip(_ prefix: [UInt8]) -> Bool {
        prefix.count >= 4 && prefix[0] == 0x50 && prefix[1] == 0x4B && prefix[2] == 0x03 && prefix[3] == 0x04
    }

    /// The archive held in `bytes`.
    init(bytes: [UInt8], file: String) throws {
        try self.init(fileSize: bytes.count, file: file, bytes: bytes) { offset, count, what in
            guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
                throw CheckpointError(file: file, "zip: truncated: \(what) at offset \(offset) runs past the end")
            }
            return Array(bytes[offset ..< offset + count])
        }
    }

    /// The archive at `path`, of which only the end records, the central directory and the entries
    /// asked for (``data(of:)``) are read.
    init(path: String) throws {
        try self.init(fileSize: FileIO.size(path), file: path, bytes: []) {
            try FileIO.read(path, at: $0, count: $1, $2)
        }
    }

    private init(fileSize: Int, file: String, bytes: [UInt8], readAt: @escaping ReadAt) throws {
        (self.fileSize, self.file, self.bytes, self.readAt) = (fileSize, file, bytes, readAt)
        let eocd = try findEndOfCentralDirectory()
        var r = ByteReader(try readAt(eocd, 22, "end of central directory"), file: file, position: 10)
        var count = Int(try r.u16("entry count"))
        var cdSize = Int(try r.u32("central directory size"))
        var cdOffset = Int(try r.u32("central directory offset"))
        let hasLocator = try eocd >= 20 && ByteReader.u32(readAt(eocd - 20, 4, "zip64 locator"), at: 0) == 0x0706_4B50
        if hasLocator || count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            (count, cdSize, cdOffset) = try readZip64End(eocd: eocd)
        }
        guard cdOffset <= fileSize, cdSize <= fileSize - cdOffset else {
            throw fail("central directory lies outside the file (truncated?)")
        }
        guard cdSize <= Self.maxDirectoryBytes else {
            throw fail("central directory of \(cdSize) bytes is over the \(Self.maxDirectoryBytes >> 20) MiB "
                       + "this reader accepts")
        }
        r = ByteReader(try readAt(cdOffset, cdSize, "central directory"), file: file)
        for _ in 0 ..< count {
            let entry = try readCentralEntry(&r)
            guard index[entry.name] == nil else { throw fail("duplicate zip entry '\(entry.name)'") }
            index[entry.name] = entries.count
            entries.append(entry)
        }
    }

    private func fail(_ m: String) -> CheckpointError { CheckpointError(file: file, "zip: " + m) }

    private func findEndOfCentralDirectory() throws -> Int {
        guard fileSize >= 22 else { throw fail("file too short for a zip archive (truncated?)") }
        let lowest = max(0, fileSize - 22 - 0xFFFF)
        let tail = try readAt(lowest, fileSize - lowest, "end of central directory")
        var i = tail.count - 22
        while i >= 0 {
            if tail[i] == 0x50, tail[i + 1] == 0x4B, tail[i + 2] == 0x05, tail[i + 3] == 0x06 { return lowest + i }
            i -= 1
        }
        throw fail("no end-of-central-directory record (truncated file?)")
    }

    private func readZip64End(eocd: Int) throws -> (Int, Int, Int) {
        guard eocd >= 20 else { throw fail("zip64 locator missing") }
        var r = ByteReader(try readAt(eocd - 20, 20, "zip64 locator"), file: file)
        guard try r.u32() == 0x0706_4B50 else { throw fail("zip64 locator missing") }
        _ = try r.u32()
        let recordOffset = try r.u64("zip64 record offset")
        guard recordOffset <= UInt64(max(fileSize - 56, 0)), fileSize >= 56 else {
            throw fail("zip64 record offset out of range")
        }
        r = ByteReader(try readAt(Int(recordOffset), 56, "zip64 end record"), file: file)
        guard try r.u32("zip64 record") == 0x0606_4B50 else { throw fail("bad zip64 end record signature") }
        r.position += 28
        let count = try r.u64("zip64 entry count")
        let size = try r.u64("zip64 directory size")
        let offset = try r.u64("zip64 directory offset")
        let limit = UInt64(fileSize)
        guard count <= limit, size <= limit, offset <= limit else { throw fail("zip64 directory values out of range") }
        return (Int(count), Int(size), Int(offset))
    }

    private func readCentralEntry(_ r: inout ByteReader) throws -> Entry {
        guard try r.u32("central directory entry") == 0x0201_4B50 else {
            throw fail("bad central directory entry signature")
        }
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
        let limit = UInt64(fileSize)
        guard csize <= limit, usize <= limit, localOffset < limit else {
            throw fail("entry '\(name)' sizes/offset exceed the file size (truncated?)")
        }
        return Entry(name: name, method: method, crc32: crc, compressedSize: Int(csize), size: Int(usize),
                     localHeaderOffset: Int(localOffset))
    }

    func entry(named name: String) -> Entry? { index[name].map { entries[$0] } }

    /// File offset of a stored entry's data, from its local header; the data must fit the file.
    func dataStart(of entry: Entry) throws -> Int {
        guard entry.method == 0 else {
            throw fail(
                "entry '\(entry.name)' uses compression method \(entry.method); only stored entries are supported")
        }
        guard entry.compressedSize == entry.size else {
            throw fail("stored entry '\(entry.name)' has mismatched sizes")
        }
        var r = ByteReader(try readAt(entry.localHeaderOffset, 30, "local header of '\(entry.name)'"), file: file)
        guard try r.u32("local header") == 0x0403_4B50 else { throw fail("bad local header for '\(entry.name)'") }
        r.position += 22
        let nameLength = Int(try r.u16()), extraLength = Int(try r.u16())
        let start = entry.localHeaderOffset + 30 + nameLength + extraLength
        guard start <= fileSize, entry.size <= fileSize - start else {
            throw fail("entry '\(entry.name)' data runs past the end of the file (truncated)")
        }
        return start
    }

    /// A stored entry's bytes (CRC-checked), at most `limit` of them.
    func data(of entry: Entry, limit: Int) throws -> [UInt8] {
        let start = try dataStart(of: entry)
        guard entry.size <= limit else {
            throw fail("entry '\(entry.name)' of \(entry.size) bytes is over the \(limit >> 20) MiB "
                       + "this reader accepts")
        }
        let data = try readAt(start, entry.size, "entry '\(entry.name)'")
        guard CRC32.checksum(data, data.indices) == entry.crc32 else { throw crcMismatch(entry) }
        return data
    }

    /// Byte range of a stored entry's data inside the in-memory archive (CRC-checked).
    func dataRange(of entry: Entry) throws -> Range<Int> {
        let start = try dataStart(of: entry)
        let range = start ..< start + entry.size
        guard range.upperBound <= bytes.count else { throw fail("entry '\(entry.name)' is not in memory") }
        guard CRC32.checksum(bytes, range) == entry.crc32 else { throw crcMismatch(entry) }
        return range
    }

    private func crcMismatch(_ entry: Entry) -> CheckpointError {
        fail("CRC mismatch in entry '\(entry.name)' (corrupt file)")
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
