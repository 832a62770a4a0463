import EnhanceTensor

/// A fully connected layer in a network's block tree, on token-major data (``Matrix`` `[tokens,
/// features]`): its key prefix and shape (``info``, recorded as the 1×1 convolution it equals, so
/// MAC counts and kernel memory include it) and, once built with values, the ``Linear`` that runs it.
final class LinearLayer: @unchecked Sendable {
    let info: LayerInfo
    /// Nil while describing.
    let op: Linear?

    fileprivate init(info: LayerInfo, op: Linear?) {
        (self.info, self.op) = (info, op)
    }

    /// `act(LN(x) · Wᵀ + b) (+ residual)` for `x` `[tokens, in]` → `[tokens, out]` (the LayerNorm
    /// optional, run as ``Linear`` packs its input).
    func callAsFunction(_ x: Matrix, layerNorm: (weight: [Float], bias: [Float])? = nil,
                        activation: Activation = .identity, residual: Matrix? = nil, pool: ThreadPool) -> Matrix {
        op!(x, layerNorm: layerNorm, activation: activation, residual: residual, pool: pool)
    }
}

extension Scope {
    /// The fully connected layer `leaf` (PyTorch `nn.Linear`: `leaf.weight` `[out, in]`, `leaf.bias`
    /// `[out]`; with `optionalBias`, a checkpoint without the bias is read as zero bias), run on
    /// tokens at `resolution` (relative to the network input). Its weights are read (blended, for a
    /// blend) and packed when the tree is built.
    func linear(_ leaf: String, in inFeatures: Int, out outFeatures: Int, resolution: Double = 1,
                optionalBias: Bool = false) throws -> LinearLayer {
        let name = key(leaf), wk = name + ".weight", bk = name + ".bias"
        let hasBias = !optionalBias || store.has(bk)
        try store.declare(wk, [outFeatures, inFeatures])
        if hasBias { try store.declare(bk, [outFeatures]) }
        let info = LayerInfo(name: name, inChannels: inFeatures, outChannels: outFeatures, kernelSize: 1,
                             resolution: resolution)
        store.record(info)
        guard store.values != nil else { return LinearLayer(info: info, op: nil) }
        let bias = hasBias ? try store.read(bk) : nil
        return LinearLayer(info: info, op: Linear(weight: try store.read(wk), bias: bias, inFeatures: inFeatures,
                                                  outFeatures: outFeatures))
    }

    /// The 1×1 convolution `leaf` (`leaf.weight` `[out, in, 1, 1]`, `leaf.bias` `[out]`) run per token as
    /// the Linear it equals, with the BatchNorm `batchNorm` (weight, bias, running mean and
    /// variance, eps 1e-5) folded in once the weights are read (after blending, for a blend).
    func pointwise(_ leaf: String, in inFeatures: Int, out outFeatures: Int, batchNorm: Scope? = nil,
                   resolution: Double = 1) throws -> LinearLayer {
        let name = key(leaf), wk = name + ".weight", bk = name + ".bias"
        try store.declare(wk, [outFeatures, inFeatures, 1, 1])
        try store.declare(bk, [outFeatures])
        let bn = ["weight", "bias", "running_mean", "running_var"].map { batchNorm?.key($0) }.compactMap { $0 }
        for k in bn { try store.declare(k, [outFeatures]) }
        batchNorm?.markBuffers(["running_mean", "running_var"])
        let info = LayerInfo(name: name, inChannels: inFeatures, outChannels: outFeatures, kernelSize: 1,
                             resolution: resolution)
        store.record(info)
        guard store.values != nil else { return LinearLayer(info: info, op: nil) }
        var w = try store.read(wk), b: [Float]? = try store.read(bk)
        if !bn.isEmpty { Scope.fold(&w, &b, try bn.map(store.read), outChannels: outFeatures) }
        return LinearLayer(info: info, op: Linear(weight: w, bias: b, inFeatures: inFeatures, outFeatures: outFeatures))
    }

    /// The values of derived buffer `leaf` as the checkpoint (the α = 0 end of a blend) stores them,
    /// when building; nil while describing or when absent. For structure a file's shapes do not
    /// tell (an order of window sides); never blended.
    func derivedBufferValues(_ leaf: String) -> [Float]? {
        store.values?[key(leaf)]?.values
    }

    /// A LayerNorm's `leaf.weight` and `leaf.bias` (`[count]` each; zeros while describing).
    func layerNorm(_ leaf: String, count: Int) throws -> (weight: [Float], bias: [Float]) {
        (try vector(leaf + ".weight", count: count), try vector(leaf + ".bias", count: count))
    }

    /// A registered buffer that the network derives itself (an index or a mask computed from the
    /// window size): accepted, with `shape`, when the checkpoint holds it; never read or blended, and
    /// not counted as a parameter (``ModelDescription/parameterCount``, as PyTorch's
    /// `model.parameters()` leaves buffers out). Synthesised weights (the bench) include it.
    func derivedBuffer(_ leaf: String, shape: [Int]) throws {
        guard store.shapes == nil || has(leaf) else { return }
        try store.declareDerived(key(leaf), shape)
    }
}
