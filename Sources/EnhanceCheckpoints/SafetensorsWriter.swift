extension Safetensors {
    /// Serialises `dict` (keys in its order) as safetensors, every tensor stored as `dtype` when given
    /// (F32, F16 or BF16; half formats round to nearest even), else as its own ``WeightTensor/dtype``
    /// (integer values saturate to their type). `metadata` becomes `__metadata__` when non-empty.
    /// The header is space-padded so the data buffer starts 8-byte aligned.
    public static func encode(_ dict: StateDict, dtype: DType? = nil, metadata: [String: String] = [:]) -> [UInt8] {
        precondition(dtype?.isFloatingPoint ?? true, "weights are written as F32, F16 or BF16")
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonQuoted($0)):\(jsonQuoted(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for key in dict.keys {
            let t = dict[key]!, type = dtype ?? t.dtype
            let length = t.values.count * type.byteSize
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonQuoted(key)):{\"dtype\":\"\(type.rawValue)\",\"shape\":[\(shape)],"
                         + "\"data_offsets\":[\(offset),\(offset + length)]}")
            offset += length
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }

        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        out.appendLE(UInt64(headerBytes.count))
        out.append(contentsOf: headerBytes)
        for key in dict.keys {
            let t = dict[key]!
            for v in t.values {
                switch dtype ?? t.dtype {
                case .float32: out.appendLE(v.bitPattern)
                case .float16: out.appendLE(HalfFloat.halfBits(from: v))
                case .bfloat16: out.appendLE(HalfFloat.bfloat16Bits(from: v))
                case .int64: out.appendLE(UInt64(bitPattern: saturated(v, Int64.self)))
                case .uint64: out.appendLE(saturated(v, UInt64.self))
                case .int32: out.appendLE(UInt32(bitPattern: saturated(v, Int32.self)))
                case .uint32: out.appendLE(saturated(v, UInt32.self))
                case .int16: out.appendLE(UInt16(bitPattern: saturated(v, Int16.self)))
                case .uint16: out.appendLE(saturated(v, UInt16.self))
                case .int8: out.append(UInt8(bitPattern: saturated(v, Int8.self)))
                case .uint8, .bool: out.append(saturated(v, UInt8.self))
                }
            }
        }
        return out
    }

    /// Writes `dict` to `path` as safetensors (see ``encode(_:dtype:metadata:)``).
    public static func write(_ dict: StateDict, to path: String, dtype: DType? = nil,
                             metadata: [String: String] = [:]) throws {
        try FileIO.write(encode(dict, dtype: dtype, metadata: metadata), to: path)
    }

    /// `v` rounded toward zero and clamped to `T`'s range (NaN → 0).
    private static func saturated<T: FixedWidthInteger>(_ v: Float, _: T.Type) -> T {
        guard v.isFinite else { return v.isNaN ? 0 : (v > 0 ? T.max : T.min) }
        if v >= Float(T.max) { return T.max }
        if v <= Float(T.min) { return T.min }
        return T(v)
    }
}
