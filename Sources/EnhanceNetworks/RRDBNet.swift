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
    /// Low-resolution rows per strip of the upsampling tail; nil: ``StripedTail/rows(width:pixels:minimum:)``.
    /// Any value gives the same result (tests set small ones).
    public var tailStripRows: Int?

    private typealias RDB = [Conv2D]  // conv1…conv5
    private let convFirst, convBody, convUp1, convUp2, convHR, convLast: Conv2D
    private let blocks: [[RDB]]       // numBlocks × 3 RDBs
    /// The trunk, `conv_body` and the upsampling convs (all but `conv_first` and `conv_last`) run
    /// channel-packed (F(6×6) on 16-channel vectors, ``Conv2D/packed16(_:activation:outputScale:residual:pool:)``)
    /// when all their widths allow (RealESRGAN's: 64 features, 32 growth).
    private let packed: Bool

    /// Builds from a BasicSR-keyed state dict; `source` names the file in errors.
    public convenience init(_ dict: StateDict, source: String) throws {
        let r = WeightReader(dict: dict, source: source)
        try self.init(r, layout: Self.layout(r))
    }

    /// Builds the network `layout` (from ``layout(_:)`` on the same tensors) describes; every conv
    /// is built in parallel.
    init(_ r: WeightReader, layout l: NetworkLayout) throws {
        (scale, unshuffle, numFeat, numBlocks, layers) = (l.scale, l.inputMultiple, l.numFeat, l.numBlocks, l.layers)
        numGrowCh = l.growChannels ?? 0
        let trunk = l.layers.dropFirst().dropLast()
        packed = r.packed16(Array(trunk))
        let all = try r.convs(l.layers, packed: packed ? Set(trunk.map(\.name)) : [])
        convFirst = all[0]
        let tail = Array(all.suffix(5))
        (convBody, convUp1, convUp2, convHR, convLast) = (tail[0], tail[1], tail[2], tail[3], tail[4])
        blocks = (0..<l.numBlocks).map { n in
            (0..<3).map { k in Array(all[(1 + n * 15 + k * 5)..<(1 + n * 15 + k * 5 + 5)]) }
        }
    }

    /// Hyper-parameters and conv list (in execution order) from the tensor shapes alone.
    static func layout(_ r: WeightReader) throws -> NetworkLayout {
        let source = r.source
        let first = try r.convShape("conv_first")
        let last = try r.convShape("conv_last")
        let unshuffle: Int, scale: Int
        switch first.in {
        case last.out: (unshuffle, scale) = (1, 4)
        case last.out * 4: (unshuffle, scale) = (2, 2)
        case last.out * 16: (unshuffle, scale) = (4, 1)
        default:
            throw NetworkError(source, "RRDBNet conv_first has \(first.in) input channels for \(last.out) output "
                               + "channels; expected ×1, ×4 or ×16")
        }
        let nf = first.out
        let nb = r.indices(prefix: "body.", suffix: ".rdb1.conv1.weight")
        guard !nb.isEmpty, nb == Array(0..<nb.count) else {
            throw NetworkError(source, "RRDBNet body blocks are not numbered 0…n-1 (found \(nb.prefix(5)))")
        }
        let gc = try r.convShape("body.0.rdb1.conv1").out
        let res = 1.0 / Double(unshuffle)
        var layers = [try r.conv("conv_first", k: 3, resolution: res)]
        for n in 0..<nb.count { for k in 1...3 { for c in 1...5 {
            layers.append(try r.conv("body.\(n).rdb\(k).conv\(c)", in: nf + (c - 1) * gc, out: c == 5 ? nf : gc, k: 3,
                                     resolution: res))
        } } }
        for (name, f) in [("conv_body", 1.0), ("conv_up1", 2), ("conv_up2", 4), ("conv_hr", 4)] {
            layers.append(try r.conv(name, in: nf, out: nf, k: 3, resolution: f * res))
        }
        layers.append(try r.conv("conv_last", in: nf, k: 3, resolution: 4 * res))
        return NetworkLayout(scale: scale, numFeat: nf, numBlocks: nb.count, growChannels: gc,
                             inputMultiple: unshuffle, layers: layers)
    }

    public func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?) throws -> Tensor {
        try validateInput(x)
        let lrelu = Activation.leakyReLU(0.2)
        let input = unshuffle == 1 ? x : pixelUnshuffle(x, unshuffle)
        let feat = convFirst(input, pool: pool)
        // Cancellation is checked per conv: one RRDB on a large tile takes seconds.
        func conv(_ c: Conv2D, _ xs: [Tensor], _ act: Activation, scale: Float = 1, residual: Tensor? = nil)
            throws -> Tensor {
            try cancel.check()
            return c(xs, activation: act, outputScale: scale, residual: residual, pool: pool)
        }
        // The trunk's input in the trunk's layout (the residual of `conv_body`).
        let start = packed ? Packed16.pack(feat, pool: pool) : feat
        var trunk = start
        for rdbs in blocks {
            try cancel.check()
            var t = trunk
            for c in rdbs {
                let x1 = try conv(c[0], [t], lrelu)
                let x2 = try conv(c[1], [t, x1], lrelu)
                let x3 = try conv(c[2], [t, x1, x2], lrelu)
                let x4 = try conv(c[3], [t, x1, x2, x3], lrelu)
                t = try conv(c[4], [t, x1, x2, x3, x4], .identity, scale: 0.2, residual: t)
            }
            trunk = addScaled(trunk, t, scale: 0.2, pool: pool)
        }
        let y = try conv(convBody, [trunk], .identity, residual: start)
        func up(_ c: Conv2D, _ x: Tensor) throws -> Tensor {
            try conv(c, [upsampleNearest(x, factor: 2, pool: pool)], lrelu)
        }
        // The ×4 tail runs on strips of rows: its 16×-resolution activations would otherwise be
        // most of the memory of a tile (and bound the tile size); it is 8 % of the work, so strips
        // are thin (about 4096 low-resolution pixels), aligned to the tail's Winograd tiles.
        let rows = tailStripRows ?? StripedTail.rows(width: y.width)
        return try StripedTail.run(height: y.height, scale: 4, halo: 2, stripRows: rows, align: packed ? 3 : 2,
                                   cancel: cancel) { r in
            let strip = y.rows(r)
            let u = try conv(convHR, [up(convUp2, up(convUp1, strip))], lrelu)
            return convLast(packed ? Packed16.unpack(u, pool: pool) : u, pool: pool)
        }
    }

    /// The body's peak, the tail running in strips of ``StripedTail`` rows (a fixed cost): the
    /// trunk, block input, residual and output (4·nf, plus one nf of headroom) and the growing dense
    /// inputs (4·gc), at the body's resolution (Winograd transforms live in fixed per-worker
    /// scratch). Measured on RealESRGAN_x4plus (nf 64, gc 32), peak RSS of `enhance upscale`
    /// 384² minus 128² untiled: 1.52 KB per input pixel, this estimate 1.79 KB.
    public var peakFloatsPerInputPixel: Double {
        let res = 1 / Double(unshuffle)
        return Double(5 * numFeat + 4 * numGrowCh) * res * res
    }
}
