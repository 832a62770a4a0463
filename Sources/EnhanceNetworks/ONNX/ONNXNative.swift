import EnhanceCheckpoints
import EnhanceONNX
import EnhanceTensor

/// The native fast path: an ONNX file whose initializers form a checkpoint of a family Enhance has
/// a folder for runs as that family (its packed kernels, whole-image statistics, strip tails).
///
/// The family is recognised from the initializers' names and shapes, as a checkpoint's keys are
/// (PyTorch keeps parameter names as initializer names), and accepted only when the family's
/// network and the graph agree on a seeded probe image (within 2e-3 of the graph's output range:
/// the families' Winograd F(6×6) kernels round more coarsely than the graph's convolutions), so a
/// file whose forward differs from the family's keeps running as its graph. Files whose exporter
/// renamed the weights run as their graph.
enum ONNXNative {
    /// The side of the probe image, rounded up to the family's tile multiple.
    static let probeSide = 16

    /// The family `weights` form, if any, when it computes what `program` computes.
    static func detect(_ weights: StateDict, program: ONNXProgram, scale: Int, source: String) -> DetectedModel? {
        guard let d = try? NetworkRegistry.detect(weights, source: source), d.network.scale == scale else { return nil }
        let m = d.network.tileMultiple, side = (probeSide + m - 1) / m * m
        if let (h, w) = program.fixedSize, (h, w) != (side, side) { return nil }
        var random = SeededUniform(state: 7)
        let x = Tensor(channels: 3, height: side, width: side,
                       data: (0..<(3 * side * side)).map { _ in random.next() * 0.5 + 0.5 })
        let pool = ThreadPool(threads: 2)
        guard let native = try? d.network.forward(x, pool: pool, cancel: nil),
              let graph = try? program.run(x, pool: pool), native.data.count == graph.data.count,
              let lo = graph.data.min(), let hi = graph.data.max() else { return nil }
        let worst = zip(native.data, graph.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
        return worst <= 2e-3 * max(hi - lo, 1e-3) ? d : nil
    }

    /// The family the initializers' names and shapes form, from the shapes alone (what
    /// `models inspect` says a load will try).
    static func candidate(_ shapes: TensorShapes, source: String) -> String? {
        (try? NetworkRegistry.describe(shapes, source: source))?.family
    }
}
