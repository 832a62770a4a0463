extension Safetensors {
    /// Serialises `dict` (keys in its order) as safetensors with every tensor stored as `dtype`
    /// (F32, F16 or BF16; half formats round to nearest even). `metadata` becomes `__metadata__`
    /// when non-empty. The header is space-padded so the data buffer starts 8-byte aligned.
    public static func encode(_ dict: StateDict, dtype: DType = .float32, metadata: [String: String] = [:]) -> [UInt8] {
        precondition(dtype.isFloatingPoint, "weights are written as F32, F16 or BF16")
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonQuoted($0)):\(jsonQuoted(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for key in dict.keys {
            let t = dict[key]!
            let length = t.values.count * dtype.byteSize
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonQuoted(key)):{\"dtype\":\"\(dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + length)]}")
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
            for v in dict[key]!.values {
                switch dtype {
                case .float32: out.appendLE(v.bitPattern)
                case .float16: out.appendLE(HalfFloat.halfBits(from: v))
                case .bfloat16: out.appendLE(HalfFloat.bfloat16Bits(from: v))
                default: preconditionFailure("weights are written as F32, F16 or BF16")
                }
            }
        }
        return out
    }

    /// Writes `dict` to `path` as safetensors (see ``encode(_:dtype:metadata:)``).
    public static func write(_ dict: StateDict, to path: String, dtype: DType = .float32, metadata: [String: String] = [:]) throws {
        try FileIO.write(encode(dict, dtype: dtype, metadata: metadata), to: path)
    }
}
