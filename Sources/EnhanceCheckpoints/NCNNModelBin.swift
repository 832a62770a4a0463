/// Lays out an ncnn `.bin` weight blob following ncnn's `ModelBin` conventions.
///
/// "Auto" arrays (conv/inner-product weights) start with a 4-byte tag: `0x01306B47` fp16 (data
/// padded to 4 bytes), `0x0002C056` or `0` fp32, `0x000D4B38` int8 (refused), any other
/// non-zero tag: a 256-entry fp32 lookup table followed by uint8 indices (padded to 4 bytes).
/// "Raw" arrays (biases, PReLU slopes, BatchNorm statistics) are untagged fp32.
///
/// The walk needs only the blob's size and the 4-byte tags (``tagAt``), so a model can be
/// described without reading its weights; ``NCNN`` decodes the ``Span``s it yields.
struct NCNNModelBin {
    /// One weight array a layer owns, from its params alone.
    struct WeightArray {
        var count: Int
        var shape: [Int]
        /// Tagged ("auto") or plain fp32 ("raw").
        var tagged: Bool
        var what: String
    }

    /// Where an array's elements lie in the blob and how they are encoded.
    struct Span {
        enum Encoding { case fp32, fp16, table(at: Int) }
        var array: WeightArray
        var offset: Int
        var encoding: Encoding
        var dtype: DType { if case .fp16 = encoding { .float16 } else { .float32 } }
    }

    let file: String
    let size: Int
    /// Reads the u32 LE at a byte offset (at least 4 bytes are known to be left there).
    let tagAt: (Int) throws -> UInt32
    private(set) var position = 0

    init(size: Int, file: String, tagAt: @escaping (Int) throws -> UInt32) {
        (self.size, self.file, self.tagAt) = (size, file, tagAt)
    }

    var remaining: Int { size - position }

    func fail(_ m: String) -> CheckpointError { CheckpointError(file: file, m) }

    private mutating func raw(_ a: WeightArray) throws -> Span {
        guard a.count >= 0, a.count <= remaining / 4 else {
            throw fail("truncated: \(a.what) needs \(a.count) fp32 values at offset \(position)")
        }
        defer { position += 4 * a.count }
        return Span(array: a, offset: position, encoding: .fp32)
    }

    /// The span of the next array, which must be `a`; moves past it.
    mutating func next(_ a: WeightArray) throws -> Span {
        guard a.tagged else { return try raw(a) }
        let at = position
        guard remaining >= 4 else {
            throw fail("truncated: need 4 bytes for \(a.what) type tag at offset \(position), "
                       + "\(max(remaining, 0)) left")
        }
        let tag = try tagAt(position)
        position += 4
        switch tag {
        case 0x0130_6B47:
            let padded = a.count >= 0 && a.count <= remaining / 2 ? (2 * a.count + 3) & ~3 : Int.max
            guard padded <= remaining else {
                throw fail("truncated: \(a.what) needs \(a.count) fp16 values at offset \(position)")
            }
            defer { position += padded }
            return Span(array: a, offset: position, encoding: .fp16)
        case 0x000D_4B38:
            throw fail("\(a.what) is int8-quantized (tag 0x000D4B38 at offset \(at)); int8 models are not supported")
        case 0, 0x0002_C056:
            return try raw(a)
        default:
            let table = try raw(.init(count: 256, shape: [256], tagged: false, what: "\(a.what) quantization table"))
            let padded = a.count >= 0 && a.count <= remaining ? (a.count + 3) & ~3 : Int.max
            guard padded <= remaining else { throw fail("truncated: \(a.what) needs \(a.count) table indices") }
            defer { position += padded }
            return Span(array: a, offset: position, encoding: .table(at: table.offset))
        }
    }

    private func taggedArray(_ count: Int, _ shape: [Int], _ what: String) -> WeightArray {
        WeightArray(count: count, shape: shape, tagged: true, what: what)
    }

    private func plainArray(_ count: Int, _ shape: [Int], _ what: String) -> WeightArray {
        WeightArray(count: count, shape: shape, tagged: false, what: what)
    }

    /// The arrays `layer` owns, in ncnn's order, checked against its params and the bytes left.
    func arrays(_ layer: NCNNNet.Layer) throws -> [WeightArray] {
        let label = "layer '\(layer.name)' (\(layer.type))"
        func need(_ ok: Bool, _ m: String) throws { if !ok { throw fail("\(label): \(m)") } }
        switch layer.type {
        case "Convolution", "ConvolutionDepthWise":
            if layer.int(19) != 0 { return [] }  // dynamic weight: comes from a bottom blob
            let outputs = layer.int(0), kw = layer.int(1), kh = layer.int(11, default: kw), size = layer.int(6)
            let group = layer.type == "ConvolutionDepthWise" ? layer.int(7, default: 1) : 1
            try need(layer.int(8) == 0, "int8 scale terms are not supported")
            try need(outputs > 0 && kw > 0 && kh > 0 && group > 0 && size > 0,
                     "invalid num_output/kernel/group/weight size")
            try need(size <= remaining,
                     "truncated: weight_data_size \(size) exceeds the \(remaining) bytes left in the .bin")
            try need(outputs <= size && kw <= 1 << 12 && kh <= 1 << 12, "num_output/kernel larger than the weights")
            let perOutput = outputs * kh * kw
            try need(size % perOutput == 0, "weight_data_size \(size) is not a multiple of \(outputs)×\(kh)×\(kw)")
            try need(outputs % group == 0, "num_output \(outputs) not divisible by group \(group)")
            var out = [taggedArray(size, [outputs, size / perOutput, kh, kw], "\(label) weights")]
            if layer.int(5) != 0 { out.append(plainArray(outputs, [outputs], "\(label) bias")) }
            return out
        case "InnerProduct":
            let outputs = layer.int(0), size = layer.int(2)
            try need(layer.int(8) == 0, "int8 scale terms are not supported")
            try need(outputs > 0 && size > 0 && size % outputs == 0, "invalid num_output/weight_data_size")
            var out = [taggedArray(size, [outputs, size / outputs], "\(label) weights")]
            if layer.int(1) != 0 { out.append(plainArray(outputs, [outputs], "\(label) bias")) }
            return out
        case "PReLU":
            let n = layer.int(0, default: 0)
            try need(n > 0, "num_slope must be positive")
            return [plainArray(n, [n], "\(label) slopes")]
        case "BatchNorm":
            let c = layer.int(0)
            try need(c > 0, "channels must be positive")
            return ["slope", "mean", "var", "bias"].map { plainArray(c, [c], "\(label) \($0)") }
        default:
            return []
        }
    }

    /// The spans of every layer's arrays, in order; every byte of the blob must be covered.
    mutating func spans(_ layers: [NCNNNet.Layer]) throws -> [[Span]] {
        var out: [[Span]] = []
        for layer in layers {
            var spans: [Span] = []
            for a in try arrays(layer) { spans.append(try next(a)) }
            out.append(spans)
        }
        guard remaining == 0 else {
            throw fail("\(remaining) unused trailing bytes (does the .bin match the .param?)")
        }
        return out
    }
}
