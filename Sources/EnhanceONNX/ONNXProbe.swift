import EnhanceCheckpoints
import EnhanceTensor

/// What one pass of a graph at a given input size does, measured without its arithmetic
/// (``ONNXProgram/probe(height:width:pool:)``): the output size (so the scale), each convolution's
/// shapes and the products' multiply-accumulates, the peak of live activations, and the ops.
public struct ONNXProbe: Sendable {
    /// One convolution of the pass.
    public struct Conv: Sendable {
        /// The node's name (or its weight's, when it has none).
        public let name: String
        /// Channels in and out, the larger kernel side, channel groups.
        public let inChannels: Int, outChannels: Int, kernelSize: Int, groups: Int
        /// Input and output `[N, C, H, W]`.
        public let input: [Int], output: [Int]
        /// Multiply-accumulates of the pass.
        public let macs: Double
    }

    /// Input `[1, C, H, W]` and output shapes.
    public let input: [Int], output: [Int]
    /// Convolutions in execution order.
    public let convs: [Conv]
    /// Multiply-accumulates of `MatMul` and `Gemm` nodes (attention, token-wise linear layers).
    public let productMACs: Double
    /// The most floats alive at once (activations and shape values of the pass).
    public let peakFloats: Int
}

extension ONNXProgram {
    /// Runs the graph at `height × width` with every convolution replaced by zeros of its output
    /// shape (everything else runs, on a small input cheaply), recording what ``ONNXProbe`` holds.
    public func probe(height: Int, width: Int, pool: ThreadPool = ThreadPool(threads: 1)) throws -> ONNXProbe {
        try probe(height: height, width: width, pool: pool, also: nil)
    }

    /// ``probe(height:width:pool:)``, calling `also` after each node as ``run(_:pool:cancel:dry:trace:free:)``'s
    /// `trace`.
    func probe(height: Int, width: Int, pool: ThreadPool,
               also: ((Int, [ONNXTensor?], [ONNXTensor]) -> Void)?) throws -> ONNXProbe {
        let channels = 3
        let x = Tensor(channels: channels, height: height, width: width)
        var layers: [ONNXProbe.Conv] = [], products = 0.0, live = 0, peak = 0
        let y = try run(x, pool: pool, dry: true) { i, inputs, outputs in
            also?(i, inputs, outputs)
            let n = self.model.nodes[i]
            if let c = self.convs[i], let input = inputs.first ?? nil, let out = outputs.first {
                let name = n.name.isEmpty ? n.inputs[1] : n.name
                layers.append(ONNXProbe.Conv(name: name, inChannels: c.inPerGroup * c.groups, outChannels: c.out,
                                            kernelSize: max(c.kh, c.kw), groups: c.groups, input: input.shape,
                                            output: out.shape, macs: c.macs(input: input.shape, output: out.shape)))
            }
            if let f = self.fusions[i] {
                products += f.macs(inputs.compactMap { $0 })
            } else if n.opType == "MatMul" || n.opType == "Gemm", let a = inputs.first ?? nil, let out = outputs.first {
                products += Double(out.count) * Double(a.shape.last ?? 1)
            }
            live = outputs.reduce(live) { $0 + $1.count }
            peak = max(peak, live)
        } free: { freed in live -= freed }
        return ONNXProbe(input: [1, channels, height, width], output: [1, y.channels, y.height, y.width],
                         convs: layers, productMACs: products, peakFloats: peak)
    }

}
