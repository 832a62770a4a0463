import EnhanceTensor

/// The reconstruction module of the transformer families (spandrel's `upsampler` string), after
/// `conv_after_body`.
enum TransformerUpsampler: String, Sendable {
    /// `conv_before_upsample.0` (3×3 to `num_feat`, LeakyReLU 0.01), ×2ⁿ or ×3 pixel-shuffle
    /// stages (`upsample.0`, `upsample.2`, …), `conv_last`.
    case pixelShuffle = "pixelshuffle"
    /// `upsample.0`: one 3×3 conv to `3·s²`, pixel-shuffled by `s` (the lightweight models).
    case pixelShuffleDirect = "pixelshuffledirect"
    /// `conv_before_upsample`, then per ×2 a nearest upsampling and `conv_upN` (LeakyReLU 0.2),
    /// `conv_hr` (LeakyReLU 0.2), `conv_last` (the real-world models).
    case nearestConv = "nearest+conv"
    /// `conv_last` added to the (normalised) input: ×1 denoising and JPEG artefact removal.
    case none = ""

    /// The pixel-shuffle or nearest-upsampling factors of a tail of `scale` (×3: one 3, else 2s).
    func factors(scale: Int) -> [Int] {
        switch self {
        case .pixelShuffle: scale == 3 ? [3] : Array(repeating: 2, count: scale.trailingZeroBitCount)
        case .pixelShuffleDirect: [scale]
        case .nearestConv: Array(repeating: 2, count: scale.trailingZeroBitCount)
        case .none: []
        }
    }
}

/// The convolution(s) before a residual connection (a residual group's `conv`, `conv_after_body`):
/// `1conv`, one 3×3; `3conv`, 3×3 to dim/4, LeakyReLU 0.2, 1×1, LeakyReLU 0.2, 3×3 back to dim
/// (`.0`, `.2`, `.4`). CHW.
struct ResidualConv {
    let convs: [Conv]

    init(_ s: Scope, _ leaf: String, dim: Int, threeConv: Bool) throws {
        if threeConv {
            let q = dim / 4, b = s[leaf]
            convs = [try b.conv("0", in: dim, out: q, k: 3), try b.conv("2", in: q, out: q, k: 1),
                     try b.conv("4", in: q, out: dim, k: 3)]
        } else {
            convs = [try s.conv(leaf, in: dim, out: dim, k: 3)]
        }
    }

    /// CHW `[dim, H, W]` through the conv(s), `residual` added.
    func callAsFunction(_ x: Tensor, residual: Tensor? = nil, pool: ThreadPool) -> Tensor {
        var h = x
        for conv in convs.dropLast() { h = conv(h, activation: .leakyReLU(0.2), pool: pool) }
        return convs.last!(h, residual: residual, pool: pool)
    }
}

/// The reconstruction module's convolutions (``TransformerUpsampler``), all CHW, from `dim` trunk
/// features at the input's resolution.
struct TransformerTail {
    let upsampler: TransformerUpsampler
    /// `conv_before_upsample.0` (pixelshuffle, nearest+conv).
    let before: Conv?
    /// `upsample.0, .2, …` (pixelshuffle), `upsample.0` (pixelshuffledirect), `conv_up1…` (nearest+conv).
    let ups: [Conv]
    /// Their factors (2 or 3; the direct upsampler's one factor is the scale).
    let factors: [Int]
    /// `conv_hr` (nearest+conv).
    let hr: Conv?
    /// `conv_last` (all but pixelshuffledirect).
    let last: Conv?

    /// The tail of `upsampler` with these `factors` (``TransformerUpsampler/factors(scale:)``, or
    /// the stages a checkpoint holds; none for a ×1 pixelshuffle tail).
    init(_ s: Scope, _ upsampler: TransformerUpsampler, dim: Int, numFeat nf: Int, factors: [Int]) throws {
        self.upsampler = upsampler
        self.factors = factors
        var before: Conv?, ups: [Conv] = [], hr: Conv?, last: Conv?
        switch upsampler {
        case .pixelShuffle:
            before = try s["conv_before_upsample"].conv("0", in: dim, out: nf, k: 3)
            var r = 1.0
            for (i, f) in factors.enumerated() {
                ups.append(try s["upsample"].conv(String(2 * i), in: nf, out: f * f * nf, k: 3, resolution: r))
                r *= Double(f)
            }
            last = try s.conv("conv_last", in: nf, out: 3, k: 3, resolution: r)
        case .pixelShuffleDirect:
            let f = factors.reduce(1, *)
            ups = [try s["upsample"].conv("0", in: dim, out: 3 * f * f, k: 3)]
        case .nearestConv:
            before = try s["conv_before_upsample"].conv("0", in: dim, out: nf, k: 3)
            ups = try factors.indices.map { i in
                try s.conv("conv_up\(i + 1)", in: nf, out: nf, k: 3, resolution: Double(2 << i))
            }
            let scale = Double(factors.reduce(1, *))
            hr = try s.conv("conv_hr", in: nf, out: nf, k: 3, resolution: scale)
            last = try s.conv("conv_last", in: nf, out: 3, k: 3, resolution: scale)
        case .none:
            last = try s.conv("conv_last", in: dim, out: 3, k: 3)
        }
        (self.before, self.ups, self.hr, self.last) = (before, ups, hr, last)
    }

    /// Receptive radius in trunk rows (a strip's halo): each 3×3 conv's one pixel at its resolution.
    var radius: Int {
        var r = before == nil ? 0.0 : 1.0, res = 1.0
        for f in factors {
            if upsampler == .nearestConv { res *= Double(f) }
            r += 1 / res
            if upsampler != .nearestConv { res *= Double(f) }
        }
        r += (hr == nil ? 0 : 1 / res) + (last == nil ? 0 : 1 / res)
        return Int(r.rounded(.up)) + 1
    }

    /// `body` (CHW `[dim, h, w]`, `conv_after_body` plus the first features) → `[3, h·s, w·s]`,
    /// still normalised; `input` is the normalised image (the ×1 tail adds it).
    func callAsFunction(_ body: Tensor, input: Tensor, pool: ThreadPool) -> Tensor {
        switch upsampler {
        case .pixelShuffle:
            var u = before!(body, activation: .leakyReLU(0.01), pool: pool)
            for (conv, f) in zip(ups, factors) { u = pixelShuffle(conv(u, pool: pool), f) }
            return last!(u, pool: pool)
        case .pixelShuffleDirect:
            return pixelShuffle(ups[0](body, pool: pool), factors[0])
        case .nearestConv:
            var u = before!(body, activation: .leakyReLU(0.01), pool: pool)
            for conv in ups {
                u = conv(upsampleNearest(u, factor: 2, pool: pool), activation: .leakyReLU(0.2), pool: pool)
            }
            return last!(hr!(u, activation: .leakyReLU(0.2), pool: pool), pool: pool)
        case .none:
            return last!(body, residual: input, pool: pool)
        }
    }

    /// The tail on `body`, the `num_feat` tails (pixelshuffle, nearest+conv) in strips of rows
    /// (their high-resolution maps would dominate a tile's memory) starting on multiples of 4, so
    /// every stage keeps the whole map's Winograd grid; `options.tailStripRows` overrides the height.
    func run(_ body: Tensor, input: Tensor, options: ForwardOptions, pool: ThreadPool,
             cancel: CancellationToken?) throws -> Tensor {
        guard upsampler == .pixelShuffle || upsampler == .nearestConv else {
            return self(body, input: input, pool: pool)
        }
        let rows = options.tailStripRows ?? StripedTail.rows(width: body.width)
        return try StripedTail.run(height: body.height, scale: factors.reduce(1, *), halo: radius, stripRows: rows,
                                   align: 4, cancel: cancel) { r in
            self(body.rows(r), input: input, pool: pool)
        }
    }
}

extension ShapeReader {
    /// The pixel-shuffle factors of `upsample.0`, `upsample.2`, … (×2ⁿ: 2s; ×3: one 3; none only
    /// with `allowNone`), each `[f²·nf, nf, 3, 3]`; `family` names the network in errors.
    func pixelShuffleStages(numFeat nf: Int, family: String, allowNone: Bool = false) throws -> [Int] {
        var stages: [Int] = []
        for i in indices(prefix: "upsample.", suffix: ".weight") {
            let up = try convShape("upsample.\(i)"), f = Int(Double(up.out / nf).squareRoot().rounded())
            guard i == 2 * stages.count, up.in == nf, f == 2 || f == 3, up.out == f * f * nf else {
                throw NetworkError(source, "\(family) upsampler conv upsample.\(i) is [\(up.out), \(up.in)], not a "
                                   + "pixel-shuffle stage [4·\(nf) or 9·\(nf), \(nf)] at "
                                   + "upsample.\(2 * stages.count)")
            }
            stages.append(f)
        }
        guard allowNone || !stages.isEmpty, !stages.contains(3) || stages == [3] else {
            throw NetworkError(source, "\(family) upsampler stages \(stages) are not ×2ⁿ or ×3")
        }
        return stages
    }
}
