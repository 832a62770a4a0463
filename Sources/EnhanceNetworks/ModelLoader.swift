import EnhanceCheckpoints
import Foundation

/// Loads checkpoint files (safetensors, torch .pth zip or legacy pickle, ncnn `.param` + `.bin`)
/// and ONNX graphs (`.onnx`, run by EnhanceONNX) into runnable ``LoadedModel``s.
public enum ModelLoader {
    /// Reads, detects and builds the model at `path`. An ncnn model is named by its `.param`
    /// path (weights from the `.bin` beside it; the hash is of the `.bin`). The network is first
    /// described from the file's headers, and refused before any tensor is read when it cannot be
    /// run or its need (``ModelDescription/loadNeed(fileBytes:)``: file, float32 weights and prepared
    /// kernels) exceeds `budget`; one holding tensors the network does not use is refused naming the first.
    public static func load(path: String, budget: LoadBudget = .default) throws -> LoadedModel {
        if ONNXModelFile.handles(path) { return try ONNXModelFile.load(path: path, budget: budget) }
        let name = (path as NSString).lastPathComponent
        let (network, file, _) = try ModelInspection.network(path: path)
        try budget.check(file: file.weightsPath, need: network.loadNeed(fileBytes: file.fileBytes))
        // The hash reads the file on another thread while this one decodes and builds.
        let hash = BackgroundHash(path: file.weightsPath)
        switch try CheckpointFile.load(file, path: path) {
        case let .stateDict(sd, format):
            let d = try NetworkRegistry.detect(sd, source: name)
            let info = ModelInfo(d.modelDescription, sha256: try hash.value(), sourceFormat: format.displayName)
            return LoadedModel(name: name, detected: d, info: info)
        case let .ncnn(net):
            let d = try NetworkRegistry.detect(ncnn: net, source: name)
            return LoadedModel(name: name, detected: d,
                               info: ModelInfo(d.modelDescription, sha256: try hash.value(), sourceFormat: "ncnn"))
        }
    }
}

/// ``CheckpointFile/sha256Hex(path:)`` computed on a background thread from construction on.
final class BackgroundHash: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result<String, Error>?

    init(path: String) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            result = Result { try CheckpointFile.sha256Hex(path: path) }
            done.signal()
        }
    }

    /// Waits for the hash (rethrowing its error). Call once.
    func value() throws -> String {
        done.wait()
        return try result!.get()
    }
}
