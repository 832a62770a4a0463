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

    public convenience init(_ dict: StateDict, source: String) throws {
        let r = WeightReader(dict: dict, source: source)
        try self.init(r, layout: Self.layout(r))
    }

    /// Builds the network `layout` (from ``layout(_:)`` on the same tensors) describes, folding
    /// each BatchNorm into its conv.
    init(_ r: WeightReader, layout l: NetworkLayout) throws {
        (scale, numFeat, numBlocks, layers) = (l.scale, l.numFeat, l.numBlocks, l.layers)
        let nf = l.numFeat
        var next = l.layers.makeIterator()
        head = try r.conv(next.next()!)
        headSlopes = try r.values("block1.1.weight")
        blocks = try (2..<(2 + l.numBlocks)).map { n in
            let p = "block\(n)"
            let c1 = try Self.folded(r, next.next()!, bn: p + ".bn1")
            let c2 = try Self.folded(r, next.next()!, bn: p + ".bn2")
            return (c1, try r.values(p + ".prelu.weight"), c2)
        }
        let pb = "block\(2 + l.numBlocks)", ub = "block\(3 + l.numBlocks)"
        if r.has(pb + ".1.running_mean") {
            post = try Self.folded(r, next.next()!, bn: pb + ".1")
            postAct = .identity
        } else {
            post = try r.conv(next.next()!)
            postAct = .prelu(try r.values(pb + ".1.weight"))
        }
        ups = try (0..<(l.layers.count - 3 - 2 * l.numBlocks)).map { i in
            let c = try r.conv(next.next()!)
            let s = try r.values("\(ub).\(i).prelu.weight")
            // PReLU after the shuffle: pre-shuffle channel c maps to post-shuffle channel c / 4.
            return (c, s.count == 1 ? s : (0..<(nf * 4)).map { s[min($0 / 4, s.count - 1)] })
        }
        tail = try r.conv(next.next()!)
    }

    /// Hyper-parameters and conv list from the tensor shapes alone.
    static func layout(_ r: WeightReader) throws -> NetworkLayout {
        let source = r.source
        let head = try r.conv("block1.0")
        let nf = head.outChannels
        try slopes(r, "block1.1.weight", nf)
        var info = [head]
        let res = r.indices(prefix: "block", suffix: ".conv1.weight")
        guard let firstRes = res.first, firstRes == 2, res == Array(2..<(2 + res.count)) else {
            throw NetworkError(source, "SRGAN residual blocks must be block2…blockN (found \(res))")
        }
        for n in res {
            let p = "block\(n)"
            info.append(try foldable(r, p + ".conv1", bn: p + ".bn1", nf: nf))
            info.append(try foldable(r, p + ".conv2", bn: p + ".bn2", nf: nf))
            try slopes(r, p + ".prelu.weight", nf)
        }
        let pb = "block\(2 + res.count)", ub = "block\(3 + res.count)"
        if r.has(pb + ".1.running_mean") {
            info.append(try foldable(r, pb + ".0", bn: pb + ".1", nf: nf))
        } else {
            info.append(try r.conv(pb + ".0", in: nf, out: nf))
            try slopes(r, pb + ".1.weight", nf)
        }
        let upIdx = r.indices(prefix: ub + ".", suffix: ".conv.weight")
        guard !upIdx.isEmpty, upIdx == Array(0..<upIdx.count) else {
            throw NetworkError(source, "SRGAN upsample blocks '\(ub).N.conv' not found")
        }
        var resolution = 1.0
        for i in upIdx {
            info.append(try r.conv("\(ub).\(i).conv", in: nf, out: nf * 4, resolution: resolution))
            resolution *= 2
            try slopes(r, "\(ub).\(i).prelu.weight", nf)
        }
        info.append(try r.conv("\(ub).\(upIdx.count)", in: nf, resolution: resolution))
        return NetworkLayout(scale: 1 << upIdx.count, numFeat: nf, numBlocks: res.count, inputMultiple: 1, layers: info)
    }

    /// Checks PReLU slopes: one shared value or one per channel.
    private static func slopes(_ r: WeightReader, _ key: String, _ channels: Int) throws {
        let n = try r.vectorLength(key)
        guard n == 1 || n == channels else {
            throw NetworkError(r.source, "PReLU '\(key)' has \(n) slopes; expected 1 or \(channels)")
        }
    }

    /// Checks conv `prefix` and the BatchNorm `bn` that will be folded into it.
    private static func foldable(_ r: WeightReader, _ prefix: String, bn: String, nf: Int) throws -> LayerInfo {
        let c = try r.conv(prefix, in: nf, out: nf)
        for part in [".weight", ".bias", ".running_mean", ".running_var"] { try r.vectorLength(bn + part, count: nf) }
        return c
    }

    /// Conv `layer` with BatchNorm `bn` folded in: w·γ/√(σ²+ε), (b−μ)·γ/√(σ²+ε)+β.
    private static func folded(_ r: WeightReader, _ layer: LayerInfo, bn: String) throws -> Conv2D {
        let nf = layer.outChannels, prefix = layer.name
        let g = try r.values(bn + ".weight"), b = try r.values(bn + ".bias")
        let m = try r.values(bn + ".running_mean"), v = try r.values(bn + ".running_var")
        let per = layer.inChannels * layer.kernelSize * layer.kernelSize
        var w = try r.values(prefix + ".weight")
        var bias = r.has(prefix + ".bias") ? try r.values(prefix + ".bias") : [Float](repeating: 0, count: nf)
        for o in 0..<nf {
            let s = g[o] / (v[o] + 1e-5).squareRoot()
            for i in 0..<per { w[o * per + i] *= s }
            bias[o] = (bias[o] - m[o]) * s + b[o]
        }
        return Conv2D(weight: w, bias: bias, inChannels: layer.inChannels, outChannels: nf,
                      kernelSize: layer.kernelSize)
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
