/// A tensor's shape and storage element type, without its values.
public struct TensorShape: Sendable, Equatable {
    /// Dimensions, outermost first.
    public var shape: [Int]
    /// Element type in the source file.
    public var dtype: DType

    /// A `shape` stored as `dtype`.
    public init(shape: [Int], dtype: DType) {
        self.shape = shape
        self.dtype = dtype
    }

    /// Scalar elements (`product(shape)`, saturating at `Int.max`).
    public var elementCount: Int { LoadBudget.saturatingProduct(shape) }
}

/// The names, shapes and element types of a checkpoint's tensors in file order: what a
/// ``StateDict`` is without its values, read from a file's headers alone (see
/// ``CheckpointFile/describe(path:)``).
public struct TensorShapes: Sendable, Equatable {
    /// Keys in the order the file lists them.
    public private(set) var keys: [String] = []
    /// Shapes by key.
    public private(set) var entries: [String: TensorShape] = [:]
    /// Entries that carry no weights and were left out (as ``StateDict/ignoredKeys``).
    public var ignoredKeys: [String] = []

    /// No tensors.
    public init() {}

    /// Inserts or replaces the entry under `key`, keeping first-insertion order.
    public subscript(key: String) -> TensorShape? {
        get { entries[key] }
        set {
            if let newValue {
                if entries.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if entries.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Number of tensors.
    public var count: Int { keys.count }

    /// Total number of scalar parameters (saturating at `Int.max`).
    public var parameterCount: Int {
        entries.values.reduce(0) { LoadBudget.saturatingSum($0, $1.elementCount) }
    }
}

extension StateDict {
    /// The shapes and element types of these tensors, in the same order, with the same ignored keys.
    public var shapes: TensorShapes {
        var out = TensorShapes()
        for k in keys { out[k] = self[k].map { TensorShape(shape: $0.shape, dtype: $0.dtype) } }
        out.ignoredKeys = ignoredKeys
        return out
    }
}
