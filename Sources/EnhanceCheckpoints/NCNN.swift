import Foundation

/// Reader for ncnn models: a text `.param` graph plus its `.bin` weights.
public enum NCNN {
    /// Largest `.param` read (RealESRGAN x4plus's is 116 kB).
    static let maxParamBytes = 16 << 20

    /// Parses `paramPath` and loads weights from `binPath` (default: the `.param` path with its
    /// extension replaced by `.bin`). Every byte of the `.bin` must be consumed. The budget is
    /// checked by ``CheckpointFile/load(path:budget:)`` before either file is read.
    public static func read(paramPath: String, binPath: String? = nil) throws -> NCNNNet {
        let bin = binPath ?? defaultBinPath(forParam: paramPath)
        return try decode(paramText: paramText(paramPath), paramFile: paramPath, binBytes: FileIO.readAll(bin),
                          binFile: bin)
    }

    /// The graph with each layer's ``NCNNNet/Layer/weightShapes`` and no weights, from the `.param`,
    /// the `.bin`'s size and the 4-byte type tag of each tagged array: no weight is read, and the
    /// `.bin` must be exactly as large as the arrays the `.param` declares.
    public static func describe(paramPath: String, binPath: String? = nil) throws -> NCNNNet {
        let bin = binPath ?? defaultBinPath(forParam: paramPath)
        var (layers, blobs) = try NCNNParamParser.parse(paramText(paramPath), file: paramPath)
        var walk = NCNNModelBin(size: try FileIO.size(bin), file: bin) {
            ByteReader.u32(try FileIO.read(bin, at: $0, count: 4, "type tag"), at: 0)
        }
        for (i, spans) in try walk.spans(layers).enumerated() {
            layers[i].weightShapes = spans.map { TensorShape(shape: $0.array.shape, dtype: $0.dtype) }
        }
        return NCNNNet(layers: layers, blobCount: blobs)
    }

    public static func defaultBinPath(forParam paramPath: String) -> String {
        ((paramPath as NSString).deletingPathExtension as NSString).appendingPathExtension("bin") ?? paramPath + ".bin"
    }

    /// The `.param` text (at most ``maxParamBytes``, UTF-8).
    static func paramText(_ path: String) throws -> String {
        let size = try FileIO.size(path)
        guard size <= maxParamBytes else {
            throw CheckpointError(file: path, ".param of \(size) bytes is over the \(maxParamBytes >> 20) MiB "
                                  + "this reader accepts")
        }
        guard let text = String(validating: try FileIO.readAll(path), as: UTF8.self) else {
            throw CheckpointError(file: path, "not a UTF-8 text .param file")
        }
        return text
    }

    static func decode(paramText: String, paramFile: String, binBytes: [UInt8], binFile: String) throws -> NCNNNet {
        var (layers, blobs) = try NCNNParamParser.parse(paramText, file: paramFile)
        var walk = NCNNModelBin(size: binBytes.count, file: binFile) { ByteReader.u32(binBytes, at: $0) }
        for (i, spans) in try walk.spans(layers).enumerated() {
            layers[i].weights = spans.map { tensor($0, binBytes) }
            layers[i].weightShapes = layers[i].weights.map { TensorShape(shape: $0.shape, dtype: $0.dtype) }
        }
        return NCNNNet(layers: layers, blobCount: blobs)
    }

    /// Decodes the elements `span` locates in `bytes`.
    private static func tensor(_ span: NCNNModelBin.Span, _ bytes: [UInt8]) -> WeightTensor {
        let a = span.array
        switch span.encoding {
        case .fp32:
            return WeightTensor(shape: a.shape, values: decodeFloats(bytes, offset: span.offset, count: a.count,
                                                                     dtype: .float32))
        case .fp16:
            return WeightTensor(shape: a.shape, values: decodeFloats(bytes, offset: span.offset, count: a.count,
                                                                     dtype: .float16), dtype: .float16)
        case let .table(at):
            let table = decodeFloats(bytes, offset: at, count: 256, dtype: .float32)
            return WeightTensor(shape: a.shape, values: (0 ..< a.count).map { table[Int(bytes[span.offset + $0])] })
        }
    }
}
