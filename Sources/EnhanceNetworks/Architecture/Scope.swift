import EnhanceCheckpoints
import EnhanceTensor
import Foundation

/// A convolution in a network's block tree: its checkpoint key prefix and shape (``info``) and,
/// once the tree is built with values, the ``Conv2D`` that runs it (in ``layout``).
final class Conv: @unchecked Sendable {
    let info: LayerInfo
    let layout: TensorLayout
    /// Set when the tree is built with values (``ParameterStore/finish()``); nil while describing.
    fileprivate(set) var op: Conv2D?

    fileprivate init(info: LayerInfo, layout: TensorLayout) {
        (self.info, self.layout) = (info, layout)
    }

    /// Runs the convolution (``Conv2D/callAsFunction(_:activation:outputScale:residual:pool:)``).
    func callAsFunction(_ xs: [Tensor], activation: Activation = .identity, outputScale: Float = 1,
                        residual: Tensor? = nil, pool: ThreadPool) -> Tensor {
        op!(xs, activation: activation, outputScale: outputScale, residual: residual, pool: pool)
    }

    func callAsFunction(_ x: Tensor, activation: Activation = .identity, outputScale: Float = 1,
                        residual: Tensor? = nil, pool: ThreadPool) -> Tensor {
        self([x], activation: activation, outputScale: outputScale, residual: residual, pool: pool)
    }
}

/// A pair being blended, as a build sees it: the α = 1 end's canonical weights (same keys and
/// shapes as the α = 0 end's) and both ends' plain convs by key prefix (their raw weights).
struct BlendSource {
    let a: StateDict
    let b: StateDict
    let convsA: [String: Conv2D]
    let convsB: [String: Conv2D]
    let alpha: Float
    /// Keep every conv on the CHW F(4×4) path (kernels 4× the weights) rather than the packed F(6×6)
    /// one (64/9×): ~15 % slower, 206 MB less on RealESRGAN_x4plus (``ModelBlender/compactKernels``).
    var compactKernels = false
}

/// Where a block tree's parameters come from, and what building it recorded. One store serves
/// one build, on one thread; ``finish()`` then makes the convolutions in parallel.
///
/// - Describing (``values`` nil): every declared tensor is checked against the checkpoint's
///   ``shapes`` (nil when synthesising a configuration, e.g. for the bench), nothing is read.
/// - Building: the same checks, and the values read (with ``blend``: `(1 − α)·a + α·b`).
final class ParameterStore: @unchecked Sendable {
    let source: String
    let shapes: TensorShapes?
    let values: StateDict?
    let blend: BlendSource?
    /// Tensors the tree declared, in order, with their shapes.
    private(set) var declared: [(key: String, shape: [Int])] = []
    private var declaredKeys = Set<String>()
    /// Declared buffers (derived ones, ``Scope/derivedBuffer(_:shape:)``, and BatchNorm running
    /// statistics): not parameters.
    private(set) var derivedKeys: [String] = []
    /// Convolutions in the order the tree declared them (execution order for these chains).
    private(set) var layers: [LayerInfo] = []
    /// Plain convolutions (no BatchNorm folded in) by key prefix: what a blend of this model reads
    /// its raw weights from, and what an eager blend prepares.
    private(set) var convs: [String: Conv2D] = [:]
    private var pending: [(conv: Conv, make: @Sendable () throws -> Conv2D, plain: Bool)] = []

    init(source: String, shapes: TensorShapes?, values: StateDict? = nil, blend: BlendSource? = nil) {
        (self.source, self.shapes, self.values, self.blend) = (source, shapes, values, blend)
    }

    /// Whether convolutions may run channel-packed (not in a compact-kernel blend).
    var packed16Allowed: Bool { blend?.compactKernels != true }

    /// Records declared tensors without checking them against ``shapes`` (what an export's
    /// recovered checkpoint is fitted to, ``NetworkRegistry/fitExport(_:unkeyed:optional:source:)``).
    var unchecked = false

    /// Records `key` with `shape`, checking it against the checkpoint's tensor.
    func declare(_ key: String, _ shape: [Int]) throws {
        if let shapes, !unchecked {
            guard let t = shapes[key] else { throw NetworkError(source, "missing tensor '\(key)'") }
            guard t.shape == shape else {
                throw NetworkError(source, "tensor '\(key)' has shape \(t.shape), expected \(shape)")
            }
        }
        if declaredKeys.insert(key).inserted { declared.append((key, shape)) }
    }

    /// Records derived buffer `key` with `shape` (``declare(_:_:)``), which the parameter count leaves out.
    func declareDerived(_ key: String, _ shape: [Int]) throws {
        try declare(key, shape)
        markBuffer(key)
    }

    /// Leaves declared `key` out of the parameter count: a buffer (BatchNorm running statistics),
    /// read like a parameter but not one of PyTorch's `model.parameters()`.
    func markBuffer(_ key: String) {
        if !derivedKeys.contains(key) { derivedKeys.append(key) }
    }

    /// Whether the checkpoint holds `key` (true when synthesising: every optional tensor is made).
    func has(_ key: String) -> Bool { shapes.map { $0[key] != nil } ?? true }

    /// The values of declared `key` (blended when building a blend).
    func read(_ key: String) throws -> [Float] {
        guard let t = values?[key] else { throw NetworkError(source, "missing tensor '\(key)'") }
        guard let blend, let tb = blend.b[key] else { return t.values }
        return EnhanceTensor.blend(t.values, tb.values, alpha: blend.alpha)
    }

    /// Records a layer that is not a ``Conv`` (a ``LinearLayer``), in execution order.
    func record(_ layer: LayerInfo) { layers.append(layer) }

    func add(_ layer: LayerInfo, layout: TensorLayout, make: @escaping @Sendable () throws -> Conv2D,
             plain: Bool) -> Conv {
        let conv = Conv(info: layer, layout: layout)
        layers.append(layer)
        guard values != nil else { return conv }
        if let blend, plain, let a = blend.convsA[layer.name], let b = blend.convsB[layer.name] {
            conv.op = Conv2D(blending: a, b, alpha: blend.alpha, layout: layout)
            convs[layer.name] = conv.op
        } else {
            pending.append((conv, make, plain))
        }
        return conv
    }

    /// Makes the pending convolutions, in parallel on every core (reading and converting weights
    /// dominates construction); the first failing one's error is thrown.
    func finish(threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        var results = [Result<Conv2D, Error>?](repeating: nil, count: pending.count)
        let work = pending
        results.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            ThreadPool(threads: threads).parallelFor(work.count) { i in base[i] = Result { try work[i].make() } }
        }
        for (i, p) in work.enumerated() {
            p.conv.op = try results[i]!.get()
            if p.plain { convs[p.conv.info.name] = p.conv.op }
        }
        pending = []
    }

    /// The checkpoint's tensors the tree did not declare, counters of BatchNorm batches apart.
    func unused() -> (unused: [String], counters: [String]) {
        let unread = (shapes?.keys ?? []).filter { !declaredKeys.contains($0) }
        let counters = unread.filter { $0 == "num_batches_tracked" || $0.hasSuffix(".num_batches_tracked") }
        return (unread.filter { !counters.contains($0) }, counters)
    }
}

/// A position in a block tree: a key prefix in a ``ParameterStore``. Blocks declare their tensors
/// and convolutions through it, so each key is written once, where the block is.
struct Scope {
    let store: ParameterStore
    let prefix: String

    var source: String { store.source }

    /// The child block `name` (`prefix.name.`).
    subscript(_ name: String) -> Scope { Scope(store: store, prefix: prefix + name + ".") }
    /// The child block `index` (`prefix.index.`), as in a `Sequential` or `ModuleList`.
    subscript(_ index: Int) -> Scope { self[String(index)] }

    func key(_ leaf: String) -> String { prefix + leaf }

    /// Leaves these declared tensors out of the parameter count (``ParameterStore/markBuffer(_:)``).
    func markBuffers(_ leaves: [String]) {
        for leaf in leaves { store.markBuffer(key(leaf)) }
    }

    /// Whether the checkpoint holds `leaf` under this block (always, when synthesising).
    func has(_ leaf: String) -> Bool { store.has(key(leaf)) }

    /// Whether convolutions of these shapes `(in, out, k)` may all run channel-packed here.
    func packed16(_ shapes: [(Int, Int, Int)]) -> Bool {
        store.packed16Allowed && !shapes.isEmpty && shapes.allSatisfy { Conv2D.accepts(packed16: $0.0, $0.1, $0.2) }
    }

    /// A 1-D tensor of `count` values (or of 1 shared value when `shared`); zeros while describing.
    func vector(_ leaf: String, count: Int, shared: Bool = false) throws -> [Float] {
        let k = key(leaf)
        var n = count
        if shared, let s = store.shapes?[k]?.shape, s == [1] { n = 1 }
        if let s = store.shapes?[k]?.shape, s != [n] {
            throw NetworkError(source, "tensor '\(k)' has shape \(s), expected [\(count)]\(shared ? " or [1]" : "")")
        }
        try store.declare(k, [n])
        return store.values == nil ? [Float](repeating: 0, count: n) : try store.read(k)
    }

    /// A tensor of `shape` (e.g. a registered buffer such as DySample's `init_pos` `[1, C, 1, 1]`), its
    /// values flattened row-major; zeros while describing.
    func tensor(_ leaf: String, shape: [Int]) throws -> [Float] {
        let k = key(leaf)
        try store.declare(k, shape)
        return store.values == nil ? [Float](repeating: 0, count: shape.reduce(1, *)) : try store.read(k)
    }

    /// The convolution `leaf` (`leaf.weight` OIHW `[out, in / groups, k, k]` and `leaf.bias` `[out]`;
    /// with `optionalBias`, a checkpoint without the bias is read as zero bias), run at `resolution`
    /// (relative to the network input) in `layout`. With `batchNorm`, that block's BatchNorm (weight,
    /// bias, running mean and variance, eps 1e-5) is folded into the weights once they are read.
    func conv(_ leaf: String, in inCh: Int, out outCh: Int, k: Int, groups: Int = 1, resolution: Double = 1,
              layout: TensorLayout = .chw, batchNorm: Scope? = nil, optionalBias: Bool = false) throws -> Conv {
        let name = key(leaf), wk = name + ".weight", bk = name + ".bias"
        if let s = store.shapes?[wk]?.shape {
            guard s.count == 4, s[2] == s[3] else {
                throw NetworkError(source, "tensor '\(wk)' has shape \(s), expected a square conv weight [O, I, k, k]")
            }
            for (what, want, got) in [("input channels", inCh / groups, s[1]), ("output channels", outCh, s[0]),
                                      ("kernel size", k, s[2])] where want != got {
                throw NetworkError(source, "layer '\(name)' has \(got) \(what), expected \(want)")
            }
        }
        let hasBias = !optionalBias || store.has(bk)
        var tensors = [(wk, [outCh, inCh / groups, k, k])] + (hasBias ? [(bk, [outCh])] : [])
        if let bn = batchNorm {
            tensors += ["weight", "bias", "running_mean", "running_var"].map { (bn.key($0), [outCh]) }
        }
        let info = LayerInfo(name: name, inChannels: inCh, outChannels: outCh, kernelSize: k, resolution: resolution,
                             layout: layout, groups: groups)
        if let bn = batchNorm { bn.markBuffers(["running_mean", "running_var"]) }
        return try derived(info, tensors: tensors, plain: batchNorm == nil) { v in
            var w = v[0], bias = hasBias ? v[1] : nil
            if batchNorm != nil { Self.fold(&w, &bias, Array(v.suffix(4)), outChannels: outCh) }
            return (w, bias)
        }
    }

    /// A convolution `layer` whose weights are computed from other tensors (a re-parameterisation
    /// such as a fused multi-branch conv): `tensors` (keys relative to this block, with their shapes)
    /// are declared, and `make` gets their values (blended first, for a blend, so the result is
    /// "blend the checkpoints, then re-parameterise") and returns the OIHW weight
    /// `[out, in / groups, k, k]` and the bias.
    func derivedConv(_ layer: LayerInfo, tensors: [(String, [Int])],
                     make: @escaping @Sendable ([[Float]]) throws -> (weight: [Float], bias: [Float]?)) throws -> Conv {
        try derived(layer, tensors: tensors.map { (key($0.0), $0.1) }, plain: false, make)
    }

    private func derived(_ info: LayerInfo, tensors: [(String, [Int])], plain: Bool,
                         _ make: @escaping @Sendable ([[Float]]) throws -> (weight: [Float], bias: [Float]?))
        throws -> Conv {
        for (k, shape) in tensors { try store.declare(k, shape) }
        let store = self.store, keys = tensors.map(\.0)
        return store.add(info, layout: info.layout, make: {
            let (w, b) = try make(try keys.map(store.read))
            return Conv2D(weight: w, bias: b, inChannels: info.inChannels, outChannels: info.outChannels,
                          kernelSize: info.kernelSize, groups: info.groups, layout: info.layout)
        }, plain: plain)
    }

    /// Folds BatchNorm `[γ, β, μ, σ²]` into OIHW `w` and `bias`: w·γ/√(σ²+ε), (b−μ)·γ/√(σ²+ε)+β.
    static func fold(_ w: inout [Float], _ bias: inout [Float]?, _ bn: [[Float]], outChannels: Int) {
        let (g, b, m, v) = (bn[0], bn[1], bn[2], bn[3])
        let per = w.count / outChannels
        var out = bias ?? [Float](repeating: 0, count: outChannels)
        for o in 0..<outChannels {
            let s = g[o] / (v[o] + 1e-5).squareRoot()
            for i in 0..<per { w[o * per + i] *= s }
            out[o] = (out[o] - m[o]) * s + b[o]
        }
        bias = out
    }
}
