import EnhanceCheckpoints
import EnhanceONNX
import EnhanceTensor
import Foundation

/// The native fast path: an ONNX file whose initializers form a checkpoint of a family Enhance has
/// a folder for runs as that family (its packed kernels, whole-image statistics, strip tails).
///
/// The checkpoint is found from the initializers' names and shapes, as a checkpoint's keys are
/// (PyTorch keeps parameter names as initializer names), else from the graph's structure
/// (``ONNXKeyRecovery``: the layers reading each initializer, their module scopes, their order;
/// ``NetworkRegistry/fitExport(_:unkeyed:optional:source:)``). Either way the family is taken only when its
/// network and the graph agree on a seeded probe image (within ``tolerance`` of the graph's output
/// range), so a file whose forward differs from the family's keeps running as its graph.
enum ONNXNative {
    /// The least side of the probe image of a dynamic graph (``probeSizes(_:network:sizeCheck:)``).
    static let probeSide = 4
    /// A graph exported with a fixed input size that computes the same at smaller sizes
    /// (``ONNXSizeCheck``) is probed as a dynamic graph; any other at its size, when the family's pass
    /// there costs at most this many multiply-accumulates (larger ones run as their graph). Enough for
    /// the 64² transformer exports (SwinIR-M 56 GMAC: a 3.1 s load on 2 AVX2 cores, against a graph
    /// that runs only in 64 px windows, 50× slower than the family on a 160 × 120 image).
    static let maxProbeMACs = 64e9

    /// A family checkpoint found in a file, before the probe.
    struct Candidate {
        var weights: StateDict
        var family: String
        /// How it was recognised, for `models inspect` (`by the initializers' names`, `by structure …`).
        var how: String
    }

    /// What a load decided.
    struct Decision {
        /// The family's network when the file runs natively.
        var native: DetectedModel?
        /// One line for `models inspect`: what runs, how it was recognised, what the probe found.
        var summary: String
    }

    /// The family checkpoint `m`'s initializers form, by their names or by the graph's structure;
    /// nil when neither finds one.
    static func candidate(_ m: ONNXModel, source: String) -> Candidate? {
        var named = StateDict()
        for name in m.initializerNames {
            guard let t = m.initializers[name], case .float(let v) = t.values else { continue }
            named[name] = WeightTensor(shape: t.shape, values: v, dtype: ONNXGraph.dtype(t.storedType))
        }
        if let d = try? NetworkRegistry.describe(named.shapes, source: source) {
            return Candidate(weights: named, family: d.family, how: "by the initializers' names")
        }
        let r = ONNXKeyRecovery.recover(m)
        guard let fit = NetworkRegistry.fitExport(r.weights, unkeyed: r.unkeyed, optional: r.optional,
                                                  source: source),
              let d = try? NetworkRegistry.describe(fit.dict.shapes, source: source) else { return nil }
        var parts = ["\(r.byName) keys by name", "\(r.byScope) by node scope"]
        if r.bySibling > 0 { parts.append("\(r.bySibling) from a named sibling") }
        if r.derived > 0 { parts.append("\(r.derived) position-bias tables from their folded form") }
        if fit.placed > 0 { parts.append("\(fit.placed) by position") }
        if fit.completed { parts.append("fused blocks completed by the family") }
        return Candidate(weights: fit.dict, family: d.family, how: "by structure (\(parts.joined(separator: ", ")))")
    }

    /// What a load of `m` will try, for `models inspect`, from the declared shapes alone (the weights
    /// stay in the file): the family its initializers' names form, natively when a load's probe
    /// agrees (none runs for a graph that computes the same only at its fixed input size, where the
    /// family's pass there costs over ``maxProbeMACs``); else the structural recognition and the
    /// probe are left to the load (they read the weights). A decoded model gets the load's full
    /// ``decide(_:program:scale:sizeCheck:source:)`` instead.
    static func expectation(_ m: ONNXModel, sizeCheck: ONNXSizeCheck? = nil, source: String) -> String {
        var shapes = TensorShapes()
        for t in m.declared where t.isFloat {
            shapes[t.name] = TensorShape(shape: t.shape, dtype: ONNXGraph.dtype(t.storedType))
        }
        if let d = try? NetworkRegistry.describe(shapes, source: source) {
            if let c = sizeCheck, c.reach == .declaredOnly,
               d.macsPerInputPixel * Double(c.height * c.width) > maxProbeMACs {
                return "its graph: \(d.family) by the initializers' names, but the graph runs only at its fixed "
                    + "input size \(c.width)×\(c.height) (\(c.reason)), too large to probe"
            }
            return "\(d.family) natively when a load's probe equals the graph (recognised by the initializers' "
                + "names)"
        }
        return "decided at load: the initializers' names form no family; a load recovers the checkpoint from "
            + "the graph's structure and probes it"
    }

    /// Whether `m` runs natively: its ``candidate(_:source:)``, built and run beside `program` on a
    /// seeded probe image (``probeSizes(_:network:sizeCheck:)``), both with a pool that makes no kernels (every
    /// convolution direct on its weights: the probe costs its products alone, and the native
    /// network's kernels are made when it first runs, as after any load). The two outputs must
    /// agree within ``tolerance`` of the graph's output range. `sizeCheck`: what a graph that
    /// declares a fixed input size computes at other sizes (where the probe may run).
    static func decide(_ m: ONNXModel, program: ONNXProgram, scale: Int, sizeCheck: ONNXSizeCheck? = nil,
                       source: String) -> Decision {
        guard let c = candidate(m, source: source) else {
            return Decision(summary: "its graph: no family's checkpoint in the initializers (by names or by "
                            + "structure)")
        }
        let seen = "its graph: \(c.family) recognised \(c.how), but"
        guard let d = try? NetworkRegistry.detect(c.weights, source: source), d.network.scale == scale else {
            return Decision(summary: "\(seen) not of the graph's scale")
        }
        let sizes = probeSizes(program, network: d.network, sizeCheck: sizeCheck)
        let fixed = sizeCheck.map { "; fixed input size \($0.width)×\($0.height) in the file, \($0.reachText)" }
            ?? ""
        guard !sizes.isEmpty else {
            return Decision(summary: "\(seen) the graph's fixed input size is too large to probe\(fixed)")
        }
        for (h, w) in sizes {
            guard let (native, graph) = probe(d.network, program, height: h, width: w),
                  let lo = graph.data.min(), let hi = graph.data.max() else { continue }
            let worst = zip(native.data, graph.data).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
            let relative = worst / max(hi - lo, 1e-3)
            let probe = "a \(w)×\(h) probe (largest difference " + String(format: "%.1e", relative) + " of the range)"
            guard relative <= tolerance else {
                return Decision(summary: "\(seen) its output differs from the graph's on \(probe)\(fixed)")
            }
            return Decision(native: d, summary: "\(c.family) natively, recognised \(c.how); equals "
                            + "the graph on \(probe)\(fixed)")
        }
        return Decision(summary: "\(seen) the probe did not run\(fixed)")
    }

    /// The largest difference between the family's and the graph's outputs on the probe, relative to
    /// the graph's output range, for the file to run natively. Both run the same direct
    /// convolutions on the same weights, so what is left is the other ops' rounding (attention,
    /// norms, activations). Measured on the fixtures' exports: 0 for the convolution-only families
    /// and a real-size 23-block dense-block network, 3e-7 with channel attention or GroupNorm,
    /// 7.4e-6 with window attention; the two altered exports differ by 0.11 and 0.13.
    static let tolerance: Float = 5e-4

    /// The family's and the graph's outputs on a seeded `height × width` image (values in [0, 1)),
    /// computed side by side (half the cores each) with pools that make no kernels; nil when
    /// either fails or their shapes differ.
    static func probe(_ network: any SuperResolutionNetwork, _ program: ONNXProgram, height h: Int,
                      width w: Int) -> (native: Tensor, graph: Tensor)? {
        var random = SeededUniform(state: 7)
        let x = Tensor(channels: 3, height: h, width: w, data: (0..<(3 * h * w)).map { _ in random.next() * 0.5 + 0.5 })
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
        let outputs = Locked<[Tensor?]>([nil, nil])
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let pool = ThreadPool(threads: threads, preparesKernels: false)
            let y = i == 0 ? try? network.forward(x, pool: pool, cancel: nil) : try? program.run(x, pool: pool)
            outputs.withLock { $0[i] = y }
        }
        let (native, graph) = outputs.withLock { ($0[0], $0[1]) }
        guard let native, let graph, native.channels == graph.channels, native.height == graph.height,
              native.width == graph.width else { return nil }
        return (native, graph)
    }

    /// The sizes to probe at, in order (the next is tried when a pass fails: a network that needs a
    /// larger input). A dynamic graph: a square of side ``probeSide`` (at least half the largest
    /// kernel, so that every tap reads the image), then 16, each rounded up to the network's tile
    /// multiple. A fixed-size graph that computes the same at other sizes (`sizeCheck`): the same
    /// sides rounded up to its side multiple too, then the second size its check ran it at, each
    /// within its size when it computes the same only up to it. Last (first for any other
    /// fixed-size graph): its own size, when the family's pass there costs at most ``maxProbeMACs``.
    static func probeSizes(_ program: ONNXProgram, network: any SuperResolutionNetwork,
                           sizeCheck: ONNXSizeCheck? = nil) -> [(Int, Int)] {
        func small(_ graphMultiple: Int) -> [Int] {
            let m = lcm(network.tileMultiple, graphMultiple), k = network.layers.map(\.kernelSize).max() ?? 1
            let sides = [max(probeSide, (k + 1) / 2), 16].map { ($0 + m - 1) / m * m }
            return sides[1] > sides[0] ? sides : [sides[0]]
        }
        guard let (h, w) = program.fixedSize else { return small(1).map { ($0, $0) } }
        var sizes: [(Int, Int)] = []
        if let c = sizeCheck, c.reach != .declaredOnly {
            let m = network.tileMultiple
            sizes = small(c.sideMultiple).map { ($0, $0) }
            if c.secondHeight % m == 0, c.secondWidth % m == 0, c.secondHeight > 0 {
                sizes.append((c.secondHeight, c.secondWidth))
            }
            sizes = sizes.filter { c.reach == .anySize || ($0.0 <= h && $0.1 <= w) }
        }
        if network.macsPerInputPixel * Double(h * w) <= maxProbeMACs { sizes.append((h, w)) }
        return sizes
    }

    private static func lcm(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return a / max(x, 1) * b
    }
}
