/// Values the restricted unpickler can build. Containers are reference types because pickle
/// memoises a container and mutates it afterwards (APPENDS/SETITEMS); all of them are owned by a
/// ``PickleArena`` so that deeply nested (hostile) structures are torn down without recursion.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too large for `Int`: little-endian two's-complement bytes (LONG1/LONG4).
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    /// An allow-listed global (never executed; interpreted by ``TorchRebuild``).
    case global(PickleGlobal)
    /// A persistent id resolved to a tensor storage.
    case storage(TorchStorageRef)
    /// A tensor rebuilt from a storage (offset/size/stride in elements).
    case tensor(TorchTensorRef)

    var typeName: String {
        switch self {
        case .none: "None"
        case .bool: "bool"
        case .int, .bigInt: "int"
        case .float: "float"
        case .string: "str"
        case .bytes: "bytes"
        case .tuple: "tuple"
        case .list: "list"
        case .dict: "dict"
        case let .global(g): g.qualifiedName
        case .storage: "storage"
        case .tensor: "tensor"
        }
    }

    var asInt: Int? {
        switch self {
        case let .int(v): v
        case let .bool(b): b ? 1 : 0
        default: nil
        }
    }

    var asString: String? { if case let .string(s) = self { s } else { nil } }

    /// Elements of a tuple or list.
    var asSequence: [PickleValue]? {
        switch self {
        case let .tuple(t): t.items
        case let .list(l): l.items
        default: nil
        }
    }
}

final class PickleTuple {
    var items: [PickleValue]
    init(_ items: [PickleValue]) { self.items = items }
}

/// Owns every container an unpickler creates. ``clear()`` empties them one by one, so releasing
/// a hostile million-deep nesting never recurses (each release finds its children still owned).
final class PickleArena {
    private var tuples: [PickleTuple] = []
    private var lists: [PickleList] = []
    private var dicts: [PickleDict] = []

    func tuple(_ items: [PickleValue]) -> PickleValue {
        let t = PickleTuple(items)
        tuples.append(t)
        return .tuple(t)
    }

    func list(_ items: [PickleValue] = []) -> PickleValue {
        let l = PickleList(items)
        lists.append(l)
        return .list(l)
    }

    func dict() -> PickleDict {
        let d = PickleDict()
        dicts.append(d)
        return d
    }

    func clear() {
        for t in tuples { t.items.removeAll() }
        for l in lists { l.items.removeAll() }
        for d in dicts { d.removeAll() }
    }
}

final class PickleList {
    var items: [PickleValue]
    init(_ items: [PickleValue] = []) { self.items = items }
}

/// Insertion-ordered dictionary with string or int keys (the only keys a state dict needs).
final class PickleDict {
    private(set) var pairs: [(key: PickleValue, value: PickleValue)] = []
    private var positions: [String: Int] = [:]

    private static func hashKey(_ k: PickleValue) -> String? {
        switch k {
        case let .string(s): "s" + s
        case let .int(i): "i\(i)"
        case let .bool(b): "i\(b ? 1 : 0)"
        case .none: "n"
        case let .float(f): f == f.rounded() && abs(f) < 1e18 ? "i\(Int(f))" : "f\(f)"
        default: nil
        }
    }

    /// Returns false when the key type is not hashable here.
    func set(_ key: PickleValue, _ value: PickleValue) -> Bool {
        guard let h = Self.hashKey(key) else { return false }
        if let p = positions[h] {
            pairs[p].value = value
        } else {
            positions[h] = pairs.count
            pairs.append((key, value))
        }
        return true
    }

    func removeAll() {
        pairs.removeAll()
        positions.removeAll()
    }

    subscript(_ key: String) -> PickleValue? { positions["s" + key].map { pairs[$0].value } }
}

/// The globals a PyTorch state dict pickle may name. Anything else is refused by the unpickler.
enum PickleGlobal: Equatable {
    case orderedDict
    case rebuildTensorV2
    /// Older torch (≤ 0.4): `_rebuild_tensor(storage, offset, size, stride)`.
    case rebuildTensor
    case rebuildParameter
    case rebuildParameterWithState
    case codecsEncode
    /// `torch.<Name>Storage` (legacy typed storage classes) or a `torch.<dtype>` object.
    case storageType(String)

    var qualifiedName: String {
        switch self {
        case .orderedDict: "collections.OrderedDict"
        case .rebuildTensorV2: "torch._utils._rebuild_tensor_v2"
        case .rebuildTensor: "torch._utils._rebuild_tensor"
        case .rebuildParameter: "torch._utils._rebuild_parameter"
        case .rebuildParameterWithState: "torch._utils._rebuild_parameter_with_state"
        case .codecsEncode: "_codecs.encode"
        case let .storageType(n): "torch.\(n)"
        }
    }

    static let storageNames: Set<String> = [
        "FloatStorage", "HalfStorage", "BFloat16Storage", "DoubleStorage", "LongStorage", "IntStorage",
        "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage",
        "float32", "float16", "bfloat16", "float64", "int64", "int32", "int16", "int8", "uint8", "bool",
    ]

    /// Resolves `module.name` against the allow list; nil means refused.
    static func resolve(module: String, name: String) -> PickleGlobal? {
        switch (module, name) {
        case ("collections", "OrderedDict"): return .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"): return .rebuildTensorV2
        case ("torch._utils", "_rebuild_tensor"): return .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"): return .rebuildParameter
        case ("torch._utils", "_rebuild_parameter_with_state"): return .rebuildParameterWithState
        case ("_codecs", "encode"): return .codecsEncode
        case ("torch", _) where storageNames.contains(name): return .storageType(name)
        default: return nil
        }
    }
}
