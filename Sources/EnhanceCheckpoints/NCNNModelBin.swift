/// Reads an ncnn `.bin` weight blob following ncnn's `ModelBin` conventions.
///
/// "Auto" arrays (conv/inner-product weights) start with a 4-byte tag: `0x01306B47` fp16 (data
/// padded to 4 bytes), `0x0002C056` or `0` fp32, `0x000D4B38` int8 (refused), any other
/// non-zero tag: a 256-entry fp32 lookup table followed by uint8 indices (padded to 4 bytes).
/// "Raw" arrays (biases, PReLU slopes, BatchNorm statistics) are untagged fp32.
struct NCNNModelBin {
    var r: ByteReader

    init(bytes: [UInt8], file: String) { r = ByteReader(bytes, file: file) }

    func fail(_ m: String) -> CheckpointError { CheckpointError(file: r.file, m) }

    mutating func raw(_ count: Int, shape: [Int], _ what: String) throws -> WeightTensor {
        guard count >= 0, count <= r.remaining / 4 else { throw fail("truncated: \(what) needs \(count) fp32 values at offset \(r.position)") }
        let values = decodeFloats(r.bytes, offset: r.position, count: count, dtype: .float32)
        r.position += 4 * count
        return WeightTensor(shape: shape, values: values, dtype: .float32)
    }

    mutating func auto(_ count: Int, shape: [Int], _ what: String) throws -> WeightTensor {
        let at = r.position
        let tag = try r.u32("\(what) type tag")
        switch tag {
        case 0x0130_6B47:
            guard count >= 0, count <= r.remaining / 2 else { throw fail("truncated: \(what) needs \(count) fp16 values at offset \(r.position)") }
            let padded = (2 * count + 3) & ~3
            guard padded <= r.remaining else { throw fail("truncated: \(what) needs \(count) fp16 values at offset \(r.position)") }
            let values = decodeFloats(r.bytes, offset: r.position, count: count, dtype: .float16)
            r.position += padded
            return WeightTensor(shape: shape, values: values, dtype: .float16)
        case 0x000D_4B38:
            throw fail("\(what) is int8-quantized (tag 0x000D4B38 at offset \(at)); int8 models are not supported")
        case 0, 0x0002_C056:
            return try raw(count, shape: shape, what)
        default:
            let table = try raw(256, shape: [256], "\(what) quantization table").values
            guard count >= 0, count <= r.remaining else { throw fail("truncated: \(what) needs \(count) table indices") }
            let padded = (count + 3) & ~3
            guard padded <= r.remaining else { throw fail("truncated: \(what) needs \(count) table indices") }
            let values = (0 ..< count).map { table[Int(r.bytes[r.position + $0])] }
            r.position += padded
            return WeightTensor(shape: shape, values: values, dtype: .float32)
        }
    }

    /// Loads the weights `layer` owns, in ncnn's order.
    mutating func load(_ layer: NCNNNet.Layer) throws -> [WeightTensor] {
        let label = "layer '\(layer.name)' (\(layer.type))"
        func need(_ ok: Bool, _ m: String) throws { if !ok { throw fail("\(label): \(m)") } }
        switch layer.type {
        case "Convolution", "ConvolutionDepthWise":
            if layer.int(19) != 0 { return [] }  // dynamic weight: comes from a bottom blob
            let outputs = layer.int(0), kw = layer.int(1), kh = layer.int(11, default: kw), size = layer.int(6)
            let group = layer.type == "ConvolutionDepthWise" ? layer.int(7, default: 1) : 1
            try need(layer.int(8) == 0, "int8 scale terms are not supported")
            try need(outputs > 0 && kw > 0 && kh > 0 && group > 0 && size > 0, "invalid num_output/kernel/group/weight size")
            try need(size <= r.remaining, "truncated: weight_data_size \(size) exceeds the \(r.remaining) bytes left in the .bin")
            try need(outputs <= size && kw <= 1 << 12 && kh <= 1 << 12, "num_output/kernel larger than the weights")
            let perOutput = outputs * kh * kw
            try need(size % perOutput == 0, "weight_data_size \(size) is not a multiple of \(outputs)×\(kh)×\(kw)")
            try need(outputs % group == 0, "num_output \(outputs) not divisible by group \(group)")
            var out = [try auto(size, shape: [outputs, size / perOutput, kh, kw], "\(label) weights")]
            if layer.int(5) != 0 { out.append(try raw(outputs, shape: [outputs], "\(label) bias")) }
            return out
        case "InnerProduct":
            let outputs = layer.int(0), size = layer.int(2)
            try need(layer.int(8) == 0, "int8 scale terms are not supported")
            try need(outputs > 0 && size > 0 && size % outputs == 0, "invalid num_output/weight_data_size")
            var out = [try auto(size, shape: [outputs, size / outputs], "\(label) weights")]
            if layer.int(1) != 0 { out.append(try raw(outputs, shape: [outputs], "\(label) bias")) }
            return out
        case "PReLU":
            let n = layer.int(0, default: 0)
            try need(n > 0, "num_slope must be positive")
            return [try raw(n, shape: [n], "\(label) slopes")]
        case "BatchNorm":
            let c = layer.int(0)
            try need(c > 0, "channels must be positive")
            return try ["slope", "mean", "var", "bias"].map { try raw(c, shape: [c], "\(label) \($0)") }
        default:
            return []
        }
    }
}
