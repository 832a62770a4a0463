import EnhanceCheckpoints
import EnhanceTensor

/// ESRGAN / Real-ESRGAN RRDBNet (BasicSR key layout: `conv_first`, `body.N.rdbR.convC`,
/// `conv_body`, `conv_up1`, `conv_up2`, `conv_hr`, `conv_last`).
///
/// LeakyReLU slope 0.2, dense-block residual scale 0.2. ×4 upsamples with two nearest×2 + conv
/// stages; ×2 and ×1 pixel-unshuffle the input by 2 or 4 first (Real-ESRGAN x2plus style), so
/// `conv_first` sees 12 or 48 channels. Every hyper-parameter comes from tensor shapes.
public final class RRDBNet: SuperResolutionNetwork, @unchecked Sendable {
    public let architecture = Architecture.rrdbNet
    public let scale: Int
    /// Pixel-unshuffle factor applied to the input (1, 2 or 4).
    public let unshuffle: Int
    public let numFeat: Int
    public let numGrowCh: Int
    public let numBlocks: Int
    public let layers: [LayerInfo]
    public var inputMultiple: Int { unshuffle }

    private typealias RDB = [Conv2D]  // conv1…conv5
    private let convFirst, convBody, convUp1, convUp2, convHR, convLast: Conv2D
    private let blocks: [[RDB]]       // numBlocks × 3 RDBs

    /// Builds from a BasicSR-keyed state dict; `source` names the file in errors.
    public init(_ dict: StateDict, source: String) throws {
        let r = WeightReader(dict: dict, source: source)
        let first = try r.convShape("conv_first")
        let last = try r.convShape("conv_last")
        switch first.in {
        case last.out: unshuffle = 1; scale = 4
        case last.out * 4: unshuffle = 2; scale = 2
        case last.out * 16: unshuffle = 4; scale = 1
        default:
            throw NetworkError(source, "RRDBNet conv_first has \(first.in) input channels for \(last.out) output channels; expected ×1, ×4 or ×16")
        }
        numFeat = first.out
        let nb = r.indices(prefix: "body.", suffix: ".rdb1.conv1.weight")
        guard !nb.isEmpty, nb == Array(0..<nb.count) else {
            throw NetworkError(source, "RRDBNet body blocks are not numbered 0…n-1 (found \(nb.prefix(5)))")
        }
        numBlocks = nb.count
        numGrowCh = try r.convShape("body.0.rdb1.conv1").out
        let nf = numFeat, gc = numGrowCh
        let res = 1.0 / Double(unshuffle)
        var info: [LayerInfo] = []
        convFirst = try r.conv("conv_first", k: 3)
        info.append(LayerInfo("conv_first", convFirst, resolution: res))
        var blocks: [[RDB]] = []
        for n in 0..<numBlocks {
            var rdbs: [RDB] = []
            for k in 1...3 {
                var convs: RDB = []
                for c in 1...5 {
                    let name = "body.\(n).rdb\(k).conv\(c)"
                    let conv = try r.conv(name, in: nf + (c - 1) * gc, out: c == 5 ? nf : gc, k: 3)
                    info.append(LayerInfo(name, conv, resolution: res))
                    convs.append(conv)
                }
                rdbs.append(convs)
            }
            blocks.append(rdbs)
        }
        self.blocks = blocks
        convBody = try r.conv("conv_body", in: nf, out: nf, k: 3)
        convUp1 = try r.conv("conv_up1", in: nf, out: nf, k: 3)
        convUp2 = try r.conv("conv_up2", in: nf, out: nf, k: 3)
        convHR = try r.conv("conv_hr", in: nf, out: nf, k: 3)
        convLast = try r.conv("conv_last", in: nf, k: 3)
        info.append(LayerInfo("conv_body", convBody, resolution: res))
        info.append(LayerInfo("conv_up1", convUp1, resolution: 2 * res))
        info.append(LayerInfo("conv_up2", convUp2, resolution: 4 * res))
        info.append(LayerInfo("conv_hr", convHR, resolution: 4 * res))
        info.append(LayerInfo("conv_last", convLast, resolution: 4 * res))
        layers = info
    }

    public func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?) throws -> Tensor {
        let lrelu = Activation.leakyReLU(0.2)
        let input = unshuffle == 1 ? x : pixelUnshuffle(x, unshuffle)
        let feat = convFirst(input, pool: pool)
        var trunk = feat
        for rdbs in blocks {
            try cancel.check()
            var t = trunk
            for c in rdbs {
                // Checked per conv: one RRDB on a large tile takes seconds.
                try cancel.check()
                let x1 = c[0]([t], activation: lrelu, pool: pool)
                try cancel.check()
                let x2 = c[1]([t, x1], activation: lrelu, pool: pool)
                try cancel.check()
                let x3 = c[2]([t, x1, x2], activation: lrelu, pool: pool)
                try cancel.check()
                let x4 = c[3]([t, x1, x2, x3], activation: lrelu, pool: pool)
                try cancel.check()
                t = c[4]([t, x1, x2, x3, x4], outputScale: 0.2, residual: t, pool: pool)
            }
            trunk = addScaled(trunk, t, scale: 0.2)
        }
        try cancel.check()
        var y = convBody(trunk, residual: feat, pool: pool)
        y = convUp1(upsampleNearest(y, factor: 2), activation: lrelu, pool: pool)
        try cancel.check()
        y = convUp2(upsampleNearest(y, factor: 2), activation: lrelu, pool: pool)
        try cancel.check()
        y = convHR(y, activation: lrelu, pool: pool)
        return convLast(y, pool: pool)
    }
}
