import EnhanceCheckpoints
import Foundation

/// Where a tensor's bytes are, checked against what it declares before anything is allocated for
/// its values.
struct TensorPlan {
    let name: String
    let shape: [Int]
    let type: ElementType
    let source: Source

    enum Source {
        /// `raw_data` inside the decoded message (a node's tensor attribute), little-endian.
        case inline
        /// The typed repeated field (`float_data`, `int32_data`, …).
        case typed
        /// Little-endian bytes at `offset` of the model's file (an initializer's `raw_data`) or of an
        /// external data file in its folder.
        case file(ONNXBytes, offset: Int)
    }

    /// Elements the shape declares.
    var count: Int { shape.reduce(1, *) }

    /// Whether the values are still in a file (decoded by ``TensorDecoding/decode(_:_:)`` when needed).
    var isInFile: Bool {
        if case .file = source { return true }
        return false
    }
}

/// The element types EnhanceONNX decodes, with ONNX's `TensorProto.DataType` numbers and names.
enum ElementType: Int32 {
    case float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7, bool = 9
    case float16 = 10, double = 11, uint32 = 12, uint64 = 13, bfloat16 = 16

    /// ONNX's name of a `data_type` number (known or not).
    static func name(_ raw: Int32) -> String {
        let names: [Int32: String] = [1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32",
                                      7: "int64", 8: "string", 9: "bool", 10: "float16", 11: "double",
                                      12: "uint32", 13: "uint64", 14: "complex64", 15: "complex128",
                                      16: "bfloat16"]
        return names[raw] ?? "type \(raw)"
    }

    var name: String { Self.name(rawValue) }
    var isFloat: Bool { [.float, .float16, .double, .bfloat16].contains(self) }

    /// Bytes per element in `raw_data` and external files.
    var byteSize: Int {
        switch self {
        case .uint8, .int8, .bool: 1
        case .uint16, .int16, .float16, .bfloat16: 2
        case .float, .int32, .uint32: 4
        case .int64, .double, .uint64: 8
        }
    }
}

enum TensorDecoding {
    /// The external data files of one model, each opened once: its folder, the files' names
    /// relative to it and their bytes in all.
    struct ExternalFiles {
        let folder: String
        var opened: [String: ONNXBytes] = [:]
        var names: [String] = []
        var bytes = 0

        init(folder: String) { self.folder = folder }

        mutating func open(_ path: String, name: String) throws -> ONNXBytes {
            if let b = opened[path] { return b }
            let b = try ONNXBytes(path: path)
            (opened[path], bytes) = (b, bytes + b.count)
            names.append(name)
            return b
        }
    }

    /// Plans `t`: its type known, its dimensions non-negative with a representable element count,
    /// and exactly that many elements present (`raw`: its `raw_data`'s range in `bytes`, the
    /// model's file; else inline raw bytes, typed values, or an external range inside the file it
    /// names, in `external`'s folder). `what` names the tensor in errors.
    static func plan(_ t: Onnx_TensorProto, raw: Range<Int>?, in bytes: ONNXBytes, external: inout ExternalFiles,
                     what: String) throws -> TensorPlan {
        let file = bytes.path
        guard let type = ElementType(rawValue: t.dataType) else {
            throw CheckpointError(file: file, "\(what) has element type \(ElementType.name(t.dataType)), "
                                  + "which Enhance does not read")
        }
        guard t.dims.allSatisfy({ $0 >= 0 && $0 <= Int64(Int32.max) }) else {
            throw CheckpointError(file: file, "\(what) has invalid dimensions \(t.dims)")
        }
        let shape = t.dims.map { Int($0) }
        var count = 1, overflow = false
        for d in shape {
            let r = count.multipliedReportingOverflow(by: d)
            (count, overflow) = (r.partialValue, overflow || r.overflow)
        }
        let size = count.multipliedReportingOverflow(by: type.byteSize)
        guard !overflow, !size.overflow else {
            throw CheckpointError(file: file, "\(what) declares \(shape) elements, more than any file can hold")
        }
        let declared = "\(what) \(shape) \(type.name) declares \(size.partialValue) bytes"
        if t.dataLocation == .external {
            return try self.external(t, type: type, shape: shape, bytes: size.partialValue, files: &external,
                                     file: file, declared: declared)
        }
        if raw != nil || t.hasRawData {
            let held = raw?.count ?? t.rawData.count
            guard held == size.partialValue else {
                throw CheckpointError(file: file, "\(declared) but its raw_data holds \(held)")
            }
            let source: TensorPlan.Source = raw.map { .file(bytes, offset: $0.lowerBound) } ?? .inline
            return TensorPlan(name: t.name, shape: shape, type: type, source: source)
        }
        let typed: Int
        switch type {
        case .float: typed = t.floatData.count
        case .double: typed = t.doubleData.count
        case .int64: typed = t.int64Data.count
        case .uint32, .uint64: typed = t.uint64Data.count
        default: typed = t.int32Data.count  // int32, int16, int8, uint16, uint8, bool, float16, bfloat16
        }
        guard typed == count else {
            throw CheckpointError(file: file, "\(what) \(shape) \(type.name) declares \(count) elements but holds "
                                  + "\(typed)")
        }
        return TensorPlan(name: t.name, shape: shape, type: type, source: .typed)
    }

    /// The external range of `t`, resolved inside `folder` only (no absolute path, no `..`, no link
    /// out of it) and inside the file's size.
    private static func external(_ t: Onnx_TensorProto, type: ElementType, shape: [Int], bytes: Int,
                                 files: inout ExternalFiles, file: String, declared: String) throws -> TensorPlan {
        let folder = files.folder
        var entries: [String: String] = [:]
        for e in t.externalData { entries[e.key] = e.value }
        guard let location = entries["location"], !location.isEmpty else {
            throw CheckpointError(file: file, "\(declared) in external data without a location")
        }
        let parts = location.split(separator: "/", omittingEmptySubsequences: false)
        guard !location.hasPrefix("/"), !location.contains("\\"), !location.contains("\0"),
              !parts.contains(where: { $0 == ".." }) else {
            throw CheckpointError(file: file, "\(declared) in external file '\(location)', outside the model's "
                                  + "folder (only relative paths without '..' are read)")
        }
        let path = (folder as NSString).appendingPathComponent(location)
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        let realFolder = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        guard real.hasPrefix(realFolder.hasSuffix("/") ? realFolder : realFolder + "/") else {
            throw CheckpointError(file: file, "\(declared) in external file '\(location)', which links outside "
                                  + "the model's folder")
        }
        let data = try files.open(path, name: location)
        let size = data.count
        let offset = Int(entries["offset"] ?? "0") ?? -1
        let length = entries["length"].map { Int($0) ?? -1 } ?? bytes
        guard offset >= 0, length >= 0 else {
            throw CheckpointError(file: file, "\(declared) in external file '\(location)' at an invalid "
                                  + "offset or length")
        }
        guard length == bytes, offset <= size, bytes <= size - offset else {
            throw CheckpointError(file: file, "\(declared) but external file '\(location)' (\(size) bytes) holds "
                                  + "\(max(0, min(length, size - min(offset, size)))) at offset \(offset)")
        }
        return TensorPlan(name: t.name, shape: shape, type: type, source: .file(data, offset: offset))
    }

    /// Decodes a planned tensor: floating-point types to Float (float16 and bfloat16 exactly),
    /// integer and bool types to Int64. `t` is the tensor's message (nil for one in a file); a
    /// float32 tensor in a file is read straight into its values.
    static func decode(_ t: Onnx_TensorProto?, _ plan: TensorPlan) throws -> ONNXTensor {
        let n = plan.count, type = plan.type
        let bytes: [UInt8]
        switch plan.source {
        case .typed:
            return ONNXTensor(shape: plan.shape, values: typedValues(t ?? .init(), type), storedType: type.name)
        case .inline:
            bytes = [UInt8](t?.rawData ?? Data())
        case .file(let file, let offset) where type == .float:
            var values = try [Float](unsafeUninitializedCapacity: n) { buffer, initialized in
                try file.read(at: offset, into: UnsafeMutableRawBufferPointer(buffer), "tensor '\(plan.name)'")
                initialized = n
            }
            #if _endian(big)
            for i in values.indices { values[i] = Float(bitPattern: UInt32(littleEndian: values[i].bitPattern)) }
            #endif
            return ONNXTensor(shape: plan.shape, values: .float(values), storedType: type.name)
        case .file(let file, let offset):
            bytes = try file.bytes(offset ..< offset + n * type.byteSize, "tensor '\(plan.name)'")
        }
        let values: ONNXTensor.Values = bytes.withUnsafeBytes { raw in
            func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
                T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
            }
            switch type {
            case .float: return .float(decodeFloats(raw, count: n, dtype: .float32))
            case .float16: return .float(decodeFloats(raw, count: n, dtype: .float16))
            case .bfloat16: return .float(decodeFloats(raw, count: n, dtype: .bfloat16))
            case .double: return .float((0..<n).map { Float(Double(bitPattern: load(UInt64.self, $0))) })
            case .int64: return .int((0..<n).map { load(Int64.self, $0) })
            case .uint64: return .int((0..<n).map { Int64(truncatingIfNeeded: load(UInt64.self, $0)) })
            case .int32: return .int((0..<n).map { Int64(load(Int32.self, $0)) })
            case .uint32: return .int((0..<n).map { Int64(load(UInt32.self, $0)) })
            case .int16: return .int((0..<n).map { Int64(load(Int16.self, $0)) })
            case .uint16: return .int((0..<n).map { Int64(load(UInt16.self, $0)) })
            case .int8: return .int((0..<n).map { Int64(load(Int8.self, $0)) })
            case .uint8, .bool: return .int((0..<n).map { Int64(load(UInt8.self, $0)) })
            }
        }
        return ONNXTensor(shape: plan.shape, values: values, storedType: type.name)
    }

    /// The typed repeated field's values (float16/bfloat16 are stored as bits in `int32_data`).
    private static func typedValues(_ t: Onnx_TensorProto, _ type: ElementType) -> ONNXTensor.Values {
        switch type {
        case .float: return .float(t.floatData)
        case .double: return .float(t.doubleData.map { Float($0) })
        case .float16: return .float(t.int32Data.map { HalfFloat.float(fromHalfBits: UInt16(truncatingIfNeeded: $0)) })
        case .bfloat16:
            return .float(t.int32Data.map { HalfFloat.float(fromBFloat16Bits: UInt16(truncatingIfNeeded: $0)) })
        case .int64: return .int(t.int64Data)
        case .uint32, .uint64: return .int(t.uint64Data.map { Int64(truncatingIfNeeded: $0) })
        default: return .int(t.int32Data.map { Int64($0) })
        }
    }
}
