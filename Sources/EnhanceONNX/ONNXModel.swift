/// A tensor of an ONNX file (an initializer, or a `Constant` node's value), decoded.
///
/// Layout: row-major (C order) over ``shape``, as ONNX stores it; a Conv weight is **OIHW**.
/// Floating-point tensors (float, float16, bfloat16, double) are decoded to float32 (float16
/// exactly); integer and bool tensors to Int64.
public struct ONNXTensor: Sendable, Equatable {
    /// The decoded elements.
    public enum Values: Sendable, Equatable {
        case float([Float])
        case int([Int64])
    }

    /// Dimensions, outermost first (`[]` for a scalar).
    public var shape: [Int]
    /// The elements, `shape.reduce(1, *)` of them.
    public var values: Values
    /// The element type in the file, by ONNX's name (`float`, `float16`, `int64`, …).
    public var storedType: String

    /// A tensor of `shape` (row-major) holding `values`, stored in the file as `storedType`.
    public init(shape: [Int], values: Values, storedType: String) {
        self.shape = shape
        self.values = values
        self.storedType = storedType
    }

    /// A float32 tensor.
    public init(shape: [Int], floats: [Float]) {
        self.init(shape: shape, values: .float(floats), storedType: "float")
    }

    /// Number of elements.
    public var count: Int {
        switch values {
        case .float(let v): v.count
        case .int(let v): v.count
        }
    }

    /// Whether the elements are floating point.
    public var isFloat: Bool {
        if case .float = values { return true }
        return false
    }

    /// The elements as floats (integers converted).
    public var floats: [Float] {
        switch values {
        case .float(let v): v
        case .int(let v): v.map { Float($0) }
        }
    }

    /// The elements as integers (floats truncated toward zero; non-finite ones as 0).
    public var ints: [Int64] {
        switch values {
        case .int(let v): v
        case .float(let v): v.map { $0.isFinite ? Int64(max(-9.2e18, min(9.2e18, $0))) : 0 }
        }
    }
}

/// A node attribute.
public enum ONNXAttribute: Sendable, Equatable {
    case int(Int64)
    case float(Float)
    case string(String)
    case ints([Int64])
    case floats([Float])
    case strings([String])
    case tensor(ONNXTensor)
}

/// One node of the graph: `outputs = opType(inputs; attributes)`. An empty input name is an
/// omitted optional input.
public struct ONNXNode: Sendable, Equatable {
    /// The node's name in the file (may be empty; errors then name it by its first output).
    public var name: String
    /// The operator, e.g. `Conv`.
    public var opType: String
    /// The operator set domain (`""` for the default `ai.onnx`).
    public var domain: String
    /// The values it reads and makes, by name.
    public var inputs: [String]
    public var outputs: [String]
    /// Its attributes by name.
    public var attributes: [String: ONNXAttribute]

    /// A node of `opType` in `domain` reading `inputs` and making `outputs`.
    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [String: ONNXAttribute] = [:]) {
        (self.name, self.opType, self.domain) = (name, opType, domain)
        (self.inputs, self.outputs, self.attributes) = (inputs, outputs, attributes)
    }

    /// How errors name the node: `'name'`, or `(output 'y')` when it has no name.
    public var label: String {
        name.isEmpty ? "(output '\(outputs.first ?? "?")')" : "'\(name)'"
    }
}

/// A graph input or output: its name, element type and dimensions (nil: symbolic or unknown,
/// a dynamic axis).
public struct ONNXValueInfo: Sendable, Equatable {
    /// The value's name in the graph.
    public var name: String
    /// ONNX's element type name (`float`, `float16`, …).
    public var elementType: String
    /// Dimensions; nil entries are dynamic (a `dim_param` such as `height`, or none given).
    public var dims: [Int?]

    /// A value `name` of `elementType` with `dims` (nil: dynamic).
    public init(name: String, elementType: String, dims: [Int?]) {
        (self.name, self.elementType, self.dims) = (name, elementType, dims)
    }
}

extension ONNXAttribute: CustomStringConvertible {
    /// The value as one line (a tensor with its type, shape and elements): what the graph signature
    /// that blends compare is made of, written out without reflection.
    public var description: String {
        switch self {
        case .int(let v): "int(\(v))"
        case .float(let v): "float(\(v))"
        case .string(let v): "string(\(v.debugDescription))"
        case .ints(let v): "ints(\(v))"
        case .floats(let v): "floats(\(v))"
        case .strings(let v): "strings(\(v))"
        case .tensor(let t):
            switch t.values {
            case .float(let v): "tensor(\(t.storedType) \(t.shape) \(v))"
            case .int(let v): "tensor(\(t.storedType) \(t.shape) \(v))"
            }
        }
    }
}

/// An initializer as its file declares it, whether its values are decoded or not.
public struct ONNXDeclaredTensor: Sendable, Equatable {
    /// The initializer's name in the graph.
    public var name: String
    /// Dimensions, outermost first (row-major; a Conv weight is OIHW).
    public var shape: [Int]
    /// The element type in the file, by ONNX's name (`float`, `float16`, `int64`, …).
    public var storedType: String
    /// Whether it is floating point (decoded to float32: a weight).
    public var isFloat: Bool

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
}

/// A parsed `.onnx` file (``ONNXReader/read(path:budget:)``): the graph with its initializers
/// (decoded, or still in the file after ``ONNXReader/scan(path:budget:)``), and what
/// `models inspect` reports about the file.
public struct ONNXModel: Sendable {
    /// The file's path.
    public var path: String
    /// `producer_name` (e.g. `pytorch`).
    public var producer: String
    /// `producer_version` (e.g. `2.15.0`).
    public var producerVersion: String
    /// The model's IR version.
    public var irVersion: Int
    /// The default (`ai.onnx`) operator set version, 11...21.
    public var opset: Int
    /// Nodes in file order (``ONNXGraphOrder`` sorts them).
    public var nodes: [ONNXNode]
    /// The decoded initializers by name: all of them once ``isDecoded``.
    public var initializers: [String: ONNXTensor]
    /// Every initializer as declared, in file order (decoded or not).
    public var declared: [ONNXDeclaredTensor]
    /// Initializers whose values are still in the file, by name: where their bytes are.
    var pending: [String: TensorPlan]
    /// The image input (the one graph input that is not an initializer).
    public var input: ONNXValueInfo
    /// The graph's outputs (the first is the image).
    public var outputs: [ONNXValueInfo]
    /// External data files the initializers are read from, relative to the model's folder.
    public var externalFiles: [String]
    /// Bytes of the `.onnx` file and of its external data files.
    public var fileBytes: Int

    /// The initializers' names in file order.
    public var initializerNames: [String] { declared.map(\.name) }

    /// Whether every initializer's values are decoded (``initializers`` holds them all).
    public var isDecoded: Bool { pending.isEmpty }

    /// Decodes the initializers still in the file whose names pass `include` (all by default), each
    /// read once from its bytes straight into its values (float32 without a copy in between).
    public mutating func decode(where include: (String) -> Bool = { _ in true }) throws {
        for name in initializerNames where include(name) {
            guard let plan = pending[name] else { continue }
            initializers[name] = try TensorDecoding.decode(nil, plan)
            pending[name] = nil
        }
    }

    /// Scalar elements over every floating-point initializer (the weights).
    public var parameterCount: Int {
        declared.reduce(0) { $0 + ($1.isFloat ? $1.count : 0) }
    }

    /// Element types of the floating-point initializers, e.g. `float16` or `float`.
    public var weightTypes: String {
        let types = Set(declared.filter(\.isFloat).map(\.storedType))
        return types.isEmpty ? "float" : types.sorted().joined(separator: "+")
    }
}
