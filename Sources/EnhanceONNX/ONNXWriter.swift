import EnhanceCheckpoints
import Foundation
import SwiftProtobuf

/// Writes an `.onnx` file: a model's own file with some initializers' values replaced (a blend of
/// two files of one graph), everything else as it was.
public enum ONNXWriter {
    /// Reads `model`'s file again and writes it to `path` with each initializer named in `values`
    /// replaced: stored as `raw_data` in its own element type (float32, float16 or bfloat16;
    /// float32 for others), inline (an input's external data is taken in). The others are written
    /// as they were.
    public static func write(_ model: ONNXModel, replacing values: [String: [Float]], to path: String) throws {
        let file = try ONNXBytes(path: model.path)
        let (parsed, rawData) = try ONNXReader.parse(file)
        var proto = parsed, graph = parsed.graph
        let declared = Dictionary(model.declared.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for i in graph.initializer.indices {
            let name = graph.initializer[i].name
            guard let v = values[name], let t = declared[name], v.count == t.count else {
                if let r = rawData[i] {  // the bytes the scan left in the file
                    graph.initializer[i].rawData = Data(try file.bytes(r, "initializer '\(name)'"))
                }
                continue
            }
            var out = Onnx_TensorProto()
            out.name = name
            out.dims = t.shape.map { Int64($0) }
            switch t.storedType {
            case "float16":
                out.dataType = ElementType.float16.rawValue
                out.rawData = bytes(v.map { HalfFloat.halfBits(from: $0) })
            case "bfloat16":
                out.dataType = ElementType.bfloat16.rawValue
                out.rawData = bytes(v.map { HalfFloat.bfloat16Bits(from: $0) })
            default:
                out.dataType = ElementType.float.rawValue
                out.rawData = bytes(v.map { $0.bitPattern })
            }
            graph.initializer[i] = out
        }
        proto.graph = graph
        do {
            let data: Data = try proto.serializedBytes()
            try data.write(to: URL(fileURLWithPath: path))
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw CheckpointError(file: path, "cannot write the ONNX file: \(error.localizedDescription)")
        }
    }

    /// Little-endian bytes of `values`.
    private static func bytes<T: FixedWidthInteger>(_ values: [T]) -> Data {
        var data = Data(capacity: values.count * MemoryLayout<T>.size)
        for v in values { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }
}
