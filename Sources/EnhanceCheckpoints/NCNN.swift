import Foundation

/// Reader for ncnn models: a text `.param` graph plus its `.bin` weights.
public enum NCNN {
    /// Parses `paramPath` and loads weights from `binPath` (default: the `.param` path with its
    /// extension replaced by `.bin`). Every byte of the `.bin` must be consumed. Both files must
    /// fit `budget`, counting one float32 parameter per `.bin` byte (the densest encoding, 8-bit
    /// table indices), before either is read.
    public static func read(paramPath: String, binPath: String? = nil,
                            budget: LoadBudget = .unlimited) throws -> NCNNNet {
        let bin = binPath ?? defaultBinPath(forParam: paramPath)
        let binSize = try FileIO.size(bin)
        let files = LoadBudget.saturatingSum(try FileIO.size(paramPath), binSize)
        try budget.check(file: bin, need: LoadBudget.need(fileBytes: files, parameters: binSize))
        let paramBytes = try FileIO.readAll(paramPath)
        guard let text = String(validating: paramBytes, as: UTF8.self) else {
            throw CheckpointError(file: paramPath, "not a UTF-8 text .param file")
        }
        return try decode(paramText: text, paramFile: paramPath, binBytes: FileIO.readAll(bin), binFile: bin)
    }

    public static func defaultBinPath(forParam paramPath: String) -> String {
        ((paramPath as NSString).deletingPathExtension as NSString).appendingPathExtension("bin") ?? paramPath + ".bin"
    }

    static func decode(paramText: String, paramFile: String, binBytes: [UInt8], binFile: String) throws -> NCNNNet {
        var (layers, blobs) = try NCNNParamParser.parse(paramText, file: paramFile)
        var model = NCNNModelBin(bytes: binBytes, file: binFile)
        for i in layers.indices { layers[i].weights = try model.load(layers[i]) }
        guard model.r.atEnd else {
            throw CheckpointError(file: binFile, "\(model.r.remaining) unused trailing bytes (does the .bin match the .param?)")
        }
        return NCNNNet(layers: layers, blobCount: blobs)
    }
}
