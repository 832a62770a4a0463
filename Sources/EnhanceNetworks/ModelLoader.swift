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
        switch try CheckpointFile.load(path: path, budget: budget) {
        case let .stateDict(sd, format):
            let d = try NetworkRegistry.detect(sd, source: name)
            let info = ModelInfo(d, sha256: try CheckpointFile.sha256Hex(path: path), sourceFormat: format.displayName,
                                 parameterCount: sd.parameterCount)
            return LoadedModel(name: name, detected: d, info: info)
        case let .ncnn(net):
            let d = try NetworkRegistry.detect(ncnn: net, source: name)
            let bin = NCNN.defaultBinPath(forParam: path)
            return LoadedModel(name: name, detected: d,
                               info: ModelInfo(d, sha256: try CheckpointFile.sha256Hex(path: bin), sourceFormat: "ncnn"))
        }
    }
}
