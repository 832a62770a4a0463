import EnhanceCheckpoints

/// A checkpoint's network as its tensor shapes describe it, without weights
/// (``NetworkRegistry/describe(_:source:)``): what `enhance models inspect` reports, and what a
/// build follows.
public struct ModelDescription: Sendable {
    /// Family, scale, channels and hyper-parameters.
    public var spec: ModelSpec
    let layout: NetworkLayout
    /// The tensors the network uses, canonically keyed, in file order; ``TensorShapes/ignoredKeys``
    /// lists the file's entries that carry no weights.
    public var shapes: TensorShapes
    /// Each canonical key with the key the checkpoint stores it under.
    let sourceKeys: [(key: String, from: String)]

    init(spec: ModelSpec, layout: NetworkLayout, shapes: TensorShapes, sourceKeys: [(key: String, from: String)]) {
        (self.spec, self.layout, self.shapes, self.sourceKeys) = (spec, layout, shapes, sourceKeys)
    }

    /// Convolutions in execution order.
    public var layers: [LayerInfo] { layout.layers }
    /// Input sides must be multiples of this.
    public var inputMultiple: Int { layout.inputMultiple }
    /// Multiply-accumulates per input pixel (``LayerInfo/macsPerInputPixel(_:)``).
    public var macsPerInputPixel: Double { LayerInfo.macsPerInputPixel(layers) }
    /// Input pixels on each side that influence one output pixel
    /// (``LayerInfo/receptiveRadius(_:inputMultiple:)``).
    public var receptiveRadius: Int { LayerInfo.receptiveRadius(layers, inputMultiple: inputMultiple) }
    /// Entries of the checkpoint that carry no weights.
    public var ignoredKeys: [String] { shapes.ignoredKeys }
    /// Element types of the used tensors, e.g. `"F32"` or `"F16+F32"`.
    public var dtype: String {
        let types = Set(shapes.keys.compactMap { shapes[$0]?.dtype.rawValue })
        return types.isEmpty ? "F32" : types.sorted().joined(separator: "+")
    }
}

/// How a checkpoint's keys map onto a family's canonical keys: canonical keys in first-insertion
/// order, each with the key the file stores it under, and the file's keys that map to none.
struct KeyPlan {
    private(set) var keys: [String] = []
    private var from: [String: String] = [:]
    var ignored: [String] = []

    init() {}

    /// Every key maps to itself.
    init(identity keys: [String]) {
        for k in keys { set(k, from: k) }
    }

    /// Maps `key` to the file's `source` key (a later mapping of the same key replaces it in place).
    mutating func set(_ key: String, from source: String) {
        if from.updateValue(source, forKey: key) == nil { keys.append(key) }
    }

    var pairs: [(String, String)] { keys.map { ($0, from[$0]!) } }

    /// The file's key for canonical `key`.
    func source(of key: String) -> String { from[key] ?? key }

    /// `shapes` (keyed as in the file) under the canonical keys, with `ignored` as ignored keys.
    func apply(_ shapes: TensorShapes, ignored: [String]) -> TensorShapes {
        var out = TensorShapes()
        for (k, s) in pairs { out[k] = shapes[s] }
        out.ignoredKeys = ignored
        return out
    }
}
