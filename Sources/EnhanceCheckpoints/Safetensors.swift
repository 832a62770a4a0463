/// A decoded safetensors file: tensors (float32, row-major) plus the `__metadata__` string map.
public struct SafetensorsFile: Sendable, Equatable {
    /// Tensors in header order. Values are row-major float32; conv weights keep the producer's
    /// layout (PyTorch: OIHW).
    public var stateDict: StateDict
    /// The optional `__metadata__` map (string → string), empty when absent.
    public var metadata: [String: String]

    public init(stateDict: StateDict, metadata: [String: String] = [:]) {
        self.stateDict = stateDict
        self.metadata = metadata
    }
}

/// Reader and writer for the safetensors format (<https://github.com/huggingface/safetensors>):
/// `u64 LE header length N`, `N` bytes of JSON header, then the data buffer. Each header entry is
/// `{"dtype", "shape", "data_offsets": [begin, end]}` with offsets relative to the buffer.
///
/// Validation is strict: the header length must fit the file and stay ≤ ``maxHeaderBytes``; the
/// JSON must be an object with no duplicate keys; offsets must be in range, cover the buffer
/// exactly with no gaps or overlaps; `product(shape) × dtype size == end − begin`. Float (F32, F16,
/// BF16), integer and bool tensors are decoded (to Float, see ``DType``); integer
/// `num_batches_tracked` counters are skipped; F64 and F8 tensors are refused.
public enum Safetensors {
    /// Largest header accepted (the reference implementation uses the same 100 MB bound).
    public static let maxHeaderBytes = 100_000_000

    /// Dtypes the format defines, with their element sizes (for layout validation).
    static let knownDTypes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
        "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8,
    ]

    /// Reads and validates the safetensors file at `path` (its budget is checked by
    /// ``CheckpointFile/load(path:budget:)`` from the header before this reads the data).
    public static func read(path: String) throws -> SafetensorsFile {
        try decode(FileIO.readAll(path), file: path)
    }

    /// The tensors' names, shapes and element types from the header of `path` alone.
    public static func describe(path: String) throws -> TensorShapes {
        let header = try SafetensorsHeader.read(path: path)
        var out = TensorShapes()
        for e in header.entries {
            guard let dtype = try dtype(of: e, file: path) else {
                out.ignoredKeys.append(e.name)
                continue
            }
            out[e.name] = TensorShape(shape: e.shape, dtype: dtype)
        }
        return out
    }

    /// The element type `entry` is decoded to; nil for an inert integer counter (skipped).
    static func dtype(of entry: SafetensorsHeader.Entry, file: String) throws -> DType? {
        if entry.isInertCounter { return nil }
        guard let dtype = DType(rawValue: entry.dtype) else {
            throw CheckpointError(file: file, "unsupported dtype \(entry.dtype) for tensor '\(entry.name)' "
                                  + "(F64 and F8 tensors are not read: convert the checkpoint to F32, F16 or BF16)")
        }
        return dtype
    }

    /// Decodes safetensors `bytes`; `file` names the source in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws -> SafetensorsFile {
        let header = try SafetensorsHeader.parse(bytes, fileSize: bytes.count, file: file)
        var dict = StateDict()
        for e in header.entries {
            guard let dtype = try dtype(of: e, file: file) else {
                dict.ignoredKeys.append(e.name)
                continue
            }
            let count = (e.end - e.begin) / dtype.byteSize
            let values = decodeFloats(bytes, offset: header.dataStart + e.begin, count: count, dtype: dtype)
            dict[e.name] = WeightTensor(shape: e.shape, values: values, dtype: dtype)
        }
        return SafetensorsFile(stateDict: dict, metadata: header.metadata)
    }

    static func parseMetadata(_ value: JSONValue, fail: (String) -> CheckpointError) throws -> [String: String] {
        guard case let .object(pairs) = value else { throw fail("__metadata__ is not a JSON object") }
        var out: [String: String] = [:]
        for (k, v) in pairs {
            guard case let .string(s) = v else { throw fail("__metadata__ value for '\(k)' is not a string") }
            out[k] = s
        }
        return out
    }

    static func parseEntry(_ name: String, _ value: JSONValue, fail: (String) -> CheckpointError) throws
        -> SafetensorsHeader.Entry {
        guard case let .object(fields) = value else { throw fail("entry '\(name)' is not a JSON object") }
        var dtypeName: String?, shape: [Int]?, offsets: [Int]?
        for (k, v) in fields {
            switch k {
            case "dtype":
                guard case let .string(s) = v else { throw fail("tensor '\(name)': dtype is not a string") }
                dtypeName = s
            case "shape":
                guard case let .array(items) = v else { throw fail("tensor '\(name)': shape is not an array") }
                shape = try items.map {
                    guard let n = $0.nonNegativeInt else {
                        throw fail("tensor '\(name)': shape has a non-integer or negative dimension")
                    }
                    return n
                }
            case "data_offsets":
                guard case let .array(items) = v, items.count == 2 else {
                    throw fail("tensor '\(name)': data_offsets is not a pair")
                }
                offsets = try items.map {
                    guard let n = $0.nonNegativeInt else {
                        throw fail("tensor '\(name)': data_offsets are not non-negative integers")
                    }
                    return n
                }
            default:
                throw fail("tensor '\(name)': unexpected field '\(k)'")
            }
        }
        guard let dtypeName, let shape, let offsets else {
            throw fail("tensor '\(name)': missing dtype, shape or data_offsets")
        }
        guard let size = knownDTypes[dtypeName] else { throw fail("tensor '\(name)': unknown dtype '\(dtypeName)'") }
        guard offsets[0] <= offsets[1] else {
            throw fail("tensor '\(name)': data_offsets [\(offsets[0]), \(offsets[1])] are reversed")
        }
        var bytesNeeded = size
        for d in shape {
            let (p, overflow) = bytesNeeded.multipliedReportingOverflow(by: d)
            guard !overflow else { throw fail("tensor '\(name)': shape \(shape) is too large") }
            bytesNeeded = p
        }
        guard bytesNeeded == offsets[1] - offsets[0] else {
            throw fail("tensor '\(name)': shape \(shape) × \(dtypeName) needs \(bytesNeeded) bytes "
                       + "but data_offsets span \(offsets[1] - offsets[0])")
        }
        return SafetensorsHeader.Entry(name: name, dtype: dtypeName, shape: shape, begin: offsets[0], end: offsets[1])
    }
}
