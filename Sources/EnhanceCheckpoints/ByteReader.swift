/// Bounds-checked little-endian reads over a byte array. Every read past the end throws a
/// ``CheckpointError`` naming ``file`` instead of trapping.
struct ByteReader {
    let bytes: [UInt8]
    let file: String
    var position: Int

    init(_ bytes: [UInt8], file: String, position: Int = 0) {
        self.bytes = bytes
        self.file = file
        self.position = position
    }

    var remaining: Int { bytes.count - position }
    var atEnd: Bool { position >= bytes.count }

    func error(_ problem: String) -> CheckpointError { CheckpointError(file: file, problem) }

    mutating func require(_ count: Int, _ what: String) throws {
        guard count >= 0, count <= remaining else {
            throw error("truncated: need \(count) bytes for \(what) at offset \(position), \(max(remaining, 0)) left")
        }
    }

    mutating func u8(_ what: String = "byte") throws -> UInt8 {
        try require(1, what)
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16(_ what: String = "uint16") throws -> UInt16 {
        try require(2, what)
        defer { position += 2 }
        return UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
    }

    mutating func u32(_ what: String = "uint32") throws -> UInt32 {
        try require(4, what)
        defer { position += 4 }
        return Self.u32(bytes, at: position)
    }

    mutating func u64(_ what: String = "uint64") throws -> UInt64 {
        try require(8, what)
        defer { position += 8 }
        return Self.u64(bytes, at: position)
    }

    mutating func take(_ count: Int, _ what: String) throws -> ArraySlice<UInt8> {
        try require(count, what)
        defer { position += count }
        return bytes[position ..< position + count]
    }

    static func u32(_ b: [UInt8], at i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    static func u64(_ b: [UInt8], at i: Int) -> UInt64 {
        UInt64(u32(b, at: i)) | UInt64(u32(b, at: i + 4)) << 32
    }
}

extension Array where Element == UInt8 {
    mutating func appendLE(_ v: UInt16) { append(UInt8(v & 0xFF)); append(UInt8(v >> 8)) }
    mutating func appendLE(_ v: UInt32) { for s in stride(from: 0, to: 32, by: 8) { append(UInt8((v >> UInt32(s)) & 0xFF)) } }
    mutating func appendLE(_ v: UInt64) { for s in stride(from: 0, to: 64, by: 8) { append(UInt8((v >> UInt64(s)) & 0xFF)) } }
}

/// Decodes `count` little-endian elements of `dtype` starting at `offset` in `bytes` to Float.
/// The caller guarantees the range is in bounds.
func decodeFloats(_ bytes: [UInt8], offset: Int, count: Int, dtype: DType) -> [Float] {
    var out = [Float](repeating: 0, count: count)
    bytes.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            switch dtype {
            case .float32:
                for i in 0 ..< count {
                    let o = offset + 4 * i
                    let bits = UInt32(src[o]) | UInt32(src[o + 1]) << 8 | UInt32(src[o + 2]) << 16 | UInt32(src[o + 3]) << 24
                    dst[i] = Float(bitPattern: bits)
                }
            case .float16:
                for i in 0 ..< count {
                    let o = offset + 2 * i
                    dst[i] = HalfFloat.float(fromHalfBits: UInt16(src[o]) | UInt16(src[o + 1]) << 8)
                }
            case .bfloat16:
                for i in 0 ..< count {
                    let o = offset + 2 * i
                    dst[i] = HalfFloat.float(fromBFloat16Bits: UInt16(src[o]) | UInt16(src[o + 1]) << 8)
                }
            }
        }
    }
    return out
}

extension DType {
    /// Bytes per element in the file.
    public var byteSize: Int { self == .float32 ? 4 : 2 }
}

extension WeightTensor {
    /// True when no value is NaN or ±infinity (a cheap sanity check after loading).
    public var allFinite: Bool { values.allSatisfy(\.isFinite) }
}
