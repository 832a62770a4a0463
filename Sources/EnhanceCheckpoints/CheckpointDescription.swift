/// What a checkpoint holds, read from its headers alone (see ``CheckpointFile/describe(path:)``):
/// tensor names, shapes and element types, and what loading it would cost. No tensor data is read,
/// so describing costs memory bounded by the headers whatever the file's size.
public struct CheckpointDescription: Sendable {
    /// The tensors a load would yield, without values.
    public enum Content: Sendable {
        /// Flat PyTorch-style tensors, as ``LoadedCheckpoint/stateDict(_:format:)`` would hold them.
        case tensors(TensorShapes)
        /// An ncnn graph whose layers carry ``NCNNNet/Layer/weightShapes`` but no weights.
        case ncnn(NCNNNet)
    }

    /// The format detected by structure (``CheckpointFile/detectFormat(path:)``).
    public var format: CheckpointFormat
    /// The tensors' names, shapes and element types (or the ncnn graph's).
    public var content: Content
    /// The file whose bytes identify the weights (ncnn: the `.bin`), hashed by inspection and
    /// named in budget errors.
    public var weightsPath: String
    /// Bytes a load reads (ncnn: `.param` plus `.bin`).
    public var fileBytes: Int
    /// Scalars the budget counts: the declared tensors' elements (ncnn: one per `.bin` byte, the
    /// densest encoding, whatever the tags say).
    public var budgetParameters: Int

    /// A description with these facts (formats read outside EnhanceCheckpoints, e.g. ONNX, make their own).
    public init(format: CheckpointFormat, content: Content, weightsPath: String, fileBytes: Int,
                budgetParameters: Int) {
        (self.format, self.content, self.weightsPath) = (format, content, weightsPath)
        (self.fileBytes, self.budgetParameters) = (fileBytes, budgetParameters)
    }

    /// Estimated peak bytes to load (``LoadBudget/need(fileBytes:parameters:)``).
    public var need: Int { LoadBudget.need(fileBytes: fileBytes, parameters: budgetParameters) }
}

extension CheckpointFile {
    /// Describes `path` by structure (``detectFormat(path:)``) from its headers alone: the
    /// safetensors header; a `.pth`'s pickle (with the restricted unpickler, storages never read)
    /// and its storages' sizes; an ncnn `.param` and its `.bin`'s size. A file that fits none of
    /// the formats, or whose headers are inconsistent, is refused with one line naming it.
    public static func describe(path: String) throws -> CheckpointDescription {
        let size = try FileIO.size(path)
        switch try detectFormat(path: path) {
        case .safetensors:
            let shapes = try Safetensors.describe(path: path)
            return CheckpointDescription(format: .safetensors, content: .tensors(shapes), weightsPath: path,
                                         fileBytes: size, budgetParameters: shapes.parameterCount)
        case let format? where format == .pytorchZip || format == .pytorchLegacy:
            let shapes = try PyTorchCheckpoint.describe(path: path)
            return CheckpointDescription(format: format, content: .tensors(shapes), weightsPath: path,
                                         fileBytes: size, budgetParameters: shapes.parameterCount)
        case .ncnn?:
            let net = try NCNN.describe(paramPath: path)
            let bin = NCNN.defaultBinPath(forParam: path)
            let binSize = try FileIO.size(bin)
            return CheckpointDescription(format: .ncnn, content: .ncnn(net), weightsPath: bin,
                                         fileBytes: LoadBudget.saturatingSum(size, binSize), budgetParameters: binSize)
        default:
            throw unrecognised(path, head: try FileIO.readPrefix(path, count: sniffBytes))
        }
    }
}
