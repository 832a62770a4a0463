import EnhanceCheckpoints
import EnhanceTensor

/// SRGAN generator in the leftthomas/SRGAN layout.
///
/// `block1` = conv 9×9 + PReLU; `block2…block(n+1)` residual blocks conv–BN–PReLU–conv–BN;
/// the next block is conv + BN (or conv + PReLU in early checkpoints) added to `block1`'s output;
/// the last block holds `log2(scale)` upsample blocks (conv, pixel shuffle ×2, PReLU) and a 9×9
/// conv. Output is `(tanh(x) + 1) / 2`. BatchNorm (running stats, eps 1e-5) is folded into the
/// preceding conv once its parameters are read (after blending, for a blend).
enum SRGAN: NetworkArchitecture {
    static let name = "SRGAN"
    static let canonicalLayout = "leftthomas"
    static let detection = KeyCondition.all([.has("block1.0.weight"), .has("block2.conv1.weight")])

    struct Config: ArchitectureConfig {
        var numFeat: Int
        var numBlocks: Int
        /// Pixel-shuffle ×2 upsample blocks.
        var upsamplings: Int
        /// Whether the block after the residual blocks is conv + BatchNorm (else conv + PReLU).
        var postBatchNorm: Bool
        /// Kernel sizes of the head and tail convs (9) and of the body's (3).
        var headKernel, bodyKernel, tailKernel: Int

        var scale: Int { 1 << upsamplings }
        var hyperParameters: [(name: String, value: Int)] { [("num_feat", numFeat), ("blocks", numBlocks)] }
        /// The largest layer's input plus twice its output, at its resolution: the last upsampling
        /// conv's (nf in, 4·nf out) or the tail's.
        var peakFloatsPerInputPixel: Double {
            let last = Double(1 << (2 * (upsamplings - 1)))
            return max(Double(9 * numFeat) * last, Double(numFeat + 6) * Double(scale * scale))
        }
    }

    static func config(_ r: ShapeReader) throws -> Config {
        let head = try r.convShape("block1.0")
        try r.requireRGB(head.in, "block1.0")
        let n = try r.consecutive(prefix: "block", suffix: ".conv1.weight", from: 2, what: "SRGAN residual blocks")
        let ub = "block\(3 + n)"
        let ups = r.indices(prefix: ub + ".", suffix: ".conv.weight")
        guard !ups.isEmpty, ups == Array(0..<ups.count) else {
            throw NetworkError(r.source, "SRGAN upsample blocks '\(ub).N.conv' not found")
        }
        return Config(numFeat: head.out, numBlocks: n, upsamplings: ups.count,
                      postBatchNorm: r.has("block\(2 + n).1.running_mean"), headKernel: head.k,
                      bodyKernel: try r.convShape("block2.conv1").k,
                      tailKernel: try r.convShape("\(ub).\(ups.count)").k)
    }

    static func makeNetwork(_ config: Config, _ scope: Scope) throws -> any NetworkBody {
        try Network(config, scope)
    }

    /// conv–BN–PReLU–conv–BN with the input added.
    struct ResidualBlock {
        let conv1, conv2: Conv
        let slopes: [Float]

        init(_ s: Scope, nf: Int, k: Int) throws {
            conv1 = try s.conv("conv1", in: nf, out: nf, k: k, batchNorm: s["bn1"])
            slopes = try s["prelu"].vector("weight", count: nf, shared: true)
            conv2 = try s.conv("conv2", in: nf, out: nf, k: k, batchNorm: s["bn2"])
        }

        func callAsFunction(_ x: Tensor, pool: ThreadPool) -> Tensor {
            conv2(conv1(x, activation: .prelu(slopes), pool: pool), residual: x, pool: pool)
        }
    }

    final class Network: NetworkBody, @unchecked Sendable {
        let head: Conv
        let headSlopes: [Float]
        let blocks: [ResidualBlock]
        let post: Conv
        let postActivation: Activation
        /// Upsample convs with the PReLU slopes of their pre-shuffle channels.
        let ups: [(Conv, [Float])]
        let tail: Conv

        init(_ c: Config, _ s: Scope) throws {
            let nf = c.numFeat, n = c.numBlocks
            head = try s["block1"].conv("0", in: 3, out: nf, k: c.headKernel)
            headSlopes = try s["block1"]["1"].vector("weight", count: nf, shared: true)
            blocks = try (2..<(2 + n)).map { try ResidualBlock(s["block\($0)"], nf: nf, k: c.bodyKernel) }
            let pb = s["block\(2 + n)"], ub = s["block\(3 + n)"]
            if c.postBatchNorm {
                post = try pb.conv("0", in: nf, out: nf, k: c.bodyKernel, batchNorm: pb["1"])
                postActivation = .identity
            } else {
                post = try pb.conv("0", in: nf, out: nf, k: c.bodyKernel)
                postActivation = .prelu(try pb["1"].vector("weight", count: nf, shared: true))
            }
            var res = 1.0
            ups = try (0..<c.upsamplings).map { i in
                let conv = try ub[i].conv("conv", in: nf, out: nf * 4, k: c.bodyKernel, resolution: res)
                res *= 2
                let s = try ub[i]["prelu"].vector("weight", count: nf, shared: true)
                // PReLU after the shuffle: pre-shuffle channel c maps to post-shuffle channel c / 4.
                return (conv, s.count == 1 ? s : (0..<(nf * 4)).map { s[$0 / 4] })
            }
            tail = try ub.conv(String(c.upsamplings), in: nf, out: 3, k: c.tailKernel, resolution: res)
        }

        func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                     options: ForwardOptions) throws -> Tensor {
            let b1 = head(x, activation: .prelu(headSlopes), pool: pool)
            var feat = b1
            for block in blocks {
                try cancel.check()
                feat = block(feat, pool: pool)
            }
            feat = post(feat, activation: postActivation, residual: b1, pool: pool)
            for (c, s) in ups {
                try cancel.check()
                feat = pixelShuffle(c(feat, activation: .prelu(s), pool: pool), 2)
            }
            try cancel.check()
            // (tanh(y) + 1) / 2: tanh and the halving fused into the conv, then + 0.5.
            return binary(tail(feat, activation: .tanh, outputScale: 0.5, pool: pool), scalar: 0.5, .add, pool: pool)
        }
    }
}
