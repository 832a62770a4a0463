import EnhanceCheckpoints
import EnhanceTensor

/// A model ready to run: the detected network, its canonical weights and its inspection report.
public struct LoadedModel: Sendable {
    /// Display name (the file name, or a description for blends).
    public var name: String
    /// Spec, canonical state dict and built network.
    public var detected: DetectedModel
    /// Inspection report (hash, format, MACs, …).
    public var info: ModelInfo

    public init(name: String, detected: DetectedModel, info: ModelInfo) {
        self.name = name
        self.detected = detected
        self.info = info
    }

    /// Detects and builds a model from an in-memory state dict.
    public init(stateDict: StateDict, name: String, sha256: String = "", sourceFormat: String = "memory") throws {
        let d = try NetworkRegistry.detect(stateDict, source: name)
        let info = ModelInfo(d.modelDescription, sha256: sha256, sourceFormat: sourceFormat)
        self.init(name: name, detected: d, info: info)
    }

    public var network: any SuperResolutionNetwork { detected.network }
    public var scale: Int { detected.network.scale }

    /// Writes the canonical weights to a safetensors file, stored as `dtype` (F32, F16 or BF16) when
    /// given, else in the types they were read in, with `metadata` (e.g. α and parent hashes).
    public func writeSafetensors(to path: String, dtype: DType? = nil, metadata: [String: String] = [:]) throws {
        try Self.writeSafetensors(detected.stateDict, network: detected.modelDescription, to: path, dtype: dtype,
                                  metadata: metadata)
    }

    /// Writes `dict` (as `dtype` when given) with `metadata` plus the family and scale of `network`.
    static func writeSafetensors(_ dict: StateDict, network: ModelDescription, to path: String, dtype: DType?,
                                 metadata: [String: String]) throws {
        var meta = metadata
        meta["enhance.architecture"] = network.family
        meta["enhance.scale"] = String(network.scale)
        try Safetensors.write(dict, to: path, dtype: dtype, metadata: meta)
    }
}
