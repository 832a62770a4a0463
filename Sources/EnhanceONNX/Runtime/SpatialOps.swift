import EnhanceTensor
import Foundation

/// Ops over the two spatial axes of `[N, C, H, W]`: `Resize`, `Pad`, `DepthToSpace`/`SpaceToDepth`.
enum SpatialOps {
    /// `Resize` of the last two axes (N and C scales must be 1): `nearest` (every
    /// `nearest_mode`), `linear` and `cubic`, with the coordinate modes exporters emit
    /// (`half_pixel`, `pytorch_half_pixel`, `align_corners`, `asymmetric`, `tf_half_pixel_for_nn`).
    static func resize(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let x = try ctx.input(inputs, 0)
        guard x.shape.count == 4, x.isFloat else { throw ctx.fail("input \(x.shape) is not [N, C, H, W]") }
        let (h, w) = (x.shape[2], x.shape[3])
        guard h > 0, w > 0 else { throw ctx.fail("input \(x.shape) is empty") }
        var outH = h, outW = w, scaleH = Float(1), scaleW = Float(1)
        let scales = inputs.count > 2 ? inputs[2]?.floats ?? [] : []
        let sizes = ctx.intsInput(inputs, 3) ?? []
        if sizes.count == 4 {
            guard sizes[0] == x.shape[0], sizes[1] == x.shape[1], sizes[2] > 0, sizes[3] > 0 else {
                throw ctx.fail("sizes \(sizes) for \(x.shape)")
            }
            (outH, outW) = (sizes[2], sizes[3])
            (scaleH, scaleW) = (Float(outH) / Float(h), Float(outW) / Float(w))
        } else if scales.count == 4 {
            guard scales[0] == 1, scales[1] == 1, scales[2] > 0, scales[3] > 0, scales[2] * Float(h) < 1e6,
                  scales[3] * Float(w) < 1e6 else { throw ctx.fail("scales \(scales)") }
            (scaleH, scaleW) = (scales[2], scales[3])
            (outH, outW) = (Int((Float(h) * scaleH).rounded(.down)), Int((Float(w) * scaleW).rounded(.down)))
        } else {
            throw ctx.fail("needs 4 scales or 4 sizes (got \(scales.count) and \(sizes.count))")
        }
        let mode = try ctx.string("mode", "nearest")
        let coord = try ctx.string("coordinate_transformation_mode", "half_pixel")
        let nearest = try ctx.string("nearest_mode", "round_prefer_floor")
        let a = try ctx.float("cubic_coeff_a", -0.75)
        let exclude = try ctx.int("exclude_outside", 0) != 0
        guard ["nearest", "linear", "cubic"].contains(mode) else { throw ctx.fail("mode \(mode)") }
        func source(_ o: Int, _ n: Int, _ m: Int, _ s: Float) throws -> Float {
            let o = Float(o)
            switch coord {
            case "half_pixel": return (o + 0.5) / s - 0.5
            case "pytorch_half_pixel": return m > 1 ? (o + 0.5) / s - 0.5 : 0
            case "align_corners": return m > 1 ? o * Float(n - 1) / Float(m - 1) : 0
            case "asymmetric": return o / s
            case "tf_half_pixel_for_nn": return (o + 0.5) / s
            default: throw ctx.fail("coordinate_transformation_mode \(coord)")
            }
        }
        /// Per output index: source indices and weights along one axis.
        func taps(_ n: Int, _ m: Int, _ s: Float) throws -> [[(Int, Float)]] {
            try (0..<m).map { o in
                let c = try source(o, n, m, s)
                switch mode {
                case "nearest":
                    let i: Int
                    switch nearest {
                    case "floor": i = Int(c.rounded(.down))
                    case "ceil": i = Int(c.rounded(.up))
                    case "round_prefer_ceil": i = Int((c + 0.5).rounded(.down))
                    default: i = c == c.rounded(.down) + 0.5 ? Int(c.rounded(.down)) : Int(c.rounded())
                    }
                    return [(min(max(i, 0), n - 1), Float(1))]
                case "linear":
                    let c = min(max(c, 0), Float(n - 1))
                    let i0 = Int(c.rounded(.down)), f = c - Float(i0)
                    return i0 + 1 < n ? [(i0, 1 - f), (i0 + 1, f)] : [(i0, Float(1))]
                default:
                    let i0 = Int(c.rounded(.down)), f = c - Float(i0)
                    let ws = [f + 1, f, 1 - f, 2 - f].map { d -> Float in
                        d <= 1 ? ((a + 2) * d - (a + 3)) * d * d + 1 : ((a * d - 5 * a) * d + 8 * a) * d - 4 * a
                    }
                    var t = (0..<4).map { (i0 - 1 + $0, ws[$0]) }
                    if exclude {
                        t = t.filter { $0.0 >= 0 && $0.0 < n }
                        let sum = t.reduce(0) { $0 + $1.1 }
                        t = t.map { ($0.0, $0.1 / sum) }
                    }
                    return t.map { (min(max($0.0, 0), n - 1), $0.1) }
                }
            }
        }
        try ctx.check([x.shape[0], x.shape[1], outH, outW])
        // Integer nearest upscaling as PyTorch exports it (asymmetric, floor): EnhanceTensor's copy loop.
        if mode == "nearest", coord == "asymmetric", nearest == "floor", outH % h == 0, outH / h == outW / w,
           outW % w == 0, Float(outH / h) == scaleH, scaleH == scaleW, let t = x.chw {
            return ONNXTensor(nchw: upsampleNearest(t, factor: outH / h, pool: ctx.pool))
        }
        let ty = try taps(h, outH, scaleH), tx = try taps(w, outW, scaleW)
        let planes = x.shape[0] * x.shape[1], src = x.floats
        return src.withUnsafeBufferPointer { s in
            ONNXTensor.makeFloat([x.shape[0], x.shape[1], outH, outW]) { dst in
                ctx.pool.parallelFor(planes) { p in
                    var row = [Float](repeating: 0, count: w)
                    for oy in 0..<outH {
                        for i in 0..<w { row[i] = 0 }
                        for (iy, wy) in ty[oy] {
                            let base = (p * h + iy) * w
                            for i in 0..<w { row[i] += wy * s[base + i] }
                        }
                        let out = (p * outH + oy) * outW
                        for ox in 0..<outW {
                            var v: Float = 0
                            for (ix, wx) in tx[ox] { v += wx * row[ix] }
                            dst[out + ox] = v
                        }
                    }
                }
            }
        }
    }

    /// `Pad` (`constant`, `reflect`, `edge`) of any rank; negative pads crop.
    static func pad(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let x = try ctx.input(inputs, 0), r = x.shape.count
        var pads = try ctx.intsInput(inputs, 1) ?? ctx.ints("pads") ?? []
        if let axes = ctx.intsInput(inputs, 3) {
            var full = [Int](repeating: 0, count: 2 * r)
            for (j, a) in axes.enumerated() {
                let ax = try ctx.axis(a, rank: r)
                (full[ax], full[ax + r]) = (pads[j], pads[j + axes.count])
            }
            pads = full
        }
        guard pads.count == 2 * r else { throw ctx.fail("\(pads.count) pads for rank \(r)") }
        let mode = try ctx.string("mode", "constant")
        let value: Float = inputs.count > 2 ? inputs[2]?.floats.first ?? 0 : try ctx.float("value", 0)
        let shape = (0..<r).map { x.shape[$0] + pads[$0] + pads[$0 + r] }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw ctx.fail("pads \(pads) for \(x.shape)") }
        try ctx.check(shape)
        let widest = (0..<r).map { max(pads[$0], pads[$0 + r]) }
        if mode == "reflect", zip(x.shape, widest).contains(where: { $0 <= $1 && $1 > 0 }) {
            throw ctx.fail("reflect pads \(pads) reach past \(x.shape)")
        }
        guard ["constant", "reflect", "edge"].contains(mode) else { throw ctx.fail("mode \(mode)") }
        if mode != "constant", x.count == 0, shape.reduce(1, *) > 0 {
            throw ctx.fail("\(mode) padding of an empty input")
        }
        let src = ONNXTensor.strides(x.shape), dst = ONNXTensor.strides(shape), n = shape.reduce(1, *)
        func index(_ i: Int) -> Int {
            var rem = i, s = 0
            for d in 0..<r {
                let q = rem / dst[d]
                rem -= q * dst[d]
                var j = q - pads[d]
                let m = x.shape[d]
                if j < 0 || j >= m {
                    switch mode {
                    case "edge": j = min(max(j, 0), m - 1)
                    case "reflect":
                        let period = 2 * (m - 1)
                        j = period == 0 ? 0 : ((j % period) + period) % period
                        if j >= m { j = period - j }
                    default: return -1
                    }
                }
                s += j * src[d]
            }
            return s
        }
        switch x.values {
        case .float(let v):
            return ONNXTensor(shape: shape, floats: (0..<n).map { let j = index($0); return j < 0 ? value : v[j] })
        case .int(let v):
            return ONNXTensor(shape: shape, ints: (0..<n).map { let j = index($0); return j < 0 ? Int64(value) : v[j] })
        }
    }

    /// `DepthToSpace` (`CRD` is PyTorch's pixel shuffle, run by EnhanceTensor; `DCR` generically).
    static func depthToSpace(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let x = try ctx.input(inputs, 0), b = try ctx.int("blocksize", 0)
        guard x.shape.count == 4, b >= 1, x.shape[1] % (b * b) == 0 else {
            throw ctx.fail("blocksize \(b) for \(x.shape)")
        }
        let (n, c, h, w) = (x.shape[0], x.shape[1] / (b * b), x.shape[2], x.shape[3])
        if try ctx.string("mode", "DCR") == "CRD", let t = x.chw { return ONNXTensor(nchw: pixelShuffle(t, b)) }
        let dcr = try ctx.string("mode", "DCR") == "DCR"
        let t = x.reshaped(dcr ? [n, b, b, c, h, w] : [n, c, b, b, h, w])
        let moved = try ShapeOps.transpose(t, perm: dcr ? [0, 3, 4, 1, 5, 2] : [0, 1, 4, 2, 5, 3], ctx)
        return moved.reshaped([n, c, h * b, w * b])
    }

    /// `SpaceToDepth` (the inverse of DCR `DepthToSpace`).
    static func spaceToDepth(_ inputs: [ONNXTensor?], _ ctx: OpContext) throws -> ONNXTensor {
        let x = try ctx.input(inputs, 0), b = try ctx.int("blocksize", 0)
        guard x.shape.count == 4, b >= 1, x.shape[2] % b == 0, x.shape[3] % b == 0 else {
            throw ctx.fail("blocksize \(b) for \(x.shape)")
        }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2] / b, x.shape[3] / b)
        let moved = try ShapeOps.transpose(x.reshaped([n, c, h, b, w, b]), perm: [0, 3, 5, 1, 2, 4], ctx)
        return moved.reshaped([n, c * b * b, h, w])
    }
}
