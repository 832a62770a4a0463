/// One `k=v` value of an ncnn layer line. Array params (`-233xx=n,a,b,…`) are stored under
/// their id `xx` (as ncnn does).
public enum NCNNParam: Sendable, Equatable {
    case int(Int)
    case float(Float)
    case intArray([Int])
    case floatArray([Float])

    /// Scalar as Int (floats truncate toward zero), nil for arrays.
    public var intValue: Int? {
        switch self {
        case let .int(v): v
        case let .float(f): f.isFinite && abs(f) < 1e15 ? Int(f) : nil
        default: nil
        }
    }

    /// Scalar as Float, nil for arrays.
    public var floatValue: Float? {
        switch self {
        case let .int(v): Float(v)
        case let .float(f): f
        default: nil
        }
    }

    /// Array elements as Float (int arrays converted), nil for scalars.
    public var floatArray: [Float]? {
        switch self {
        case let .intArray(a): a.map(Float.init)
        case let .floatArray(a): a
        default: nil
        }
    }

    /// Array elements as Int, nil for scalars and float arrays.
    public var intArray: [Int]? { if case let .intArray(a) = self { a } else { nil } }
}

/// A parsed ncnn network (`.param` text + `.bin` weights), not executed.
public struct NCNNNet: Sendable {
    /// One layer line, with the weights its `.bin` blob holds.
    public struct Layer: Sendable {
        /// ncnn layer type, e.g. `Convolution`, `Interp`.
        public var type: String
        /// Unique layer name.
        public var name: String
        /// Input blob names.
        public var bottoms: [String]
        /// Output blob names.
        public var tops: [String]
        /// Parameters by id (array params under their decoded id: `-23310` → `10`).
        public var params: [Int: NCNNParam]
        /// Weights in `.bin` order, decoded to float32. Convolution / ConvolutionDepthWise:
        /// weight `[O, I/group, kh, kw]` (OIHW) then bias `[O]` when `5=1`; PReLU: slopes `[n]`;
        /// BatchNorm: slope, mean, var, bias `[C]` each; InnerProduct: `[O, I]` then bias `[O]`.
        /// Empty when the graph was only described (``NCNN/describe(paramPath:binPath:)``).
        public var weights: [WeightTensor]
        /// Shapes and element types of the layer's weights, in the same order (known without them).
        public var weightShapes: [TensorShape]

        /// A layer; `weightShapes` defaults to those of `weights`.
        public init(type: String, name: String, bottoms: [String], tops: [String],
                    params: [Int: NCNNParam] = [:], weights: [WeightTensor] = [], weightShapes: [TensorShape]? = nil) {
            self.type = type
            self.name = name
            self.bottoms = bottoms
            self.tops = tops
            self.params = params
            self.weights = weights
            self.weightShapes = weightShapes ?? weights.map { TensorShape(shape: $0.shape, dtype: $0.dtype) }
        }

        /// Integer param `id` or `defaultValue`.
        public func int(_ id: Int, default defaultValue: Int = 0) -> Int { params[id]?.intValue ?? defaultValue }
        /// Float param `id` or `defaultValue`.
        public func float(_ id: Int, default defaultValue: Float = 0) -> Float {
            params[id]?.floatValue ?? defaultValue
        }
    }

    /// Layers in file (topological) order.
    public var layers: [Layer]
    /// Number of blobs declared in the header.
    public var blobCount: Int

    public init(layers: [Layer], blobCount: Int) {
        self.layers = layers
        self.blobCount = blobCount
    }

    /// The first layer named `name`.
    public func layer(named name: String) -> Layer? { layers.first { $0.name == name } }
}
