/// Element type of a PyTorch storage.
enum TorchElement: Equatable {
    case float32, float16, bfloat16, float64
    /// Integer or bool storage, read as data (see ``DType``).
    case integer(DType)

    init?(storageName: String) {
        switch storageName {
        case "FloatStorage", "float32": self = .float32
        case "HalfStorage", "float16": self = .float16
        case "BFloat16Storage", "bfloat16": self = .bfloat16
        case "DoubleStorage", "float64": self = .float64
        case "LongStorage", "int64": self = .integer(.int64)
        case "IntStorage", "int32": self = .integer(.int32)
        case "ShortStorage", "int16": self = .integer(.int16)
        case "CharStorage", "int8": self = .integer(.int8)
        case "ByteStorage", "uint8": self = .integer(.uint8)
        case "BoolStorage", "bool": self = .integer(.bool)
        default: return nil
        }
    }

    var isFloatingPoint: Bool { if case .integer = self { false } else { true } }

    var byteSize: Int {
        switch self {
        case .float32: 4
        case .float16, .bfloat16: 2
        case .float64: 8
        case let .integer(t): t.byteSize
        }
    }
}

/// A storage named by a persistent id: `('storage', torch.<T>Storage, key, location, numel[, view])`.
struct TorchStorageRef {
    let key: String
    let element: TorchElement
    let typeName: String
    /// Elements in the storage (legacy views: in the root storage).
    let numel: Int
    /// Element offset of a legacy storage view inside its root storage (0 otherwise).
    let viewOffset: Int

    /// Parses a persistent id tuple (both zip and legacy layouts).
    static func parse(_ pid: PickleValue) throws -> TorchStorageRef {
        guard let items = pid.asSequence, case .tuple = pid, items.count >= 5, items[0].asString == "storage" else {
            throw UnpicklerRefusal("unsupported persistent id (expected a ('storage', …) tuple)")
        }
        guard case let .global(.storageType(name)) = items[1], let element = TorchElement(storageName: name) else {
            throw UnpicklerRefusal("unsupported storage type \(items[1].typeName)")
        }
        guard let key = items[2].asString ?? items[2].asInt.map(String.init), let numel = items[4].asInt,
              numel >= 0 else {
            throw UnpicklerRefusal("malformed storage persistent id")
        }
        var viewOffset = 0
        // Legacy view: (view_key, offset, size).
        if items.count >= 6, case .tuple = items[5], let view = items[5].asSequence {
            guard view.count == 3, let offset = view[1].asInt, let size = view[2].asInt, offset >= 0, size >= 0,
                  offset <= numel, size <= numel - offset else { throw UnpicklerRefusal("malformed storage view") }
            viewOffset = offset
        }
        return TorchStorageRef(key: key, element: element, typeName: name, numel: numel, viewOffset: viewOffset)
    }
}

/// `_rebuild_tensor_v2(storage, storage_offset, size, stride, …)`; all counts in elements.
struct TorchTensorRef {
    let storage: TorchStorageRef
    let offset: Int
    let size: [Int]
    let stride: [Int]
}

/// Pure-data interpretations of the allow-listed globals (nothing from the file is executed).
enum TorchRebuild {
    static func apply(_ g: PickleGlobal, _ args: [PickleValue], arena: PickleArena) throws -> PickleValue {
        switch g {
        case .orderedDict:
            let d = arena.dict()
            if let first = args.first {   // OrderedDict(iterable_of_pairs)
                guard let pairs = first.asSequence else {
                    throw UnpicklerRefusal("OrderedDict argument is not a sequence")
                }
                for p in pairs {
                    guard let kv = p.asSequence, kv.count == 2, d.set(kv[0], kv[1]) else {
                        throw UnpicklerRefusal("OrderedDict item is not a (key, value) pair")
                    }
                }
            }
            return .dict(d)
        case .rebuildTensorV2, .rebuildTensor:
            guard args.count >= 4, case let .storage(s) = args[0], let offset = args[1].asInt,
                  let size = ints(args[2]), let stride = ints(args[3]), size.count == stride.count else {
                throw UnpicklerRefusal("malformed _rebuild_tensor_v2 arguments")
            }
            return .tensor(TorchTensorRef(storage: s, offset: offset, size: size, stride: stride))
        case .rebuildParameter, .rebuildParameterWithState:
            guard let data = args.first, case .tensor = data else {
                throw UnpicklerRefusal("\(g.qualifiedName) argument is not a tensor")
            }
            return data
        case .codecsEncode:
            guard args.count == 2, let text = args[0].asString, let encoding = args[1].asString,
                  encoding == "latin1" || encoding == "latin-1" else {
                throw UnpicklerRefusal("_codecs.encode is only allowed as (str, 'latin1')")
            }
            var out: [UInt8] = []
            for u in text.unicodeScalars {
                guard u.value < 256 else { throw UnpicklerRefusal("_codecs.encode: non-latin1 character") }
                out.append(UInt8(u.value))
            }
            return .bytes(out)
        case .storageType:
            throw UnpicklerRefusal(
                "refused call of \(g.qualifiedName) (storage types are only valid in persistent ids)")
        }
    }

    private static func ints(_ v: PickleValue) -> [Int]? {
        guard let items = v.asSequence else { return nil }
        let out = items.compactMap(\.asInt)
        return out.count == items.count ? out : nil
    }
}
