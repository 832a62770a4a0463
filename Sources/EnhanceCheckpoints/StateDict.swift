/// Element type a tensor was stored with in its checkpoint file (safetensors' names). Integer
/// and bool tensors (index buffers such as a transformer's `relative_position_index`) are read as
/// data too, their values converted to Float (exact up to 2²⁴).
public enum DType: String, Sendable, Equatable, CaseIterable {
    case float32 = "F32", float16 = "F16", bfloat16 = "BF16"
    case int64 = "I64", int32 = "I32", int16 = "I16", int8 = "I8"
    case uint64 = "U64", uint32 = "U32", uint16 = "U16", uint8 = "U8", bool = "BOOL"

    /// F32, F16 or BF16: the types weights are stored in.
    public var isFloatingPoint: Bool { self == .float32 || self == .float16 || self == .bfloat16 }
}

/// One named parameter tensor, decoded to float32.
///
/// Layout: row-major (C order) over ``shape``; PyTorch conv weights are **OIHW**
/// (out-channels, in-channels, kernel height, kernel width), biases `[O]`.
public struct WeightTensor: Sendable, Equatable {
    /// Dimensions, outermost first.
    public var shape: [Int]
    /// Row-major float32 values.
    public var values: [Float]
    /// Element type in the source file (values are always decoded to float32).
    public var dtype: DType

    public init(shape: [Int], values: [Float], dtype: DType = .float32) {
        precondition(values.count == shape.reduce(1, *), "values do not match shape \(shape)")
        self.shape = shape
        self.values = values
        self.dtype = dtype
    }
}

/// A flat mapping from parameter names (PyTorch `state_dict` keys) to tensors, in file order.
public struct StateDict: Sendable, Equatable {
    /// Keys in the order the file lists them.
    public private(set) var keys: [String] = []
    /// Tensors by key.
    public private(set) var tensors: [String: WeightTensor] = [:]
    /// Entries of the file that carry no weights and were left out: integer counters
    /// (`num_batches_tracked`), non-tensor values (`step`), wrapper siblings of the chosen
    /// weights (`params` beside `params_ema`, `optimizer`). Not part of equality.
    public var ignoredKeys: [String] = []

    public init() {}

    public static func == (a: StateDict, b: StateDict) -> Bool { a.keys == b.keys && a.tensors == b.tensors }

    /// Inserts or replaces `tensor` under `key`, keeping first-insertion order.
    public subscript(key: String) -> WeightTensor? {
        get { tensors[key] }
        set {
            if let newValue {
                if tensors.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if tensors.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Number of tensors.
    public var count: Int { keys.count }
    /// Total number of scalar parameters.
    public var parameterCount: Int { tensors.values.reduce(0) { $0 + $1.values.count } }
}
