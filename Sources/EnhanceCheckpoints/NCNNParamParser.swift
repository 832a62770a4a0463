import Foundation

/// Parser for the ncnn text `.param` format:
/// ```
/// 7767517
/// <layer count> <blob count>
/// <Type> <name> <nbottom> <ntop> <bottoms…> <tops…> <id>=<value> … <-233xx>=<n>,<v1>,…
/// ```
enum NCNNParamParser {
    static let magic = "7767517"

    /// Layer types this reader knows, with whether they carry weights in the `.bin`.
    static let knownTypes: Set<String> = [
        "Input", "Convolution", "ConvolutionDepthWise", "BinaryOp", "Eltwise", "Split", "Concat", "ReLU", "PReLU",
        "Interp", "PixelShuffle", "Crop", "Sigmoid", "TanH", "Clip", "Noop", "Dropout", "BatchNorm", "InnerProduct",
        "Padding", "Reshape", "Permute", "Flatten", "Softmax", "HardSigmoid", "HardSwish", "Swish", "Mish", "ELU",
        "UnaryOp", "Pooling", "Slice",
    ]

    static func parse(_ text: String, file: String) throws -> (layers: [NCNNNet.Layer], blobCount: Int) {
        func fail(_ line: Int, _ m: String) -> CheckpointError { CheckpointError(file: file, "line \(line): \(m)") }
        let lines: [String] = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
            .map { String($0).trimmingCharacters(in: .whitespaces) }
        guard let first = lines.first, first == magic else {
            throw CheckpointError(file: file, "not an ncnn .param file (magic 7767517 missing)")
        }
        guard lines.count > 1 else { throw fail(2, "missing layer/blob counts") }
        let counts = lines[1].split(separator: " ", omittingEmptySubsequences: true).compactMap { Int($0) }
        guard counts.count == 2, counts[0] >= 0, counts[1] >= 0 else {
            throw fail(2, "expected '<layer count> <blob count>'")
        }
        var layers: [NCNNNet.Layer] = []
        var produced = Set<String>()
        var names = Set<String>()
        for (i, line) in lines.enumerated().dropFirst(2) where !line.isEmpty {
            let n = i + 1
            guard layers.count < counts[0] else { throw fail(n, "more layers than the declared \(counts[0])") }
            let f: [String] = line.split(whereSeparator: { (c: Character) -> Bool in c == " " || c == "\t" })
                .map { String($0) }
            guard f.count >= 4, let nb = Int(f[2]), let nt = Int(f[3]), nb >= 0, nt >= 0, nb <= f.count, nt <= f.count,
                  f.count >= 4 + nb + nt else {
                throw fail(n, "malformed layer line")
            }
            let type = f[0], name = f[1]
            guard knownTypes.contains(type) else { throw fail(n, "unsupported layer type '\(type)' (layer '\(name)')") }
            guard names.insert(name).inserted else { throw fail(n, "duplicate layer name '\(name)'") }
            let bottoms = Array(f[4 ..< 4 + nb]), tops = Array(f[4 + nb ..< 4 + nb + nt])
            for b in bottoms where !produced.contains(b) {
                throw fail(n, "layer '\(name)' reads blob '\(b)' before any layer produces it")
            }
            for t in tops { guard produced.insert(t).inserted else { throw fail(n, "blob '\(t)' produced twice") } }
            var params: [Int: NCNNParam] = [:]
            for kv in f[(4 + nb + nt)...] {
                guard let eq = kv.firstIndex(of: "="), let key = Int(kv[..<eq]), key > -23332, key < 32 else {
                    throw fail(n, "bad param '\(kv)'")
                }
                let value = String(kv[kv.index(after: eq)...])
                let id = key <= -23300 ? -key - 23300 : key
                guard id >= 0, id < 32 else { throw fail(n, "param id \(key) out of range") }
                guard params[id] == nil else { throw fail(n, "param \(id) given twice") }
                guard let parsed = key <= -23300 ? parseArray(value) : parseScalar(value) else {
                    throw fail(n, "bad value in '\(kv)'")
                }
                params[id] = parsed
            }
            layers.append(NCNNNet.Layer(type: type, name: name, bottoms: bottoms, tops: tops, params: params))
        }
        guard layers.count == counts[0] else {
            throw CheckpointError(file: file, "declares \(counts[0]) layers but has \(layers.count) (truncated?)")
        }
        guard produced.count == counts[1] else {
            throw CheckpointError(file: file, "declares \(counts[1]) blobs but layers produce \(produced.count)")
        }
        return (layers, counts[1])
    }

    private static func isFloatLiteral(_ s: Substring) -> Bool {
        s.contains(".") || s.contains("e") || s.contains("E")
    }

    private static func parseScalar(_ s: String) -> NCNNParam? {
        if isFloatLiteral(s[...]) { return Float(s).map(NCNNParam.float) }
        return Int(s).map(NCNNParam.int)
    }

    private static func parseArray(_ s: String) -> NCNNParam? {
        let parts = s.split(separator: ",", omittingEmptySubsequences: false)
        guard let count = parts.first.flatMap({ Int($0) }), count >= 0, count < parts.count,
              parts.count == count + 1 else { return nil }
        let items = parts.dropFirst()
        if items.contains(where: isFloatLiteral) {
            let v = items.compactMap { Float($0) }
            return v.count == count ? .floatArray(v) : nil
        }
        let v = items.compactMap { Int($0) }
        return v.count == count ? .intArray(v) : nil
    }
}
