import EnhanceCheckpoints
import EnhanceTensor
import Foundation

/// The state-dict keys a network build read (for the strict unused-key check in
/// ``NetworkRegistry/build(_:_:source:layout:)``). Thread-safe: convs are built in parallel.
final class KeyLog: @unchecked Sendable {
    /// The log ``WeightReader``s created in this task record into (nil: none).
    @TaskLocal static var current: KeyLog?

    private let lock = NSLock()
    private var keys = Set<String>()

    func record(_ key: String) {
        lock.lock()
        keys.insert(key)
        lock.unlock()
    }

    func contains(_ key: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return keys.contains(key)
    }
}

/// The convs a build made straight from `prefix.weight` / `prefix.bias`, by prefix (the prepared
/// kernels a ``ModelBlender`` blends). Thread-safe: convs are built in parallel.
final class ConvLog: @unchecked Sendable {
    private let lock = NSLock()
    private var built: [String: Conv2D] = [:]

    func record(_ conv: Conv2D, prefix: String) {
        lock.lock()
        built[prefix] = conv
        lock.unlock()
    }

    /// The convs recorded, by state-dict prefix.
    var convs: [String: Conv2D] {
        lock.lock()
        defer { lock.unlock() }
        return built
    }
}

/// A pair being blended, as a ``WeightReader`` sees it: the α = 1 end's weights (same keys and
/// shapes as the reader's dict, the α = 0 end) and both ends' convs by prefix (their raw weights).
struct BlendSource {
    let b: StateDict
    let convsA: [String: Conv2D]
    let convsB: [String: Conv2D]
    let alpha: Float
    /// Build with the CHW F(4×4) kernels only (4× the weights) rather than the channel-packed
    /// F(6×6) ones (7.1×): ~15 % slower, 206 MB less on RRDBNet-23 (``ModelBlender/compactKernels``).
    var compactKernels = false
}

/// Checked access to a checkpoint's tensors while describing and building a network: every missing
/// key or wrong shape becomes a one-line ``NetworkError`` naming the source. The shape checks need
/// only ``shapes`` (a network is described from them alone); keys whose shapes are read are
/// recorded in the ``KeyLog`` current when the reader was made. Values come from ``dict``.
///
/// With a ``BlendSource`` the reader yields `(1 − α)·dict + α·b` instead: values blended on read,
/// and convs blending the two ends' convs (``Conv2D/init(blending:_:alpha:)``), so a
/// network's own init builds its blends too. Convs built by ``conv(_:)`` are recorded in `convLog`.
struct WeightReader {
    let shapes: TensorShapes
    /// The tensors' values; nil when only describing.
    let dict: StateDict?
    let source: String
    let blend: BlendSource?
    let convLog: ConvLog?
    private let log = KeyLog.current

    init(shapes: TensorShapes, source: String) {
        (self.shapes, self.dict, self.source, blend, convLog) = (shapes, nil, source, nil, nil)
    }

    init(dict: StateDict, source: String, blend: BlendSource? = nil, convLog: ConvLog? = nil) {
        (self.shapes, self.dict, self.source) = (dict.shapes, dict, source)
        (self.blend, self.convLog) = (blend, convLog)
    }

    func has(_ key: String) -> Bool { shapes[key] != nil }

    /// Whether the network may run `layers` channel-packed (F(6×6)): all their shapes allow it and
    /// this is not a blend built with ``BlendSource/compactKernels`` (which keeps every conv CHW).
    func packed16(_ layers: [LayerInfo]) -> Bool {
        blend?.compactKernels != true && !layers.isEmpty
            && layers.allSatisfy { Conv2D.accepts(packed16: $0.inChannels, $0.outChannels, $0.kernelSize) }
    }

    /// The shape of `key`, recorded as used.
    func shape(_ key: String) throws -> [Int] {
        guard let t = shapes[key] else { throw NetworkError(source, "missing tensor '\(key)'") }
        log?.record(key)
        return t.shape
    }

    /// Checks `key` is 1-D with `count` elements (any length when `count` is nil); returns the length.
    @discardableResult
    func vectorLength(_ key: String, count: Int? = nil) throws -> Int {
        let s = try shape(key)
        guard s.count == 1, count == nil || s[0] == count! else {
            throw NetworkError(source, "tensor '\(key)' has shape \(s), expected [\(count.map(String.init) ?? "n")]")
        }
        return s[0]
    }

    /// Shape `[O, I, k, k]` of `prefix.weight`, validated as a square odd-kernel conv weight.
    func convShape(_ prefix: String) throws -> (out: Int, in: Int, k: Int) {
        let key = prefix + ".weight"
        let s = try shape(key)
        guard s.count == 4, s[2] == s[3], s[2] % 2 == 1, s[0] > 0, s[1] > 0 else {
            throw NetworkError(source, "tensor '\(key)' has shape \(s), expected a square odd-sized conv weight [O, I, k, k]")
        }
        return (s[0], s[1], s[2])
    }

    /// Checks conv `prefix` (`prefix.weight`, optional `prefix.bias`) against the channel counts and
    /// kernel size given (nil = any) and describes it at `resolution`.
    func conv(_ prefix: String, in inCh: Int? = nil, out outCh: Int? = nil, k: Int? = nil,
              resolution: Double = 1) throws -> LayerInfo {
        let s = try convShape(prefix)
        if let inCh, inCh != s.in { throw mismatch(prefix, "input channels", inCh, s.in) }
        if let outCh, outCh != s.out { throw mismatch(prefix, "output channels", outCh, s.out) }
        if let k, k != s.k { throw mismatch(prefix, "kernel size", k, s.k) }
        if has(prefix + ".bias") { try vectorLength(prefix + ".bias", count: s.out) }
        return LayerInfo(name: prefix, inChannels: s.in, outChannels: s.out, kernelSize: s.k, resolution: resolution)
    }

    private func mismatch(_ prefix: String, _ what: String, _ want: Int, _ got: Int) -> NetworkError {
        NetworkError(source, "layer '\(prefix)' has \(got) \(what), expected \(want)")
    }

    /// Indices `i` for which `"\(prefix)\(i)\(suffix)"` exists, ascending.
    func indices(prefix: String, suffix: String) -> [Int] {
        var out = Set<Int>()
        for key in shapes.keys where key.hasPrefix(prefix) && key.hasSuffix(suffix) {
            let mid = key.dropFirst(prefix.count).dropLast(suffix.count)
            if let i = Int(mid) { out.insert(i) }
        }
        return out.sorted()
    }

    // MARK: values (building)

    /// The values of `key`, whose shape the network's description has checked.
    /// With a blend: `(1 − α)·a + α·b` of the two ends' values.
    func values(_ key: String) throws -> [Float] {
        guard let t = dict?[key] else { throw NetworkError(source, "missing tensor '\(key)'") }
        guard let blend, let tb = blend.b[key] else { return t.values }
        return EnhanceTensor.blend(t.values, tb.values, alpha: blend.alpha)
    }

    /// Builds the described conv `layer` (weights packed for the convolution kernels); with a
    /// blend, from the two ends' convs (weights blended, then packed, on first use).
    func conv(_ layer: LayerInfo, layout: TensorLayout = .chw) throws -> Conv2D {
        let conv: Conv2D
        if let blend, let a = blend.convsA[layer.name], let b = blend.convsB[layer.name] {
            conv = Conv2D(blending: a, b, alpha: blend.alpha, layout: layout)
        } else {
            let bias = has(layer.name + ".bias") ? try values(layer.name + ".bias") : nil
            conv = Conv2D(weight: try values(layer.name + ".weight"), bias: bias, inChannels: layer.inChannels,
                          outChannels: layer.outChannels, kernelSize: layer.kernelSize, layout: layout)
        }
        convLog?.record(conv, prefix: layer.name)
        return conv
    }
}

extension WeightReader {
    /// Builds the described convs in parallel on every core (Conv2D packs its weights at init,
    /// which dominates network construction); the first failing one's error is thrown.
    func convs(_ layers: [LayerInfo], packed: Set<String> = [],
               threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> [Conv2D] {
        let layout = { (l: LayerInfo) -> TensorLayout in packed.contains(l.name) ? .packed16 : .chw }
        if blend != nil { return try layers.map { try conv($0, layout: layout($0)) } }  // blends pack nothing here
        var results = [Result<Conv2D, Error>?](repeating: nil, count: layers.count)
        results.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            ThreadPool(threads: threads).parallelFor(layers.count) { i in
                base[i] = Result { try conv(layers[i], layout: layout(layers[i])) }
            }
        }
        return try results.map { try $0!.get() }
    }
}
