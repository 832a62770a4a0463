import EnhanceTensor

/// An ONNX `Conv` or `ConvTranspose` with its weights, prepared once at load.
///
/// A 2-D convolution with a square odd kernel, stride 1 and dilation 1 runs on ``Conv2D`` (Winograd,
/// FFT, grouped, depthwise or direct, with the activation fused into its epilogue); padding other
/// than `k/2` is a zero pad before it or a crop after it. Everything else (strides, dilations,
/// even or rectangular kernels) runs as im2col and a GEMM (``matmul(_:_:batch:transposeB:pool:)``).
/// Weights are OIHW (`ConvTranspose`: `[C, O/group, kh, kw]`). Prepared from declared shapes alone
/// (a program for probes, ``ONNXProgram/init(_:pool:maxElements:probesOnly:)``) it has the geometry
/// but not the weights: it runs dry only.
final class PreparedConv: @unchecked Sendable {
    /// A weight or bias: its shape and type, and its values (nil: not read, a program for probes).
    struct Parameter {
        let shape: [Int], storedType: String, isFloat: Bool, values: [Float]?
        var count: Int { shape.reduce(1, *) }

        init(_ t: ONNXTensor) { (shape, storedType, isFloat, values) = (t.shape, t.storedType, t.isFloat, t.floats) }
        init(_ d: ONNXDeclaredTensor) { (shape, storedType, isFloat, values) = (d.shape, d.storedType, d.isFloat, nil) }
    }

    let transposed: Bool
    let weight: [Float], bias: [Float]?
    /// Whether the weights (and bias) were read: false in a program for probes.
    let hasValues: Bool
    /// Out channels, in channels per group, kernel height and width, group count.
    let out: Int, inPerGroup: Int, kh: Int, kw: Int, groups: Int
    let strides: [Int], dilations: [Int], outputPadding: [Int]
    /// Top, left, bottom, right; nil for SAME_UPPER / SAME_LOWER (computed per input).
    let pads: [Int]?
    let autoPad: String
    /// The fast path's layer, when the shape allows it.
    let layer: Conv2D?

    convenience init(_ ctx: OpContext, weight w: ONNXTensor, bias b: ONNXTensor?) throws {
        try self.init(ctx, weight: Parameter(w), bias: b.map(Parameter.init))
    }

    init(_ ctx: OpContext, weight w: Parameter, bias b: Parameter?) throws {
        transposed = ctx.node.opType == "ConvTranspose"
        guard w.isFloat, w.shape.count == 4 else {
            throw ctx.fail("weight \(w.shape) \(w.storedType): only 2-D convolutions with float weights run")
        }
        groups = try ctx.int("group", 1)
        guard groups >= 1, w.shape.allSatisfy({ $0 >= 1 }), w.shape[2] <= 1024, w.shape[3] <= 1024 else {
            throw ctx.fail("weight \(w.shape) with \(groups) groups")
        }
        (kh, kw) = (w.shape[2], w.shape[3])
        if transposed {
            guard w.shape[0] % groups == 0 else { throw ctx.fail("weight \(w.shape) for \(groups) groups") }
            (out, inPerGroup) = (w.shape[1] * groups, w.shape[0] / groups)
        } else {
            guard w.shape[0] % groups == 0 else { throw ctx.fail("weight \(w.shape) for \(groups) groups") }
            (out, inPerGroup) = (w.shape[0], w.shape[1])
        }
        if let k = try ctx.ints("kernel_shape"), k != [kh, kw] {
            throw ctx.fail("kernel_shape \(k) ≠ weight \(w.shape)")
        }
        guard b == nil || (b!.isFloat && b!.count == out) else { throw ctx.fail("bias \(b!.shape) for \(out) outputs") }
        strides = try ctx.ints("strides") ?? [1, 1]
        dilations = try ctx.ints("dilations") ?? [1, 1]
        outputPadding = try ctx.ints("output_padding") ?? [0, 0]
        autoPad = try ctx.string("auto_pad", "NOTSET")
        let p = try ctx.ints("pads") ?? [0, 0, 0, 0]
        guard strides.count == 2, dilations.count == 2, outputPadding.count == 2, p.count == 4,
              (strides + dilations).allSatisfy({ $0 >= 1 }), p.allSatisfy({ $0 >= 0 }) else {
            throw ctx.fail("strides \(strides), dilations \(dilations), pads \(p) for a 2-D convolution")
        }
        guard try ctx.ints("output_shape") == nil else { throw ctx.fail("output_shape is not supported") }
        switch autoPad {
        case "NOTSET": pads = [p[0], p[1], p[2], p[3]]
        case "VALID": pads = [0, 0, 0, 0]
        case "SAME_UPPER", "SAME_LOWER": pads = nil
        default: throw ctx.fail("auto_pad \(autoPad)")
        }
        (weight, bias) = (w.values ?? [], b?.values)
        hasValues = w.values != nil && (b == nil || b?.values != nil)
        let fast = !transposed && kh == kw && kh % 2 == 1 && strides == [1, 1] && dilations == [1, 1]
        layer = fast && hasValues ? Conv2D(weight: weight, bias: bias, inChannels: inPerGroup * groups,
                                           outChannels: out, kernelSize: kh, groups: groups) : nil
    }

    /// Multiply-accumulates of one run from `input` `[1, C, H, W]` to `output`.
    func macs(input: [Int], output: [Int]) -> Double {
        let perPair = Double(inPerGroup * (out / groups) * kh * kw) * Double(groups)
        let pixels = transposed ? input.suffix(2).reduce(1, *) : output.suffix(2).reduce(1, *)
        return perPair * Double(pixels)
    }

    /// The output shape for an input of `shape` `[N, C, H, W]` (nil when the input does not fit).
    func outputShape(_ shape: [Int]) -> [Int]? {
        guard shape.count == 4, shape[1] == inPerGroup * groups else { return nil }
        let p = resolvedPads(shape[2], shape[3])
        let h: Int, w: Int
        if transposed {
            h = strides[0] * (shape[2] - 1) + outputPadding[0] + (kh - 1) * dilations[0] + 1 - p[0] - p[2]
            w = strides[1] * (shape[3] - 1) + outputPadding[1] + (kw - 1) * dilations[1] + 1 - p[1] - p[3]
        } else {
            h = (shape[2] + p[0] + p[2] - dilations[0] * (kh - 1) - 1) / strides[0] + 1
            w = (shape[3] + p[1] + p[3] - dilations[1] * (kw - 1) - 1) / strides[1] + 1
        }
        return h > 0 && w > 0 ? [shape[0], out, h, w] : nil
    }

    /// The pads for an input of `h × w` (top, left, bottom, right).
    func resolvedPads(_ h: Int, _ w: Int) -> [Int] {
        if let pads { return pads }
        func same(_ n: Int, _ k: Int, _ s: Int, _ d: Int) -> (Int, Int) {
            let total = max(0, ((n + s - 1) / s - 1) * s + (k - 1) * d + 1 - n)
            return autoPad == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2)
        }
        let (t, b) = same(h, kh, strides[0], dilations[0]), (l, r) = same(w, kw, strides[1], dilations[1])
        return [t, l, b, r]
    }

    /// Runs on `x` `[1, C, H, W]`, then `act` (fused on the fast path).
    func run(_ x: ONNXTensor, act: Activation, _ ctx: OpContext) throws -> ONNXTensor {
        guard let t = x.chw, x.shape.count == 4, t.height > 0, t.width > 0 else {
            throw ctx.fail("input \(x.shape) is not [1, C, H, W]")
        }
        guard hasValues else { throw ctx.fail("its weights were not read (a program prepared for probes only)") }
        let inChannels = transposed ? inPerGroup * groups : inPerGroup * groups
        guard t.channels == inChannels else {
            throw ctx.fail("input has \(t.channels) channels, weights want \(inChannels)")
        }
        let p = resolvedPads(t.height, t.width)
        if let layer {
            let r = kh / 2
            let grow = p.map { max(0, $0 - r) }, crop = p.map { max(0, r - $0) }
            try ctx.check([max(t.channels, out), t.height + grow[0] + grow[2], t.width + grow[1] + grow[3]])
            var input = t
            if grow.contains(where: { $0 > 0 }) { input = zeroPad(t, grow) }
            guard input.height - crop[0] - crop[2] > 0, input.width - crop[1] - crop[3] > 0 else {
                throw ctx.fail("input \(x.shape) is smaller than the kernel")
            }
            var y = layer(input, activation: act, pool: ctx.pool)
            if crop.contains(where: { $0 > 0 }) {
                y = y.cropped(y: crop[0], x: crop[1], height: y.height - crop[0] - crop[2],
                              width: y.width - crop[1] - crop[3])
            }
            return ONNXTensor(nchw: y)
        }
        let y = try transposed ? transposedConv(t, p, ctx) : im2col(t, p, ctx)
        return ONNXTensor(nchw: act == .identity ? y : activate(y, act, pool: ctx.pool))
    }

    private func zeroPad(_ t: Tensor, _ p: [Int]) -> Tensor {
        let h = t.height + p[0] + p[2], w = t.width + p[1] + p[3]
        var out = Tensor(channels: t.channels, height: h, width: w)
        for c in 0..<t.channels { for y in 0..<t.height {
            let src = (c * t.height + y) * t.width, dst = (c * h + y + p[0]) * w + p[1]
            out.data.replaceSubrange(dst ..< dst + t.width, with: t.data[src ..< src + t.width])
        } }
        return out
    }

    private func im2col(_ t: Tensor, _ p: [Int], _ ctx: OpContext) throws -> Tensor {
        let (sh, sw, dh, dw) = (strides[0], strides[1], dilations[0], dilations[1])
        let ho = (t.height + p[0] + p[2] - dh * (kh - 1) - 1) / sh + 1
        let wo = (t.width + p[1] + p[3] - dw * (kw - 1) - 1) / sw + 1
        guard ho > 0, wo > 0 else { throw ctx.fail("input \(t.height)×\(t.width) is smaller than the kernel") }
        try ctx.check([inPerGroup * kh * kw, ho, wo])
        try ctx.check([out, ho, wo])
        let k = inPerGroup * kh * kw, n = ho * wo, og = out / groups
        var result = [Float](repeating: 0, count: out * n)
        for g in 0..<groups {
            var cols = [Float](repeating: 0, count: k * n)
            t.data.withUnsafeBufferPointer { src in
                for c in 0..<inPerGroup { for i in 0..<kh { for j in 0..<kw {
                    let row = ((c * kh + i) * kw + j) * n, plane = (g * inPerGroup + c) * t.height * t.width
                    for y in 0..<ho {
                        let iy = y * sh - p[0] + i * dh
                        guard iy >= 0, iy < t.height else { continue }
                        for x in 0..<wo {
                            let ix = x * sw - p[1] + j * dw
                            if ix >= 0 && ix < t.width { cols[row + y * wo + x] = src[plane + iy * t.width + ix] }
                        }
                    }
                } } }
            }
            let w = Matrix(rows: og, columns: k, data: Array(weight[g * og * k ..< (g + 1) * og * k]))
            let y = matmul(w, Matrix(rows: k, columns: n, data: cols), pool: ctx.pool)
            result.replaceSubrange(g * og * n ..< (g + 1) * og * n, with: y.data)
        }
        if let bias { for o in 0..<out { for i in 0..<n { result[o * n + i] += bias[o] } } }
        return Tensor(channels: out, height: ho, width: wo, data: result)
    }

    private func transposedConv(_ t: Tensor, _ p: [Int], _ ctx: OpContext) throws -> Tensor {
        let (sh, sw, dh, dw) = (strides[0], strides[1], dilations[0], dilations[1])
        let ho = sh * (t.height - 1) + outputPadding[0] + (kh - 1) * dh + 1 - p[0] - p[2]
        let wo = sw * (t.width - 1) + outputPadding[1] + (kw - 1) * dw + 1 - p[1] - p[3]
        guard ho > 0, wo > 0 else { throw ctx.fail("output would be \(ho)×\(wo)") }
        try ctx.check([out, ho, wo])
        try ctx.check([out / groups * kh * kw, t.height, t.width])
        let og = out / groups, n = t.height * t.width, rows = og * kh * kw
        var result = [Float](repeating: 0, count: out * ho * wo)
        for g in 0..<groups {
            // Wᵀ of this group: [og·kh·kw, inPerGroup] from [inPerGroup, og, kh, kw].
            var wt = [Float](repeating: 0, count: rows * inPerGroup)
            for c in 0..<inPerGroup {
                for r in 0..<rows { wt[r * inPerGroup + c] = weight[((g * inPerGroup + c) * rows) + r] }
            }
            let planes = Array(t.data[g * inPerGroup * n ..< (g + 1) * inPerGroup * n])
            let x = Matrix(rows: inPerGroup, columns: n, data: planes)
            let cols = matmul(Matrix(rows: rows, columns: inPerGroup, data: wt), x, pool: ctx.pool).data
            for o in 0..<og { for i in 0..<kh { for j in 0..<kw {
                let row = ((o * kh + i) * kw + j) * n, plane = (g * og + o) * ho * wo
                for y in 0..<t.height {
                    let oy = y * sh - p[0] + i * dh
                    guard oy >= 0, oy < ho else { continue }
                    for x in 0..<t.width {
                        let ox = x * sw - p[1] + j * dw
                        if ox >= 0 && ox < wo { result[plane + oy * wo + ox] += cols[row + y * t.width + x] }
                    }
                }
            } } }
        }
        if let bias { for o in 0..<out { for i in 0..<(ho * wo) { result[o * ho * wo + i] += bias[o] } } }
        return Tensor(channels: out, height: ho, width: wo, data: result)
    }
}
