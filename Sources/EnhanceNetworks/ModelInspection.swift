import EnhanceCheckpoints
import Foundation

/// What `enhance models inspect` prints for a checkpoint, from its headers alone whatever its size:
/// the file is described (``CheckpointFile/describe(path:)``: no tensor data is read), the network
/// detected and described from the tensor shapes (``NetworkRegistry/describe(_:source:)``: no
/// weights, no build), and the SHA-256 streamed. Memory is bounded by the headers.
public enum ModelInspection {
    /// Label/value rows for the checkpoint at `path` (ncnn: its `.param`, hashing the `.bin`): the
    /// ``ModelInfo/rows`` a load would report, then the load need and whether it is over `budget`.
    public static func rows(path: String, budget: LoadBudget = .default) throws -> [(String, String)] {
        let (info, need) = try describe(path: path)
        let over = need > budget.maxBytes ? ", over the budget of \(LoadBudget.format(budget.maxBytes))" : ""
        return info.rows + [("load need", LoadBudget.format(need) + over)]
    }

    /// The ``ModelInfo`` of the checkpoint at `path` from its headers alone (its SHA-256 streamed),
    /// and the bytes a load would need (``ModelDescription/loadNeed(fileBytes:)``).
    public static func describe(path: String) throws -> (info: ModelInfo, loadNeed: Int) {
        // An ONNX file is hashed on another thread while its graph is read and probed.
        let hash = ONNXModelFile.handles(path) ? ONNXModelFile.earlyHash(path, budget: .default) : nil
        let (network, file, parameters) = try self.network(path: path)
        let info = ModelInfo(network, sha256: try hash?.value() ?? CheckpointFile.sha256Hex(path: file.weightsPath),
                             sourceFormat: file.format.displayName, parameterCount: parameters)
        return (info, network.loadNeed(fileBytes: file.fileBytes))
    }

    /// Both ends of a pair from their headers alone, checked as a blend checks them
    /// (``checkPair(psnr:gan:)``), then described.
    public static func describePair(psnr: String, gan: String) throws -> (psnr: ModelInfo, gan: ModelInfo) {
        _ = try checkPair(psnr: psnr, gan: gan)
        return (try describe(path: psnr).info, try describe(path: gan).info)
    }

    /// What ``ModelBlender/init(psnr:gan:threads:)`` checks, from the two checkpoints' headers
    /// alone (nothing hashed, no tensor read, nothing built): one architecture, the same canonical
    /// keys with the same shapes. Returns their scale; throws naming the first difference, or the
    /// file that cannot be described.
    public static func checkPair(psnr: String, gan: String) throws -> Int {
        let a = try network(path: psnr).network, b = try network(path: gan).network
        try ModelBlender.checkCompatible(a, b, (psnr as NSString).lastPathComponent,
                                         (gan as NSString).lastPathComponent)
        return a.scale
    }

    /// The network the checkpoint at `path` holds, from its headers alone (nothing hashed, no
    /// tensor read, nothing built); the file's description; its parameter count
    /// (``ModelDescription/parameterCount``; nil for ncnn).
    public static func network(path: String) throws
        -> (network: ModelDescription, file: CheckpointDescription, parameters: Int?) {
        if ONNXModelFile.handles(path) { return try ONNXModelFile.describe(path: path) }
        let file = try CheckpointFile.describe(path: path)
        let name = (path as NSString).lastPathComponent
        switch file.content {
        case let .tensors(shapes):
            let d = try NetworkRegistry.describe(shapes, source: name)
            return (d, file, d.parameterCount)
        case let .ncnn(net):
            return (try NetworkRegistry.describe(ncnn: net, source: name), file, nil)
        }
    }
}

extension CheckpointFormat {
    /// The format as ``ModelInfo/sourceFormat`` names it.
    var displayName: String {
        switch self {
        case .safetensors: "safetensors"
        case .pytorchZip: "pth (zip)"
        case .pytorchLegacy: "pth (legacy pickle)"
        case .ncnn: "ncnn"
        case .onnx: "onnx"
        }
    }
}
