import Foundation
import EnhanceCheckpoints

/// What `enhance models inspect` reports about a model (loaded, or described from its headers).
public struct ModelInfo: Sendable, Equatable {
    /// Architecture family name (e.g. "RRDBNet").
    public var architecture: String
    /// Upscaling factor.
    public var scale: Int
    public var inChannels: Int
    public var outChannels: Int
    /// Feature width (`num_feat`).
    public var numFeat: Int
    /// Residual / RRDB blocks (SRVGGNetCompact: hidden convs).
    public var numBlocks: Int
    /// RRDB growth channels, nil for other families.
    public var growChannels: Int?
    /// Scalar parameters in the checkpoint (BatchNorm statistics included).
    public var parameterCount: Int
    /// Multiply-accumulates per input pixel, from the network's conv layer list (``LayerInfo``).
    public var macsPerInputPixel: Double
    /// Input pixels on each side that influence one output pixel.
    public var receptiveRadius: Int
    /// Storage element type(s) in the file, e.g. "F32" or "F16".
    public var dtype: String
    /// SHA-256 of the checkpoint file's bytes (ncnn: of the .bin), lowercase hex; "" when in memory.
    public var sha256: String
    /// File format, e.g. "safetensors", "pth", "ncnn", or "blend".
    public var sourceFormat: String
    /// Key layout detected (BasicSR, ESRGAN, leftthomas, Real-ESRGAN, ncnn).
    public var keyLayout: String
    /// File entries that carry no weights and were ignored (see ``StateDict/ignoredKeys``).
    public var ignoredKeys: [String]

    /// Builds the report for a detected model.
    public init(_ model: DetectedModel, sha256: String, sourceFormat: String, parameterCount: Int? = nil,
                dtype: String? = nil) {
        self.init(model.modelDescription, sha256: sha256, sourceFormat: sourceFormat, parameterCount: parameterCount,
                  dtype: dtype)
    }

    /// Builds the report from a network's description (no weights needed): `parameterCount`
    /// defaults to the used tensors' elements, `dtype` to their element types.
    public init(_ d: ModelDescription, sha256: String, sourceFormat: String, parameterCount: Int? = nil,
                dtype: String? = nil) {
        let s = d.spec
        architecture = s.architecture.rawValue
        scale = s.scale
        inChannels = s.inChannels
        outChannels = s.outChannels
        numFeat = s.numFeat
        numBlocks = s.numBlocks
        growChannels = s.growChannels
        self.parameterCount = parameterCount ?? d.shapes.parameterCount
        macsPerInputPixel = d.macsPerInputPixel
        receptiveRadius = d.receptiveRadius
        self.dtype = dtype ?? d.dtype
        self.sha256 = sha256
        self.sourceFormat = sourceFormat
        keyLayout = s.keyLayout
        ignoredKeys = d.ignoredKeys
    }

    /// `"none"`, or the count and the first few keys.
    static func keyList(_ keys: [String]) -> String {
        guard !keys.isEmpty else { return "none" }
        let shown = keys.prefix(6).joined(separator: ", ")
        return "\(keys.count): \(shown)\(keys.count > 6 ? ", …" : "")"
    }

    /// Label/value rows for display, in a stable order.
    public var rows: [(String, String)] {
        var r: [(String, String)] = [
            ("architecture", architecture), ("scale", "×\(scale)"),
            ("channels", "\(inChannels) → \(outChannels)"), ("num_feat", "\(numFeat)"),
            ("blocks", "\(numBlocks)"),
        ]
        if let g = growChannels { r.append(("num_grow_ch", "\(g)")) }
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
