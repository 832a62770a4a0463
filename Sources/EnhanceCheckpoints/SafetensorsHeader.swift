/// The validated header of a safetensors file: tensor names, dtypes, shapes and data offsets,
/// read without touching the data section (see ``read(path:)``).
public struct SafetensorsHeader: Sendable, Equatable {
    /// One tensor's header entry; offsets are relative to ``dataStart``.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var dtype: String
        public var shape: [Int]
        public var begin: Int
        public var end: Int

        /// Scalar elements (`product(shape)`).
        public var elementCount: Int { shape.reduce(1, *) }

        /// An integer counter (a `num_batches_tracked`, or any integer scalar such as `step`): no
        /// weights, skipped on load.
        public var isInertCounter: Bool {
            (name.hasSuffix("num_batches_tracked") || shape.isEmpty) && (dtype.hasPrefix("I") || dtype.hasPrefix("U"))
        }
    }

    /// Tensors in header order.
    public var entries: [Entry]
    /// The `__metadata__` map, empty when absent.
    public var metadata: [String: String]
    /// Byte offset of the data section (8 + header length).
    public var dataStart: Int
    /// Size of the whole file in bytes.
    public var fileSize: Int

    /// Scalars in floating-point tensors (what loading decodes).
    public var parameterCount: Int {
        entries.filter { !$0.isInertCounter }.reduce(0) { $0 + $1.elementCount }
    }

    /// Reads the 8-byte length and the JSON header of `path` (at most ``Safetensors/maxHeaderBytes``),
    /// never the data section, and validates the layout against the file's size.
    public static func read(path: String) throws -> SafetensorsHeader {
        let size = try FileIO.size(path)
        let lengthBytes = try FileIO.readPrefix(path, count: 8)
        let length = lengthBytes.count == 8 ? ByteReader.u64(lengthBytes, at: 0) : 0
        let headEnd = length <= UInt64(Safetensors.maxHeaderBytes) ? 8 + Int(length) : 8
        return try parse(FileIO.readPrefix(path, count: min(headEnd, size)), fileSize: size, file: path)
    }

    /// Validates the header in `head`, the first bytes of a file of `fileSize` bytes (`head` may be
    /// the whole file). Rules: see ``Safetensors``.
    public static func parse(_ head: [UInt8], fileSize: Int, file: String) throws -> SafetensorsHeader {
        func fail(_ m: String) -> CheckpointError { CheckpointError(file: file, m) }
        guard fileSize >= 8, head.count >= 8 else {
            throw fail("truncated: \(fileSize) bytes, too short for a safetensors header length")
        }
        let declared = ByteReader.u64(head, at: 0)
        guard declared <= UInt64(Safetensors.maxHeaderBytes) else {
            throw fail("header length \(declared) exceeds the \(Safetensors.maxHeaderBytes)-byte limit")
        }
        let headerLength = Int(declared)
        guard headerLength <= fileSize - 8, headerLength <= head.count - 8 else {
            throw fail("truncated: header length \(headerLength) exceeds the \(fileSize - 8) bytes after it")
        }
        guard headerLength >= 2, head[8] == UInt8(ascii: "{") else { throw fail("header is not a JSON object") }
        let json: JSONValue
        do {
            json = try JSONParser.parse(Array(head[8 ..< 8 + headerLength]))
        } catch {
            throw fail("invalid header JSON: \(error.message)")
        }
        guard case let .object(members) = json else { throw fail("header is not a JSON object") }
        let dataStart = 8 + headerLength
        let dataLength = fileSize - dataStart

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in members {
            if name == "__metadata__" {
                metadata = try Safetensors.parseMetadata(value, fail: fail)
                continue
            }
            entries.append(try Safetensors.parseEntry(name, value, fail: fail))
        }

        // Offsets: in range, non-overlapping, contiguous from 0 to the end of the buffer.
        var cursor = 0
        for e in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard e.end <= dataLength else {
                throw fail("tensor '\(e.name)' data_offsets [\(e.begin), \(e.end)] out of range: "
                           + "data section has \(dataLength) bytes (truncated file?)")
            }
            guard e.begin == cursor else {
                throw fail(e.begin < cursor
                    ? "tensor '\(e.name)' data_offsets [\(e.begin), \(e.end)] overlap the previous tensor "
                        + "(ends at \(cursor))"
                    : "gap in data buffer: bytes \(cursor)..<\(e.begin) belong to no tensor (before '\(e.name)')")
            }
            cursor = e.end
        }
        guard cursor == dataLength else {
            throw fail("data section has \(dataLength) bytes but tensors cover only \(cursor)")
        }
        return SafetensorsHeader(entries: entries, metadata: metadata, dataStart: dataStart, fileSize: fileSize)
    }
}
