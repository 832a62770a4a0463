import Foundation
import EnhanceCheckpoints
import EnhanceTensor

/// SRGAN generator in the leftthomas/SRGAN layout.
///
/// `block1` = conv 9×9 + PReLU; `block2…block(n+1)` residual blocks conv–BN–PReLU–conv–BN;
/// the next block is conv + BN (or conv + PReLU in early checkpoints) added to `block1`'s output;
/// the last block holds `log2(scale)` upsample blocks (conv, pixel shuffle ×2, PReLU) and a 9×9
/// conv. Output is `(tanh(x) + 1) / 2`. BatchNorm (running stats, eps 1e-5) is folded into the
/// preceding conv at load time.
public final class SRGANGenerator: SuperResolutionNetwork, @unchecked Sendable {
    public let architecture = Architecture.srganGenerator
    public let scale: Int
    public let numFeat: Int
    public let numBlocks: Int
    public let layers: [LayerInfo]
    public var inputMultiple: Int { 1 }

    private let head: Conv2D
    private let headSlopes: [Float]
    private let blocks: [(Conv2D, [Float], Conv2D)]
    private let post: Conv2D
    private let postAct: Activation
    private let ups: [(Conv2D, [Float])]
    private let tail: Conv2D

    /// Builds from a canonically keyed state dict; `source` names the file in errors.
    public convenience init(_ dict: StateDict, source: String) throws {
        try self.init(reading: WeightReader(dict: dict, source: source))
    }

    /// Builds from whatever `r` reads (a state dict, or a blend of two).
    init(reading r: WeightReader) throws {
        let source = r.source
        head = try r.conv("block1.0")
        let nf = head.outChannels
        numFeat = nf
        headSlopes = try Self.slopes(r, "block1.1.weight", nf)
        var info = [LayerInfo("block1.0", head, resolution: 1)]
        let res = r.indices(prefix: "block", suffix: ".conv1.weight")
        guard let firstRes = res.first, firstRes == 2, res == Array(2..<(2 + res.count)) else {
            throw NetworkError(source, "SRGAN residual blocks must be block2…blockN (found \(res))")
        }
        numBlocks = res.count
        blocks = try res.map { n in
            let p = "block\(n)"
            let c1 = try Self.folded(r, p + ".conv1", bn: p + ".bn1", nf: nf)
            let c2 = try Self.folded(r, p + ".conv2", bn: p + ".bn2", nf: nf)
            info.append(LayerInfo(p + ".conv1", c1, resolution: 1))
            info.append(LayerInfo(p + ".conv2", c2, resolution: 1))
            return (c1, try Self.slopes(r, p + ".prelu.weight", nf), c2)
        }
        let pb = "block\(2 + res.count)", ub = "block\(3 + res.count)"
        if r.has(pb + ".1.running_mean") {
            post = try Self.folded(r, pb + ".0", bn: pb + ".1", nf: nf)
            postAct = .identity
        } else {
            post = try r.conv(pb + ".0", in: nf, out: nf)
            postAct = .prelu(try Self.slopes(r, pb + ".1.weight", nf))
        }
        info.append(LayerInfo(pb + ".0", post, resolution: 1))
        let upIdx = r.indices(prefix: ub + ".", suffix: ".conv.weight")
        guard !upIdx.isEmpty, upIdx == Array(0..<upIdx.count) else {
            throw NetworkError(source, "SRGAN upsample blocks '\(ub).N.conv' not found")
        }
        var resolution = 1.0
        ups = try upIdx.map { i in
            let c = try r.conv("\(ub).\(i).conv", in: nf, out: nf * 4)
            info.append(LayerInfo("\(ub).\(i).conv", c, resolution: resolution))
            resolution *= 2
            let s = try Self.slopes(r, "\(ub).\(i).prelu.weight", nf)
            // PReLU after the shuffle: pre-shuffle channel c maps to post-shuffle channel c / 4.
            return (c, s.count == 1 ? s : (0..<(nf * 4)).map { s[min($0 / 4, s.count - 1)] })
        }
        scale = 1 << upIdx.count
        tail = try r.conv("\(ub).\(upIdx.count)", in: nf)
        info.append(LayerInfo("\(ub).\(upIdx.count)", tail, resolution: resolution))
        layers = info
    }

    /// PReLU slopes: one shared value or one per channel.
    private static func slopes(_ r: WeightReader, _ key: String, _ channels: Int) throws -> [Float] {
        let s = try r.vector(key)
        guard s.count == 1 || s.count == channels else {
            throw NetworkError(r.source, "PReLU '\(key)' has \(s.count) slopes; expected 1 or \(channels)")
        }
        return s
    }

    /// Conv `prefix` with BatchNorm `bn` folded in: w·γ/√(σ²+ε), (b−μ)·γ/√(σ²+ε)+β. Folding is not
    /// linear in the parameters, so a blend folds the blended parameters (packed here, eagerly).
    private static func folded(_ r: WeightReader, _ prefix: String, bn: String, nf: Int) throws -> Conv2D {
        let s = try r.convShape(prefix, in: nf, out: nf, k: nil)
        var w = try r.tensor(prefix + ".weight").values
        var bias = r.has(prefix + ".bias") ? try r.vector(prefix + ".bias", count: nf)
            : [Float](repeating: 0, count: nf)
        let g = try r.vector(bn + ".weight", count: nf), b = try r.vector(bn + ".bias", count: nf)
        let m = try r.vector(bn + ".running_mean", count: nf), v = try r.vector(bn + ".running_var", count: nf)
        let per = nf * s.k * s.k
        for o in 0..<nf {
            let scale = g[o] / (v[o] + 1e-5).squareRoot()
            for i in 0..<per { w[o * per + i] *= scale }
            bias[o] = (bias[o] - m[o]) * scale + b[o]
        }
        return Conv2D(weight: w, bias: bias, inChannels: nf, outChannels: nf, kernelSize: s.k)
    }

    public func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?) throws -> Tensor {
        try validateInput(x)
        let b1 = head(x, activation: .prelu(headSlopes), pool: pool)
        var feat = b1
        for (c1, s, c2) in blocks {
            try cancel.check()
            feat = c2(c1(feat, activation: .prelu(s), pool: pool), residual: feat, pool: pool)
        }
        feat = post(feat, activation: postAct, residual: b1, pool: pool)
        for (c, s) in ups {
            try cancel.check()
            feat = pixelShuffle(c(feat, activation: .prelu(s), pool: pool), 2)
        }
        try cancel.check()
        var y = tail(feat, pool: pool)
        for i in 0..<y.data.count { y.data[i] = (tanhf(y.data[i]) + 1) * 0.5 }
        return y
    }
}
