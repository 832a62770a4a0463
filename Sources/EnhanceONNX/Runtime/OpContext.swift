import EnhanceCheckpoints
import EnhanceTensor

/// What an op implementation is handed besides its inputs: the node (attributes, name), the
/// model's opset, the worker pool, and how to say what went wrong on one line.
struct OpContext: Sendable {
    let node: ONNXNode
    let opset: Int
    let file: String
    let pool: ThreadPool
    /// The most elements one value may have (``ONNXProgram/maxElements``).
    var maxElements = 1 << 30

    /// Throws unless a value of `shape` is within ``maxElements`` (checked before it is allocated).
    func check(_ shape: [Int]) throws {
        guard shape.allSatisfy({ $0 >= 0 }), LoadBudget.saturatingProduct(shape) <= maxElements else {
            throw fail("a value of shape \(shape) is over the \(maxElements)-element limit")
        }
    }

    /// A one-line error naming the file, node and op.
    func fail(_ problem: String) -> CheckpointError {
        CheckpointError(file: file, "node \(node.label) (\(node.opType), opset \(opset)): \(problem)")
    }

    func int(_ name: String, _ fallback: Int) throws -> Int {
        switch node.attributes[name] {
        case nil: return fallback
        case .int(let v)?: return Self.clamp(v)
        default: throw fail("attribute '\(name)' is not an integer")
        }
    }

    func float(_ name: String, _ fallback: Float) throws -> Float {
        switch node.attributes[name] {
        case nil: return fallback
        case .float(let v)?: return v
        case .int(let v)?: return Float(v)
        default: throw fail("attribute '\(name)' is not a float")
        }
    }

    func ints(_ name: String) throws -> [Int]? {
        switch node.attributes[name] {
        case nil: return nil
        case .ints(let v)?: return v.map(Self.clamp)
        case .int(let v)?: return [Self.clamp(v)]
        default: throw fail("attribute '\(name)' is not a list of integers")
        }
    }

    func string(_ name: String, _ fallback: String) throws -> String {
        switch node.attributes[name] {
        case nil: return fallback
        case .string(let v)?: return v
        default: throw fail("attribute '\(name)' is not a string")
        }
    }

    /// Input `i`, which must be present.
    func input(_ inputs: [ONNXTensor?], _ i: Int) throws -> ONNXTensor {
        guard i < inputs.count, let t = inputs[i] else { throw fail("input \(i) is missing") }
        return t
    }

    /// Input `i` as integers (a shape, axes, pads, …), nil when omitted.
    func intsInput(_ inputs: [ONNXTensor?], _ i: Int) -> [Int]? {
        guard i < inputs.count, let t = inputs[i] else { return nil }
        return t.ints.map(Self.clamp)
    }

    /// A dimension, index or count from a file, within ±2⁴⁰ (ONNX's "to the end" `INT64_MAX` stays
    /// past any axis), so that sums and products of a few of them cannot overflow.
    static func clamp(_ v: Int64) -> Int { Int(max(-(1 << 40), min(1 << 40, v))) }

    /// `axis` (negative counts from the end) checked against `rank`.
    func axis(_ axis: Int, rank: Int) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else { throw fail("axis \(axis) out of range for rank \(rank)") }
        return a
    }
}

extension ONNXTensor {
    /// A float32 tensor of `shape` filled by `body` (a pointer to `count` uninitialised floats).
    static func makeFloat(_ shape: [Int], _ body: (UnsafeMutableBufferPointer<Float>) -> Void) -> ONNXTensor {
        let n = shape.reduce(1, *)
        let data = [Float](unsafeUninitializedCapacity: n) { buf, count in
            body(buf)
            count = n
        }
        return ONNXTensor(shape: shape, floats: data)
    }

    /// An int64 tensor.
    init(shape: [Int], ints: [Int64]) {
        self.init(shape: shape, values: .int(ints), storedType: "int64")
    }

    /// The same values under another shape of equal element count.
    func reshaped(_ s: [Int]) -> ONNXTensor {
        ONNXTensor(shape: s, values: values, storedType: storedType)
    }

    /// Row-major strides of ``shape``.
    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in shape.indices.reversed() {
            s[i] = acc
            acc *= shape[i]
        }
        return s
    }

    /// Applies the same index mapping to either element type: `map(values)` builds the result's
    /// elements from the source's.
    func mapElements(shape: [Int], _ pick: (Int) -> Int, count: Int) -> ONNXTensor {
        switch values {
        case .float(let v):
            let out = v.withUnsafeBufferPointer { src in (0..<count).map { src[pick($0)] } }
            return ONNXTensor(shape: shape, values: .float(out), storedType: storedType)
        case .int(let v):
            return ONNXTensor(shape: shape, values: .int((0..<count).map { v[pick($0)] }), storedType: storedType)
        }
    }

    /// A CHW ``Tensor`` view of a float `[1, C, H, W]` (or `[C, H, W]`) tensor, nil for other shapes.
    var chw: Tensor? {
        guard case .float(let v) = values else { return nil }
        if shape.count == 4 && shape[0] == 1 {
            return Tensor(channels: shape[1], height: shape[2], width: shape[3], data: v)
        }
        if shape.count == 3 { return Tensor(channels: shape[0], height: shape[1], width: shape[2], data: v) }
        return nil
    }

    /// The `[1, C, H, W]` tensor of CHW `t`.
    init(nchw t: Tensor) {
        self.init(shape: [1, t.channels, t.height, t.width], floats: t.data)
    }
}
