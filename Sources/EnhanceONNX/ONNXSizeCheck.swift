import EnhanceCheckpoints
import EnhanceTensor

/// What a graph exported with a fixed input size computes at other sizes
/// (``ONNXProgram/probeFixedSize(pool:)``).
///
/// A static export folds its shape arithmetic at the declared size into constants; many graphs have
/// none that depend on it (convolutions, element-wise ops, pixel shuffles, global pools) and compute
/// at any size what they compute at that one. The rule, from a dry pass at the declared size `H × W`
/// and one at a second size (each side below the declared one where the graph allows, with sides
/// multiples of the smallest of 1, 2, 4 … 32 at which it runs):
///
/// 1. The second pass runs and its output is the second size times the scale of the first.
/// 2. The axes whose length differs between the passes follow the input size; their lengths in the
///    first pass, with `H`, `W`, `H·s`, `W·s`, `H·W` and `H·W·s²`, are the *sizes*. An operand that a
///    per-call node reads from the constants or the shape subgraphs, where it is the same in both
///    passes (folded, not recomputed per size), must not hold one:
///    - an integer operand (a `Reshape`, `Expand`, `Tile`, `Pad` or `Resize` size …) holds no size,
///      and a `Resize` has no fixed `sizes` at all (axis lists are exempt);
///    - a `Slice` bound on an axis that follows the size is 0, counted from the end, or past any
///      axis (≥ 2³¹); a bound at or past the axis' length there (a crop that is whole there) lets
///      the graph run at sizes up to the declared one (``Reach/upToDeclared``); any other bound,
///      and any fixed position a `Gather`, `ScatterND` or `Split` takes along such an axis, is a
///      position that may have been counted from the size;
///    - a float scalar and its reciprocal are none of `H`, `W`, `H·s`, `W·s`, `H·W`, `H·W·s²` (a
///      mean written as a sum divided by the pixel count).
///
/// Float tensors need no rule: one whose axis lines up with an axis that follows the size does
/// not broadcast (nor multiply, nor concatenate) at the second size, which fails rule 1. A graph
/// that passes computes at the second size what its folded constants say, none of which is a size:
/// what a dynamic export of the same module would. The rule errs towards refusing (a channel
/// count equal to a size refuses a graph that would have run), never the other way that we know of.
public struct ONNXSizeCheck: Sendable, Equatable {
    /// Where the graph computes what it computes at its declared size.
    public enum Reach: Sendable, Equatable {
        /// At any size whose sides are multiples of ``ONNXSizeCheck/sideMultiple``.
        case anySize
        /// At sizes no larger than the declared one on either side (a crop that is whole there).
        case upToDeclared
        /// Only at the declared size: it runs in windows of that size.
        case declaredOnly
    }

    /// The declared input height and width.
    public let height: Int, width: Int
    public let reach: Reach
    /// Input sides must be multiples of this at other sizes (1 when ``reach`` is `declaredOnly`).
    public let sideMultiple: Int
    /// Why, as a clause: `no node depends on it`, or the node that holds the size and how.
    public let reason: String
    /// The second size the graph ran at (0 × 0 when it ran at none).
    public var secondHeight = 0, secondWidth = 0

    /// Where it computes the same, as a clause: `runs at any size: no node depends on it`.
    public var reachText: String {
        switch reach {
        case .anySize: "runs at any size\(sideMultiple > 1 ? " (sides multiples of \(sideMultiple))" : ""): \(reason)"
        case .upToDeclared: "runs at sizes up to it: \(reason)"
        case .declaredOnly: "runs only at it: \(reason)"
        }
    }

    /// The `fixed input size` row of `models inspect` for a file that runs as its graph:
    /// `128×128 in the file; runs at any size: no node depends on it`, or `128×128, run in windows: …`.
    public var summary: String {
        let size = "\(width)×\(height)"
        switch reach {
        case .anySize: return "\(size) in the file; \(reachText)"
        case .upToDeclared: return "\(size), run in windows; \(reachText)"
        case .declaredOnly: return "\(size), run in windows: \(reason)"
        }
    }
}

/// One dry pass as the size check reads it: for each per-call node, its inputs' and outputs'
/// shapes and the small operands it reads from constants or shape subgraphs (integers, float scalars).
struct SizeTrace {
    var inputs: [Int: [[Int]?]] = [:]
    var outputs: [Int: [[Int]]] = [:]
    var operands: [Int: [Int: ONNXTensor]] = [:]
}

extension ONNXProgram {
    /// For a graph that declares a fixed input size, its dry probe at that size
    /// (``probe(height:width:pool:)``) and what it computes at other sizes (``ONNXSizeCheck``); nil
    /// for a graph with dynamic axes.
    public func probeFixedSize(pool: ThreadPool = ThreadPool(threads: 1)) throws
        -> (probe: ONNXProbe, check: ONNXSizeCheck)? {
        guard let (h, w) = fixedSize else { return nil }
        let folded = foldedValues()
        var declared = SizeTrace()
        let p = try probe(height: h, width: w, pool: pool) { self.record(&declared, $0, $1, $2, folded) }
        let scale = p.output.count == 4 ? max(1, p.output[2] / h) : 1
        var failure: String?
        for m in [1, 2, 4, 8, 16, 32] {
            let (sh, sw) = Self.secondSize(multiple: m, height: h, width: w)
            var other = SizeTrace()
            do {
                let y = try run(Tensor(channels: 3, height: sh, width: sw), pool: pool, dry: true,
                                trace: { self.record(&other, $0, $1, $2, folded) }, free: nil)
                guard p.output.count == 4, y.channels == p.output[1], y.height == sh * scale,
                      y.width == sw * scale else {
                    failure = failure ?? "at \(sw)×\(sh) its output is \(y.width)×\(y.height), not "
                        + "\(sw * scale)×\(sh * scale)"
                    continue
                }
            } catch {
                let text = "\(error)", prefix = model.path + ": "
                let problem = text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
                failure = failure ?? "it fails at \(sw)×\(sh) (\(problem))"
                continue
            }
            let (reach, why) = compare(declared, other, height: h, width: w, scale: scale)
            return (p, ONNXSizeCheck(height: h, width: w, reach: reach, sideMultiple: reach == .declaredOnly ? 1 : m,
                                     reason: why, secondHeight: sh, secondWidth: sw))
        }
        return (p, ONNXSizeCheck(height: h, width: w, reach: .declaredOnly, sideMultiple: 1, reason: failure ?? ""))
    }

    /// The second size for side multiple `m`: `m·k × m·(k+2)` (`k` odd, at least 3), below the
    /// declared sides (up to 24 px) where that fits, else about 24 px and not equal to them.
    static func secondSize(multiple m: Int, height h: Int, width w: Int) -> (Int, Int) {
        var k = min(24, min(h, w) - 1) / m - 2
        if k % 2 == 0 { k -= 1 }
        if k >= 3 { return (m * k, m * (k + 2)) }
        k = max(3, ((24 + m - 1) / m) | 1)
        while m * k == h || m * (k + 2) == w { k += 2 }
        return (m * k, m * (k + 2))
    }

    /// The names of the values not computed per call: initializers, folded constants, and the
    /// outputs of the shape subgraphs.
    func foldedValues() -> Set<String> {
        var names = Set(constants.keys)
        for i in order where kinds[i] == .sized { names.formUnion(model.nodes[i].outputs) }
        return names
    }

    /// Adds node `i`'s pass to `t` when it runs per call.
    func record(_ t: inout SizeTrace, _ i: Int, _ ins: [ONNXTensor?], _ outs: [ONNXTensor], _ folded: Set<String>) {
        guard kinds[i] == .dynamic else { return }
        t.inputs[i] = ins.map { $0?.shape }
        t.outputs[i] = outs.map(\.shape)
        let names = fusions[i]?.inputs ?? model.nodes[i].inputs  // a fused chain's inputs at its last node
        for (j, name) in names.enumerated() where j < ins.count && folded.contains(name) {
            guard let v = ins[j], v.isFloat ? v.count == 1 : v.count <= 4096 else { continue }
            t.operands[i, default: [:]][j] = v
        }
    }
}
