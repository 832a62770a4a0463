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
    mutating func appendLE(_ v: UInt32) {
        for s in stride(from: 0, to: 32, by: 8) { append(UInt8((v >> UInt32(s)) & 0xFF)) }
    }
    mutating func appendLE(_ v: UInt64) {
        for s in stride(from: 0, to: 64, by: 8) { append(UInt8((v >> UInt64(s)) & 0xFF)) }
    }
}

/// Decodes `count` little-endian elements of `dtype` starting at `offset` in `bytes` to Float.
/// The caller guarantees the range is in bounds.
func decodeFloats(_ bytes: [UInt8], offset: Int, count: Int, dtype: DType) -> [Float] {
    precondition(offset >= 0 && count >= 0 && offset + count * dtype.byteSize <= bytes.count,
                 "decodeFloats: range outside the buffer")
    return bytes.withUnsafeBytes { decodeFloats(.init(rebasing: $0[offset...]), count: count, dtype: dtype) }
}

/// Decodes the `count` little-endian elements of `dtype` at the start of `raw` to Float (float16
/// eight at a time, exactly). `raw` must hold `count × dtype.byteSize` bytes.
public func decodeFloats(_ raw: UnsafeRawBufferPointer, count: Int, dtype: DType) -> [Float] {
    precondition(count >= 0 && count * dtype.byteSize <= raw.count, "decodeFloats: range outside the buffer")
    return [Float](unsafeUninitializedCapacity: count) { dst, initialized in
        initialized = count
        guard count > 0, let src = raw.baseAddress, let out = dst.baseAddress else { return }
        switch dtype {
        case .float32: decodeFloat32(src, into: out, count: count)
        case .float16: decodeFloat16(src, into: out, count: count)
        case .bfloat16: decodeBFloat16(src, into: out, count: count)
        default: decodeIntegers(src, into: out, count: count, dtype: dtype)
        }
    }
}

/// Little-endian float32 → Float (a copy on little-endian hosts).
private func decodeFloat32(_ src: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>, count: Int) {
    #if _endian(little)
    UnsafeMutableRawPointer(out).copyMemory(from: src, byteCount: 4 * count)
    #else
    for i in 0 ..< count {
        out[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
    }
    #endif
}

/// Little-endian IEEE binary16 → Float: the magnitude bits shifted into float32 position and scaled
/// by 2¹¹² (exact for normals and subnormals alike), infinities and NaNs (exponent 31) given the
/// float32 all-ones exponent with their payload. Bit-identical to ``HalfFloat/float(fromHalfBits:)``;
/// written branch-free, one element per iteration, so that the compiler vectorises it (the explicit
/// `SIMD8` version it replaces went through generic lane conversions, 20–30× slower).
private func decodeFloat16(_ src: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0 ..< count {
        let h = UInt32(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
        let magnitude = h & 0x7FFF
        let scaled = (Float(bitPattern: magnitude &<< 13) * 0x1p112).bitPattern
        let bits = magnitude >= 0x7C00 ? (magnitude &<< 13) | 0x7F80_0000 : scaled
        out[i] = Float(bitPattern: ((h & 0x8000) &<< 16) | bits)
    }
}

/// Little-endian integers (or bools) of `dtype` → Float.
private func decodeIntegers(_ src: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>, count: Int,
                            dtype: DType) {
    func load<T: FixedWidthInteger>(_: T.Type) {
        for i in 0 ..< count {
            out[i] = Float(T(littleEndian: src.loadUnaligned(fromByteOffset: MemoryLayout<T>.size * i, as: T.self)))
        }
    }
    switch dtype {
    case .int64: load(Int64.self)
    case .int32: load(Int32.self)
    case .int16: load(Int16.self)
    case .int8: load(Int8.self)
    case .uint64: load(UInt64.self)
    case .uint32: load(UInt32.self)
    case .uint16: load(UInt16.self)
    case .uint8, .bool: load(UInt8.self)
    case .float32, .float16, .bfloat16: preconditionFailure("not an integer type")
    }
}

/// Little-endian bfloat16 → Float (the upper half of a float32).
private func decodeBFloat16(_ src: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0 ..< count {
        out[i] = HalfFloat.float(fromBFloat16Bits: UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i,
                                                                                          as: UInt16.self)))
    }
}

extension DType {
    /// Bytes per element in the file.
    public var byteSize: Int {
        switch self {
        case .int64, .uint64: 8
        case .float32, .int32, .uint32: 4
        case .float16, .bfloat16, .int16, .uint16: 2
        case .int8, .uint8, .bool: 1
        }
    }
}

extension WeightTensor {
    /// True when no value is NaN or ±infinity (a cheap sanity check after loading).
    public var allFinite: Bool { values.allSatisfy(\.isFinite) }
}
