import EnhanceCheckpoints

/// A checkpoint's network as its tensor shapes describe it, without weights
/// (``NetworkRegistry/describe(_:source:)``): what `enhance models inspect` reports, what a build
/// follows, and what every built network carries. The one description of a network.
public struct ModelDescription: Sendable {
    /// The family's folder (``NetworkArchitecture``).
    let architecture: any NetworkArchitecture.Type
    /// The family's typed hyper-parameters.
    let config: any ArchitectureConfig
    /// The key layout the checkpoint used: the family's canonical one, another it converts, or `ncnn`.
    public let keyLayout: String
    /// Convolutions in execution order.
    public let layers: [LayerInfo]
    /// The tensors the network uses, canonically keyed, in file order; ``TensorShapes/ignoredKeys``
    /// lists the file's entries that carry no weights.
    public let shapes: TensorShapes
    /// Each canonical key with the key the checkpoint stores it under.
    let sourceKeys: [(key: String, from: String)]
    /// The buffers among ``shapes`` that the network derives itself (an attention window's index
    /// table or mask): accepted and shape-checked, never read, and not parameters.
    let derivedKeys: [String]

    /// The family's name (``NetworkArchitecture/name``).
    public var family: String { architecture.name }
    /// Upscaling factor.
    public var scale: Int { config.scale }
    /// Image channels in and out (3 for RGB).
    public var inChannels: Int { config.inChannels }
    public var outChannels: Int { config.outChannels }
    /// Input sides must be multiples of this (tiles start on multiples of it).
    public var inputMultiple: Int { config.inputMultiple }
    /// What sides of a window the network takes must be multiples of: 1 when the network pads to
    /// ``inputMultiple`` itself (as its reference does), else ``inputMultiple``.
    public var windowMultiple: Int { config.padsToInputMultiple ? 1 : config.inputMultiple }
    /// Whether some layer takes statistics over the whole feature map (GroupNorm, a global average
    /// pool), so that a tile's output depends on where those statistics come from
    /// (``ForwardOptions/statistics``): the ``Upscaler`` records them in a first pass per image.
    public var hasWholeImageStatistics: Bool { config.wholeImageStatistics }
    /// Hyper-parameters by their checkpoint-convention names, in display order (e.g. `num_feat`).
    public var hyperParameters: [(name: String, value: Int)] { config.hyperParameters }
    /// Settings that are not integers (e.g. an upsampler's name), by the reference's names.
    public var settings: [(name: String, value: String)] { config.settings }
    /// The hyper-parameter `name`, if the family has one of that name.
    public func hyperParameter(_ name: String) -> Int? { hyperParameters.first { $0.name == name }?.value }
    /// Rough peak activation floats per input pixel during a forward pass (tile sizing).
    public var peakFloatsPerInputPixel: Double { config.peakFloatsPerInputPixel }
    /// Tile cores and margins are multiples of this (the input multiple, or e.g. an attention window).
    public var tileMultiple: Int { config.tileMultiple }
    /// Multiply-accumulates per input pixel (``LayerInfo/macsPerInputPixel(_:)``, plus what no
    /// layer holds, such as attention's products).
    public var macsPerInputPixel: Double { LayerInfo.macsPerInputPixel(layers) + config.macsOutsideLayers }
    /// Input pixels on each side that influence one output pixel
    /// (``LayerInfo/receptiveRadius(_:inputMultiple:)``, plus what attention windows add).
    public var receptiveRadius: Int {
        LayerInfo.receptiveRadius(layers, inputMultiple: inputMultiple) + config.extraReceptiveRadius
    }
    /// Bytes of the kernels a loaded network prepares on first use (``LayerInfo/kernelBytes``).
    public var preparedKernelBytes: Int { layers.reduce(0) { min(Int.max / 2, $0 + $1.kernelBytes) } }
    /// Scalar parameters of the network: the used tensors' elements without the buffers
    /// (``derivedKeys``: derived index and mask buffers, BatchNorm running statistics), which
    /// PyTorch's `model.parameters()` does not count either.
    public var parameterCount: Int {
        derivedKeys.reduce(shapes.parameterCount) { $0 - (shapes[$1]?.elementCount ?? 0) }
    }
    /// Bytes of the loaded weights as float32 (what a build keeps besides its kernels).
    public var weightBytes: Int { shapes.parameterCount > Int.max / 8 ? Int.max / 2 : 4 * shapes.parameterCount }
    /// Peak bytes to load this network from a file of `fileBytes`: the file, the float32 weights and
    /// the prepared kernels (``LoadBudget/need(fileBytes:weightBytes:kernelBytes:)``).
    public func loadNeed(fileBytes: Int) -> Int {
        LoadBudget.need(fileBytes: fileBytes, weightBytes: weightBytes, kernelBytes: preparedKernelBytes)
    }
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
