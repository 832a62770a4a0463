import Foundation
import EnhanceCheckpoints

/// What `enhance models inspect` reports about a model (loaded, or described from its headers):
/// the network's ``ModelDescription`` and the facts of the file it came from.
public struct ModelInfo: Sendable {
    /// The network.
    public var network: ModelDescription
    /// Scalar parameters of the network (``ModelDescription/parameterCount``: BatchNorm statistics
    /// included, derived buffers such as attention index tables and masks not).
    public var parameterCount: Int
    /// Storage element type(s) in the file, e.g. "F32" or "F16".
    public var dtype: String
    /// SHA-256 of the checkpoint file's bytes (ncnn: of the .bin), lowercase hex; "" when in memory.
    public var sha256: String
    /// File format, e.g. "safetensors", "pth", "ncnn", or "blend".
    public var sourceFormat: String
    /// How the model runs, where its format leaves a choice: an ONNX file's `onnx → <family>
    /// native` (its initializers form that family's checkpoint, ``ModelLoader``) or `onnx graph`;
    /// nil for other formats (they run as their family).
    public var runtime: String?
    /// For an ONNX file, what its load decided and why (the family, how it was recognised, what
    /// the probe found, or why it runs as its graph); nil for other formats.
    public var runtimeReason: String?

    /// The report for a network described by `d`: `parameterCount` defaults to the network's
    /// (``ModelDescription/parameterCount``), `dtype` to the used tensors' element types.
    public init(_ d: ModelDescription, sha256: String, sourceFormat: String, parameterCount: Int? = nil,
                dtype: String? = nil) {
        network = d
        self.parameterCount = parameterCount ?? d.parameterCount
        self.dtype = dtype ?? d.dtype
        self.sha256 = sha256
        self.sourceFormat = sourceFormat
    }

    /// Family name (``ModelDescription/family``).
    public var architecture: String { network.family }
    /// Upscaling factor.
    public var scale: Int { network.scale }
    /// Multiply-accumulates per input pixel.
    public var macsPerInputPixel: Double { network.macsPerInputPixel }
    /// Input pixels on each side that influence one output pixel.
    public var receptiveRadius: Int { network.receptiveRadius }
    /// Key layout detected (``ModelDescription/keyLayout``).
    public var keyLayout: String { network.keyLayout }
    /// File entries that carry no weights and were ignored (see ``StateDict/ignoredKeys``).
    public var ignoredKeys: [String] { network.ignoredKeys }

    /// `"none"`, or the count and the first few keys.
    static func keyList(_ keys: [String]) -> String {
        guard !keys.isEmpty else { return "none" }
        let shown = keys.prefix(6).joined(separator: ", ")
        return "\(keys.count): \(shown)\(keys.count > 6 ? ", …" : "")"
    }

    /// Label/value rows for display, in a stable order: the family, its hyper-parameters, then the
    /// figures every network has.
    public var rows: [(String, String)] {
        var r: [(String, String)] = [
            ("architecture", architecture), ("scale", "×\(scale)"),
            ("channels", "\(network.inChannels) → \(network.outChannels)"),
        ]
        r += network.hyperParameters.map { ($0.name, "\($0.value)") } + network.settings
        r += [
            ("parameters", "\(parameterCount)"),
            ("MACs / input pixel", String(format: "%.3f M", macsPerInputPixel / 1e6)),
            ("receptive radius", "\(receptiveRadius) px"),
            ("dtype", dtype), ("format", sourceFormat), ("key layout", keyLayout),
            ("sha256", sha256.isEmpty ? "-" : sha256),
            ("ignored keys", Self.keyList(ignoredKeys)),
        ]
        return r
    }
}
