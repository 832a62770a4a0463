import EnhanceCheckpoints
import EnhanceTensor

/// BasicSR MSRResNet / SRResNet: `conv_first` + LeakyReLU 0.1, `body.N` residual blocks
/// (conv1, ReLU, conv2, residual scale 1), `upconv1` (+ `upconv2` for ×4) each followed by pixel
/// shuffle and LeakyReLU 0.1, `conv_hr` + LeakyReLU 0.1, `conv_last`, plus the bilinear
/// (align_corners=False) upsampled input. Scales 2, 3 and 4.
public final class MSRResNet: SuperResolutionNetwork, @unchecked Sendable {
    public let architecture = Architecture.msrResNet
    public let scale: Int
    public let numFeat: Int
    public let numBlocks: Int
    public let layers: [LayerInfo]
    /// Low-resolution rows per strip of the upsampling tail; nil: ``StripedTail/rows(width:pixels:minimum:)``.
    /// Any value gives the same result (tests set small ones).
    public var tailStripRows: Int?
    public var inputMultiple: Int { 1 }

    private let convFirst, convHR, convLast: Conv2D
    private let body: [(Conv2D, Conv2D)]
    /// The body runs channel-packed with F(6×6) (as RRDBNet's trunk) when its width allows.
    private let packedBody: Bool
    private let upconvs: [(Conv2D, Int)]  // conv, pixel-shuffle factor

    public convenience init(_ dict: StateDict, source: String) throws {
        let r = WeightReader(dict: dict, source: source)
        try self.init(r, layout: Self.layout(r))
    }

    /// Builds the network `layout` (from ``layout(_:)`` on the same tensors) describes.
    init(_ r: WeightReader, layout l: NetworkLayout) throws {
        (scale, numFeat, numBlocks, layers) = (l.scale, l.numFeat, l.numBlocks, l.layers)
        let bodyLayers = l.layers[1..<(1 + 2 * l.numBlocks)]
        packedBody = r.packed16(Array(bodyLayers))
        let all = try r.convs(l.layers, packed: packedBody ? Set(bodyLayers.map(\.name)) : [])
        convFirst = all[0]
        body = (0..<l.numBlocks).map { (all[1 + 2 * $0], all[2 + 2 * $0]) }
        let factors = l.scale == 4 ? [2, 2] : [l.scale]
        upconvs = Array(zip(all[(1 + 2 * l.numBlocks)...].prefix(factors.count), factors))
        (convHR, convLast) = (all[all.count - 2], all[all.count - 1])
    }

    /// Hyper-parameters and conv list from the tensor shapes alone.
    static func layout(_ r: WeightReader) throws -> NetworkLayout {
        let source = r.source
        let first = try r.conv("conv_first", k: 3)
        let nf = first.outChannels
        var info = [first]
        let nb = r.indices(prefix: "body.", suffix: ".conv1.weight")
        guard nb == Array(0..<nb.count) else {
            throw NetworkError(source, "MSRResNet body blocks are not numbered 0…n-1")
        }
        for n in nb {
            info.append(try r.conv("body.\(n).conv1", in: nf, out: nf, k: 3))
            info.append(try r.conv("body.\(n).conv2", in: nf, out: nf, k: 3))
        }
        let up1 = try r.conv("upconv1", in: nf, k: 3)
        var ups: [(LayerInfo, Int)]
        let scale: Int
        if r.has("upconv2.weight") {
            let up2 = try r.conv("upconv2", in: nf, out: nf * 4, k: 3)
            guard up1.outChannels == nf * 4 else {
                throw NetworkError(source, "MSRResNet upconv1 has \(up1.outChannels) outputs, expected \(nf * 4) for ×4")
            }
            ups = [(up1, 2), (up2, 2)]
            scale = 4
        } else if up1.outChannels == nf * 4 || up1.outChannels == nf * 9 {
            scale = up1.outChannels == nf * 4 ? 2 : 3
            ups = [(up1, scale)]
        } else {
            throw NetworkError(source, "MSRResNet upconv1 has \(up1.outChannels) outputs for \(nf) features; "
                               + "expected 4× or 9×")
        }
        var res = 1.0
        for i in ups.indices {
            ups[i].0.resolution = res
            info.append(ups[i].0)
            res *= Double(ups[i].1)
        }
        info.append(try r.conv("conv_hr", in: nf, out: nf, k: 3, resolution: res))
        info.append(try r.conv("conv_last", in: nf, k: 3, resolution: res))
        return NetworkLayout(scale: scale, numFeat: nf, numBlocks: nb.count, inputMultiple: 1, layers: info)
    }

    public func forward(_ x: Tensor, pool: ThreadPool, cancel: CancellationToken?) throws -> Tensor {
        try validateInput(x)
        let lrelu = Activation.leakyReLU(0.1)
        var feat = convFirst(x, activation: lrelu, pool: pool)
        if packedBody { feat = Packed16.pack(feat, pool: pool) }
        for (c1, c2) in body {
            try cancel.check()
            feat = c2(c1(feat, activation: .relu, pool: pool), residual: feat, pool: pool)
        }
        if packedBody { feat = Packed16.unpack(feat, pool: pool) }
        try cancel.check()
        // The upsampling tail runs on strips of rows (its high-resolution activations would
        // otherwise dominate a tile's memory); a halo of 2 rows covers its convs and the bilinear.
        // Most of MSRResNet's work is in the tail, so strips are taller (halo cost ≤ 12 %).
        let rows = tailStripRows ?? StripedTail.rows(width: feat.width, pixels: 16384, minimum: 32)
        return try StripedTail.run(height: feat.height, scale: scale, halo: 2, stripRows: rows,
                                   cancel: cancel) { r in
            var t = feat.rows(r)
            for (c, f) in upconvs {
                // LeakyReLU commutes with the pixel shuffle, so it is fused into the conv.
                t = pixelShuffle(c(t, activation: lrelu, pool: pool), f)
            }
            t = convHR(t, activation: lrelu, pool: pool)
            return convLast(t, residual: upsampleBilinear(x.rows(r), factor: scale, pool: pool), pool: pool)
        }
    }

    /// The body's peak (the tail runs in strips, a fixed cost): features, the residual branch and
    /// the output, with a wide margin (9·nf floats). Measured on the bundled nf-32 model (RSS of
    /// `enhance upscale` 768² minus 128², untiled) about 2.7·nf plus the output image; a tighter
    /// 4·nf let the streamed 4000×3000 export grow from 762 to 876 MiB, past its tile budget.
    public var peakFloatsPerInputPixel: Double { Double(numFeat) * 9 }
}
