import EnhanceCheckpoints
import EnhanceTensor

/// Network interpolation θ = (1 − α)·θ_A + α·θ_B between two state dicts of the same architecture.
///
/// Construction checks that both dicts hold the same keys with the same shapes (refusing with an
/// error naming the first mismatch) and packs them into one contiguous buffer `θ_A` plus the
/// difference `θ_B − θ_A`, so every blend is a single vectorised pass `θ_A + α·Δ` split over the
/// pool's threads.
public final class WeightInterpolator: @unchecked Sendable {
    /// Keys in A's order with their shapes and offsets into the packed buffers.
    public let keys: [String]
    private let shapes: [[Int]]
    private let offsets: [Int]
    private let base: [Float]
    private let delta: [Float]

    /// Total number of blended parameters.
    public var parameterCount: Int { base.count }

    public init(_ a: StateDict, _ b: StateDict, nameA: String = "A", nameB: String = "B") throws {
        var shapes: [[Int]] = [], offsets: [Int] = [], total = 0
        for key in a.keys {
            guard let tb = b[key] else {
                throw NetworkError("\(nameA) + \(nameB)", "cannot blend: '\(key)' is in \(nameA) but not in \(nameB)")
            }
            let ta = a[key]!
            guard ta.shape == tb.shape else {
                throw NetworkError("\(nameA) + \(nameB)", "cannot blend: '\(key)' has shape \(ta.shape) in \(nameA) but \(tb.shape) in \(nameB)")
            }
            shapes.append(ta.shape)
            offsets.append(total)
            total += ta.values.count
        }
        if let extra = b.keys.first(where: { a[$0] == nil }) {
            throw NetworkError("\(nameA) + \(nameB)", "cannot blend: '\(extra)' is in \(nameB) but not in \(nameA)")
        }
        var base = [Float](repeating: 0, count: total), delta = base
        for (i, key) in a.keys.enumerated() {
            let va = a[key]!.values, vb = b[key]!.values, o = offsets[i]
            for j in 0..<va.count {
                base[o + j] = va[j]
                delta[o + j] = vb[j] - va[j]
            }
        }
        self.keys = a.keys
        self.shapes = shapes
        self.offsets = offsets
        self.base = base
        self.delta = delta
    }

    /// Writes θ_A + α·(θ_B − θ_A) into `out` (resized to ``parameterCount`` if needed),
    /// in the packed key order. This is the hot path: no allocation when `out` is reused.
    public func blend(alpha: Float, into out: inout [Float], pool: ThreadPool) {
        if out.count != base.count { out = [Float](repeating: 0, count: base.count) }
        // ~256 K-float chunks handed out dynamically, so a busy core does not stall the blend.
        let n = base.count, chunks = pool.threads == 1 ? 1 : max(1, min(n / 262_144, 256))
        base.withUnsafeBufferPointer { a in
            delta.withUnsafeBufferPointer { d in
                out.withUnsafeMutableBufferPointer { o in
                    let pa = a.baseAddress!, pd = d.baseAddress!, po = o.baseAddress!
                    pool.parallelFor(chunks) { c in
                        let lo = n * c / chunks, hi = n * (c + 1) / chunks
                        for i in lo..<hi { po[i] = pa[i] + alpha * pd[i] }
                    }
                }
            }
        }
    }

    /// The blended weights as a state dict (A's key order and dtypes reported as float32).
    public func blend(alpha: Float, pool: ThreadPool) -> StateDict {
        var flat: [Float] = []
        blend(alpha: alpha, into: &flat, pool: pool)
        return stateDict(from: flat)
    }

    /// Unpacks a buffer produced by ``blend(alpha:into:pool:)`` into a state dict.
    public func stateDict(from flat: [Float]) -> StateDict {
        var sd = StateDict()
        for (i, key) in keys.enumerated() {
            let o = offsets[i], n = shapes[i].reduce(1, *)
            sd[key] = WeightTensor(shape: shapes[i], values: Array(flat[o..<(o + n)]))
        }
        return sd
    }
}

extension NetworkRegistry {
    /// Blends two detected models of the same architecture and hyper-parameters and builds the
    /// result. Refuses different architectures/specs and mismatching keys or shapes.
    public static func interpolate(_ a: DetectedModel, _ b: DetectedModel, alpha: Float,
                                   nameA: String = "A", nameB: String = "B",
                                   pool: ThreadPool = ThreadPool(threads: 2)) throws -> DetectedModel {
        guard alpha.isFinite else { throw NetworkError("\(nameA) + \(nameB)", "alpha \(alpha) is not a finite number") }
        guard a.spec.architecture == b.spec.architecture else {
            throw NetworkError("\(nameA) + \(nameB)", "cannot blend \(a.spec.architecture.rawValue) with \(b.spec.architecture.rawValue)")
        }
        let interp = try WeightInterpolator(a.stateDict, b.stateDict, nameA: nameA, nameB: nameB)
        let sd = interp.blend(alpha: alpha, pool: pool)
        return try build(a.spec.architecture, sd, source: "blend(\(nameA), \(nameB), α=\(alpha))",
                         layout: a.spec.keyLayout)
    }
}
