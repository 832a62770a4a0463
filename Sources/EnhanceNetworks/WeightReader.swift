import EnhanceCheckpoints
import EnhanceTensor
import Foundation

/// The state-dict keys a network build read (for the strict unused-key check in
/// ``NetworkRegistry/build(_:_:source:layout:)``) and the convs it built straight from
/// `prefix.weight` / `prefix.bias` (which blends reuse). Thread-safe: convs are built in parallel.
final class KeyLog: @unchecked Sendable {
    /// The log ``WeightReader``s created in this task record into (nil: none).
    @TaskLocal static var current: KeyLog?

    private let lock = NSLock()
    private var keys = Set<String>()
    private var built: [String: Conv2D] = [:]

    func record(_ key: String) {
        lock.lock()
        keys.insert(key)
        lock.unlock()
    }

    func record(conv: Conv2D, prefix: String) {
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

    func contains(_ key: String) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return keys.contains(key)
    }
}

/// A pair being blended, as a ``WeightReader`` sees it: the α = 1 end's weights (same keys and
/// shapes as the reader's dict, the α = 0 end) and both ends' prepared convs by prefix.
struct BlendSource {
    let b: StateDict
    let convsA: [String: Conv2D]
    let convsB: [String: Conv2D]
    let alpha: Float
}

/// Checked access to a state dict while building a network: every missing key or wrong shape
/// becomes a one-line ``NetworkError`` naming the source. Keys read are recorded in the
/// ``KeyLog`` current when the reader was made.
///
/// With a ``BlendSource`` the reader yields `(1 − α)·dict + α·b` instead: tensors blended on
/// read, and convs blended from the two ends' prepared convs (``Conv2D/init(blending:_:alpha:)``),
/// so a network's own init builds its blends too.
struct WeightReader {
    let dict: StateDict
    let source: String
    let blend: BlendSource?
    private let log = KeyLog.current

    init(dict: StateDict, source: String, blend: BlendSource? = nil) {
        self.dict = dict
        self.source = source
        self.blend = blend
    }

    func has(_ key: String) -> Bool { dict[key] != nil }

    /// The shape of `key` (recorded as read; nothing is blended).
    func shape(_ key: String) throws -> [Int] {
        guard let t = dict[key] else { throw NetworkError(source, "missing tensor '\(key)'") }
        log?.record(key)
        return t.shape
    }

    func tensor(_ key: String) throws -> WeightTensor {
        guard let t = dict[key] else { throw NetworkError(source, "missing tensor '\(key)'") }
        log?.record(key)
        guard let blend, let tb = blend.b[key] else { return t }
        return WeightTensor(shape: t.shape, values: EnhanceTensor.blend(t.values, tb.values, alpha: blend.alpha))
    }

    /// A 1-D tensor of `count` elements (or any length when `count` is nil).
    func vector(_ key: String, count: Int? = nil) throws -> [Float] {
        let t = try tensor(key)
        guard t.shape.count == 1, count == nil || t.shape[0] == count! else {
            throw NetworkError(source, "tensor '\(key)' has shape \(t.shape), expected [\(count.map(String.init) ?? "n")]")
        }
        return t.values
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

    /// Builds `prefix.weight` (+ optional `prefix.bias`) into a ``Conv2D``, checking channel counts.
    func conv(_ prefix: String, in inCh: Int? = nil, out outCh: Int? = nil, k: Int? = nil) throws -> Conv2D {
        let s = try convShape(prefix, in: inCh, out: outCh, k: k)
        let conv: Conv2D
        if let blend, let a = blend.convsA[prefix], let b = blend.convsB[prefix] {
            if has(prefix + ".bias") { _ = try shape(prefix + ".bias") }
            conv = Conv2D(blending: a, b, alpha: blend.alpha)
        } else {
            let bias = has(prefix + ".bias") ? try vector(prefix + ".bias", count: s.out) : nil
            conv = Conv2D(weight: try tensor(prefix + ".weight").values, bias: bias,
                          inChannels: s.in, outChannels: s.out, kernelSize: s.k)
        }
        log?.record(conv: conv, prefix: prefix)
        return conv
    }

    /// ``convShape(_:)`` checked against the expected channel counts and kernel size (nil: any).
    func convShape(_ prefix: String, in inCh: Int?, out outCh: Int?, k: Int?) throws -> (out: Int, in: Int, k: Int) {
        let s = try convShape(prefix)
        if let inCh, inCh != s.in { throw mismatch(prefix, "input channels", inCh, s.in) }
        if let outCh, outCh != s.out { throw mismatch(prefix, "output channels", outCh, s.out) }
        if let k, k != s.k { throw mismatch(prefix, "kernel size", k, s.k) }
        return s
    }

    private func mismatch(_ prefix: String, _ what: String, _ want: Int, _ got: Int) -> NetworkError {
        NetworkError(source, "layer '\(prefix)' has \(got) \(what), expected \(want)")
    }

    /// Indices `i` for which `"\(prefix)\(i)\(suffix)"` exists, ascending.
    func indices(prefix: String, suffix: String) -> [Int] {
        var out = Set<Int>()
        for key in dict.keys where key.hasPrefix(prefix) && key.hasSuffix(suffix) {
            let mid = key.dropFirst(prefix.count).dropLast(suffix.count)
            if let i = Int(mid) { out.insert(i) }
        }
        return out.sorted()
    }
}

/// One conv to build: state-dict prefix and expected channel counts / kernel size (nil = any).
struct ConvSpec {
    var name: String
    var inChannels: Int?
    var outChannels: Int?
    var kernelSize: Int?
}

extension WeightReader {
    /// Builds many convs in parallel on every core (Conv2D packs its weights at init, which
    /// dominates network construction); the first failing spec's error is thrown.
    func convs(_ specs: [ConvSpec], threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> [Conv2D] {
        if blend != nil {  // blends pack nothing here
            return try specs.map { try conv($0.name, in: $0.inChannels, out: $0.outChannels, k: $0.kernelSize) }
        }
        var results = [Result<Conv2D, Error>?](repeating: nil, count: specs.count)
        results.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            ThreadPool(threads: threads).parallelFor(specs.count) { i in
                let s = specs[i]
                base[i] = Result { try conv(s.name, in: s.inChannels, out: s.outChannels, k: s.kernelSize) }
            }
        }
        return try results.map { try $0!.get() }
    }
}
