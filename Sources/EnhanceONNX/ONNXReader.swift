import EnhanceCheckpoints
import Foundation
import SwiftProtobuf

/// Reads `.onnx` files: the protobuf walked by ``ONNXWireScan`` (the weights' bytes skipped, not
/// read), the rest decoded by swift-protobuf from the committed `Generated/onnx.pb.swift`, then each
/// initializer decoded once from its bytes in the file straight into its values
/// (``ONNXModel/decode(where:)``).
///
/// Every problem is one line, ``CheckpointError`` (`<file>: <problem>`), and every size is checked
/// before the values are allocated: the file against `budget` first, then each tensor's declared
/// dimensions × element size against the bytes present (raw data, typed values, or the range of
/// an external data file), then the declared weights against `budget`
/// (``LoadBudget/need(fileBytes:parameters:)``), and only then are the tensors decoded.
public enum ONNXReader {
    /// The default operator set versions read.
    public static let opsets = 11...21

    /// Whether `path` names an ONNX file (by its extension, `.onnx` in any case).
    public static func isONNX(path: String) -> Bool {
        (path as NSString).pathExtension.lowercased() == "onnx"
    }

    /// Reads the model at `path` with every initializer decoded (external data from its own folder
    /// only): ``scan(path:budget:)``, then ``ONNXModel/decode(where:)``.
    public static func read(path: String, budget: LoadBudget = .default) throws -> ONNXModel {
        var model = try scan(path: path, budget: budget)
        try model.decode()
        return model
    }

    /// Reads the model at `path` with every check made but its initializers' values left in the file
    /// (``ONNXModel/declared`` has their shapes; tensors stored as typed values or inside nodes are
    /// decoded): what `models inspect` needs, in memory bounded by the graph, not by the weights.
    public static func scan(path: String, budget: LoadBudget = .default) throws -> ONNXModel {
        let bytes = try ONNXBytes(path: path)
        try budget.check(file: path, need: bytes.count, what: "reading the ONNX file")
        return try model(bytes, budget: budget)
    }

    /// Decodes `bytes`, the contents of the file at `path` (which names it in errors and locates
    /// its external data), every initializer decoded.
    public static func decode(_ bytes: [UInt8], path: String, budget: LoadBudget = .default) throws -> ONNXModel {
        var model = try model(ONNXBytes(bytes, path: path), budget: budget)
        try model.decode()
        return model
    }

    /// The protobuf message of `bytes` without its initializers' `raw_data`, and the range of each
    /// initializer's `raw_data` in `bytes` (``ONNXWireScan``), refused when they are not a
    /// well-formed ONNX model.
    static func parse(_ bytes: ONNXBytes) throws -> (Onnx_ModelProto, rawData: [Range<Int>?]) {
        let scan = try ONNXWireScan.scan(bytes)
        let proto: Onnx_ModelProto
        do {
            var options = BinaryDecodingOptions()
            options.messageDepthLimit = 64
            proto = try Onnx_ModelProto(serializedBytes: scan.skeleton, options: options)
        } catch {
            throw CheckpointError(file: bytes.path, "not an ONNX model (malformed protobuf: \(error))")
        }
        guard proto.hasGraph, !proto.graph.node.isEmpty, !proto.opsetImport.isEmpty else {
            throw CheckpointError(file: bytes.path, "not an ONNX model (no graph or no operator set)")
        }
        guard scan.rawData.count == proto.graph.initializer.count else {  // the scan walks what protobuf decodes
            throw CheckpointError(file: bytes.path, "not an ONNX model (\(scan.rawData.count) initializers scanned, "
                                  + "\(proto.graph.initializer.count) decoded)")
        }
        return (proto, scan.rawData)
    }

    static func model(_ bytes: ONNXBytes, budget: LoadBudget) throws -> ONNXModel {
        let path = bytes.path
        let (proto, rawData) = try parse(bytes)
        let opset = try defaultOpset(proto, path: path)
        let g = proto.graph
        let folder = (path as NSString).deletingLastPathComponent
        let dir = folder.isEmpty ? "." : folder
        // Declared sizes first: a file declaring more than the budget is refused before any check reads
        // an external file or any value is decoded.
        var tensors: [(Onnx_TensorProto, Range<Int>?, String)] = g.initializer.indices.map {
            (g.initializer[$0], rawData[$0], "initializer '\(g.initializer[$0].name)'")
        }
        for n in g.node {
            for a in n.attribute where a.type == .tensor || a.hasT {
                tensors.append((a.t, nil, "tensor attribute '\(a.name)' of node \(label(n))"))
            }
        }
        var declared = 0
        for (t, _, _) in tensors where ElementType(rawValue: t.dataType)?.isFloat ?? false {
            let count = LoadBudget.saturatingProduct(t.dims.map { Int(clamping: $0) })
            declared = LoadBudget.saturatingSum(declared, count)
        }
        try budget.check(file: path, need: LoadBudget.need(fileBytes: bytes.count, parameters: declared))
        var plans: [TensorPlan] = []
        var external = TensorDecoding.ExternalFiles(folder: dir)
        for (t, raw, what) in tensors {
            plans.append(try TensorDecoding.plan(t, raw: raw, in: bytes, external: &external, what: what))
        }
        var initializers: [String: ONNXTensor] = [:], pending: [String: TensorPlan] = [:]
        for (i, t) in g.initializer.enumerated() {
            guard initializers[t.name] == nil, pending[t.name] == nil else {
                throw CheckpointError(file: path, "initializer '\(t.name)' is defined twice")
            }
            if plans[i].isInFile {
                pending[t.name] = plans[i]
            } else {
                initializers[t.name] = try TensorDecoding.decode(t, plans[i])
            }
        }
        var attributeTensors = plans[g.initializer.count...].makeIterator()
        let nodes = try g.node.map { n in
            try node(n, path: path) { t in try TensorDecoding.decode(t, attributeTensors.next()!) }
        }
        let names = Set(g.initializer.map(\.name))
        let inputs = g.input.filter { !names.contains($0.name) }
        guard inputs.count == 1, let input = inputs.first.map(valueInfo), !g.output.isEmpty else {
            throw CheckpointError(file: path, "the graph has \(inputs.count) image inputs and \(g.output.count) "
                                  + "outputs; Enhance runs graphs of one input image and one output")
        }
        guard input.dims.count == 4, input.elementType == "float" || input.elementType == "float16" else {
            let dims = input.dims.map { $0.map(String.init) ?? "?" }.joined(separator: ", ")
            throw CheckpointError(file: path, "input '\(input.name)' is \(input.elementType) [\(dims)]; "
                                  + "Enhance runs float or float16 images [1, 3, H, W]")
        }
        let declaredTensors = g.initializer.indices.map { i in
            ONNXDeclaredTensor(name: g.initializer[i].name, shape: plans[i].shape, storedType: plans[i].type.name,
                               isFloat: plans[i].type.isFloat)
        }
        return ONNXModel(path: path, producer: proto.producerName, producerVersion: proto.producerVersion,
                         irVersion: Int(proto.irVersion), opset: opset, nodes: nodes, initializers: initializers,
                         declared: declaredTensors, pending: pending, input: input,
                         outputs: g.output.map(valueInfo), externalFiles: external.names,
                         fileBytes: bytes.count + external.bytes)
    }

    /// The default domain's opset, in ``opsets``.
    private static func defaultOpset(_ proto: Onnx_ModelProto, path: String) throws -> Int {
        guard let set = proto.opsetImport.first(where: { $0.domain.isEmpty || $0.domain == "ai.onnx" }) else {
            throw CheckpointError(file: path, "imports no default (ai.onnx) operator set")
        }
        guard opsets.contains(Int(clamping: set.version)) else {
            throw CheckpointError(file: path, "operator set \(set.version); Enhance reads opsets "
                                  + "\(opsets.lowerBound)–\(opsets.upperBound) (re-export with e.g. opset 17)")
        }
        return Int(set.version)
    }

    static func label(_ n: Onnx_NodeProto) -> String {
        n.name.isEmpty ? "(output '\(n.output.first ?? "?")')" : "'\(n.name)'"
    }

    private static func node(_ n: Onnx_NodeProto, path: String,
                             tensor: (Onnx_TensorProto) throws -> ONNXTensor) throws -> ONNXNode {
        var attributes: [String: ONNXAttribute] = [:]
        for a in n.attribute {
            let value: ONNXAttribute
            if a.type == .tensor || a.hasT {
                attributes[a.name] = .tensor(try tensor(a.t))
                continue
            }
            switch a.type {
            case .int: value = .int(a.i)
            case .float: value = .float(a.f)
            case .string: value = .string(String(decoding: a.s, as: UTF8.self))
            case .ints: value = .ints(a.ints)
            case .floats: value = .floats(a.floats)
            case .strings: value = .strings(a.strings.map { String(decoding: $0, as: UTF8.self) })
            default:
                throw CheckpointError(file: path, "node \(label(n)) (\(n.opType)) has attribute '\(a.name)' of type "
                                      + "\(a.type) (subgraphs and sparse tensors are not run)")
            }
            attributes[a.name] = value
        }
        return ONNXNode(name: n.name, opType: n.opType, domain: n.domain == "ai.onnx" ? "" : n.domain,
                        inputs: n.input, outputs: n.output, attributes: attributes)
    }

    private static func valueInfo(_ v: Onnx_ValueInfoProto) -> ONNXValueInfo {
        let t = v.type.tensorType
        let dims: [Int?] = t.shape.dim.map { d in
            if case .dimValue(let n)? = d.value, n > 0 { return Int(clamping: n) }
            return nil
        }
        return ONNXValueInfo(name: v.name, elementType: ElementType.name(t.elemType), dims: dims)
    }
}
