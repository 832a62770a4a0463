import EnhanceCheckpoints
import Foundation

/// Loads checkpoint files (safetensors, torch .pth zip or legacy pickle, ncnn `.param` + `.bin`)
/// into runnable ``LoadedModel``s.
public enum ModelLoader {
    /// Reads, detects and builds the model at `path`. An ncnn model is named by its `.param`
    /// path (weights from the `.bin` beside it; the hash is of the `.bin`). A checkpoint whose
    /// estimated need exceeds `budget` is refused before its tensors are allocated; one holding
    /// tensors the detected network does not use is refused naming the first.
    public static func load(path: String, budget: LoadBudget = .default) throws -> LoadedModel {
        let name = (path as NSString).lastPathComponent
        let format = try CheckpointFile.detectFormat(path: path)
        // The hash reads the file on another thread while this one decodes and builds.
        let hash = BackgroundHash(path: format == .ncnn ? NCNN.defaultBinPath(forParam: path) : path)
        switch try CheckpointFile.load(path: path, budget: budget) {
        case let .stateDict(sd, format):
            let d = try NetworkRegistry.detect(sd, source: name)
            let info = ModelInfo(d.modelDescription, sha256: try hash.value(), sourceFormat: format.displayName,
                                 parameterCount: sd.parameterCount)
            return LoadedModel(name: name, detected: d, info: info)
        case let .ncnn(net):
            let d = try NetworkRegistry.detect(ncnn: net, source: name)
            return LoadedModel(name: name, detected: d,
                               info: ModelInfo(d.modelDescription, sha256: try hash.value(), sourceFormat: "ncnn"))
        }
    }
}

/// ``CheckpointFile/sha256Hex(path:)`` computed on a background thread from construction on.
private final class BackgroundHash: @unchecked Sendable {
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
