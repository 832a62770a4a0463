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

/// Checked access to a state dict while building a network: every missing key or wrong shape
/// becomes a one-line ``NetworkError`` naming the source. Keys read through ``tensor(_:)`` are
/// recorded in the ``KeyLog`` current when the reader was made.
struct WeightReader {
    let dict: StateDict
    let source: String
    private let log = KeyLog.current

    init(dict: StateDict, source: String) {
        self.dict = dict
        self.source = source
    }

    func has(_ key: String) -> Bool { dict[key] != nil }

    func tensor(_ key: String) throws -> WeightTensor {
        guard let t = dict[key] else { throw NetworkError(source, "missing tensor '\(key)'") }
        log?.record(key)
        return t
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
        let s = try tensor(key).shape
        guard s.count == 4, s[2] == s[3], s[2] % 2 == 1, s[0] > 0, s[1] > 0 else {
            throw NetworkError(source, "tensor '\(key)' has shape \(s), expected a square odd-sized conv weight [O, I, k, k]")
        }
        return (s[0], s[1], s[2])
    }

    /// Builds `prefix.weight` (+ optional `prefix.bias`) into a ``Conv2D``, checking channel counts.
    func conv(_ prefix: String, in inCh: Int? = nil, out outCh: Int? = nil, k: Int? = nil) throws -> Conv2D {
        let s = try convShape(prefix)
        if let inCh, inCh != s.in { throw mismatch(prefix, "input channels", inCh, s.in) }
        if let outCh, outCh != s.out { throw mismatch(prefix, "output channels", outCh, s.out) }
        if let k, k != s.k { throw mismatch(prefix, "kernel size", k, s.k) }
        let bias = has(prefix + ".bias") ? try vector(prefix + ".bias", count: s.out) : nil
        return Conv2D(weight: try tensor(prefix + ".weight").values, bias: bias,
                      inChannels: s.in, outChannels: s.out, kernelSize: s.k)
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
    /// Builds many convs in parallel (Conv2D packs its weights at init, which dominates network
    /// construction); the first failing spec's error is thrown.
    func convs(_ specs: [ConvSpec], threads: Int = 2) throws -> [Conv2D] {
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
