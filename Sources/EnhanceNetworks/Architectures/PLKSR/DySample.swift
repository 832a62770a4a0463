import EnhanceTensor

/// DySample ("Learning to Upsample by Learning to Sample", as spandrel's RealPLKSR uses it): the
/// upsampler that replaces the pixel shuffle when a checkpoint holds `to_img.init_pos`.
///
/// For `C = 3·s²` input channels in `G` groups (4 for even `s`, 3 for odd), two 1×1 convs make
/// `2·G·s²` offset maps, `offset(x) · σ(scope(x)) · ½ + init_pos` (x offsets first, then y); each
/// map is added to its pixel's centre, normalised to [−1, 1] by the map's width or height and
/// pixel-shuffled by `s` into one sampling grid per group, at which the group's `C/G` channels are
/// sampled bilinearly (`grid_sample`, `align_corners=False`, border padding). A 1×1 `end_conv`
/// (C → 3) follows unless `s` is 1. Offsets are relative to the pixel, so the result does not
/// depend on where a tile starts.
struct DySample {
    let scale: Int
    let groups: Int
    let offset: Conv
    let scope: Conv
    let endConv: Conv?
    /// `[2·G·s²]` (stored `[1, 2·G·s², 1, 1]`): each offset map's initial position.
    let initPos: [Float]

    init(_ s: Scope, scale: Int) throws {
        let c = 3 * scale * scale
        self.scale = scale
        groups = scale % 2 == 0 ? 4 : 3
        let maps = 2 * groups * scale * scale
        offset = try s.conv("offset", in: c, out: maps, k: 1)
        scope = try s.conv("scope", in: c, out: maps, k: 1, optionalBias: true)
        endConv = scale == 1 ? nil : try s.conv("end_conv", in: c, out: 3, k: 1, resolution: Double(scale))
        initPos = try s.tensor("init_pos", shape: [1, maps, 1, 1])
    }

    /// CHW `[3·s², H, W]` → `[3, H·s, W·s]`, in strips of input rows (``StripedTail``, no halo: the
    /// offsets are per pixel and every strip samples the whole input), so that the `3·s⁴` floats per
    /// input pixel of the sampled maps exist for one strip at a time. Any `stripRows` gives the same result.
    func callAsFunction(_ x: Tensor, stripRows: Int?, pool: ThreadPool, cancel: CancellationToken?) throws -> Tensor {
        let per = x.channels / groups
        let inputs = (0..<groups).map { x.channels(($0 * per)..<(($0 + 1) * per)) }
        return try StripedTail.run(height: x.height, scale: scale, halo: 0,
                                   stripRows: stripRows ?? StripedTail.rows(width: x.width), align: 1,
                                   cancel: cancel) { rows in
            let grid = self.grid(x.rows(rows), firstRow: rows.lowerBound, height: x.height, pool: pool)
            let sampled = inputs.enumerated().map { g, input in
                let xy = concatChannels([grid.channels(g..<(g + 1)), grid.channels((groups + g)..<(groups + g + 1))])
                return gridSample(input, grid: xy, padding: .border, pool: pool)
            }
            return endConv.map { $0(sampled, pool: pool) } ?? concatChannels(sampled)
        }
    }

    /// The `[2·G, rows·s, W·s]` sampling grids (x channels, then y) of input rows `firstRow…` (`x`
    /// holds them) of an input `height` rows high.
    private func grid(_ x: Tensor, firstRow: Int, height: Int, pool: ThreadPool) -> Tensor {
        let h = x.height, w = x.width, plane = h * w, half = groups * scale * scale
        var coords = mul(offset(x, pool: pool), scope(x, activation: .sigmoid, pool: pool), pool: pool)
        coords.data.withUnsafeMutableBufferPointer { d in
            for c in 0..<(2 * half) {
                let p = d.baseAddress! + c * plane, pos = initPos[c]
                let isX = c < half, size = Float(isX ? w : height)
                for y in 0..<h { for xx in 0..<w {
                    let centre = Float(isX ? xx : firstRow + y) + 0.5
                    p[y * w + xx] = 2 * (centre + (p[y * w + xx] * 0.5 + pos)) / size - 1
                } }
            }
        }
        return pixelShuffle(coords, scale)
    }
}
