import EnhanceCheckpoints
import EnhanceTensor

extension SPAN {
    /// The branch tensors of one `Conv3XC` (gain 2): OIHW weights and biases, `m1 = 2·in`, `m2 = 2·out`.
    struct Conv3XCBranches {
        /// `sk.weight` `[out, in, 1, 1]`, `sk.bias` `[out]`.
        var sk: [Float], skBias: [Float]
        /// `conv.0.weight` `[m1, in, 1, 1]`, `conv.0.bias` `[m1]`.
        var w1: [Float], b1: [Float]
        /// `conv.1.weight` `[m2, m1, 3, 3]`, `conv.1.bias` `[m2]`.
        var w2: [Float], b2: [Float]
        /// `conv.2.weight` `[out, m2, 1, 1]`, `conv.2.bias` `[out]`.
        var w3: [Float], b3: [Float]

        /// Leaves relative to the `Conv3XC` block, in this order, with their shapes.
        static func tensors(in cIn: Int, out cOut: Int) -> [(String, [Int])] {
            let m1 = 2 * cIn, m2 = 2 * cOut
            return [("sk.weight", [cOut, cIn, 1, 1]), ("sk.bias", [cOut]),
                    ("conv.0.weight", [m1, cIn, 1, 1]), ("conv.0.bias", [m1]),
                    ("conv.1.weight", [m2, m1, 3, 3]), ("conv.1.bias", [m2]),
                    ("conv.2.weight", [cOut, m2, 1, 1]), ("conv.2.bias", [cOut])]
        }

        init(_ v: [[Float]]) {
            (sk, skBias, w1, b1, w2, b2, w3, b3) = (v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])
        }
    }

    /// The 3×3 convolution a `Conv3XC` computes, `conv.2(conv.1(conv.0(pad₁(x)))) + sk(x)`, as one
    /// OIHW weight `[out, in, 3, 3]` and bias `[out]` (spandrel's `update_params`):
    ///
    ///     W[o,i,t] = Σₘ w3[o,m] · Σⱼ w2[m,j,t] · w1[j,i]  (+ sk[o,i] at the centre tap t = 4)
    ///     b[o]     = Σₘ w3[o,m] · (Σⱼ,ₜ w2[m,j,t] · b1[j] + b2[m]) + b3[o] + skBias[o]
    ///
    /// (`conv.0` runs on the zero-padded input, so its bias reaches all nine taps of `conv.1`, border
    /// included: the fused conv with zero padding is exact.) The weight products run in float32 as
    /// spandrel's do (two matrix products, ``matmul``), the biases in double. The
    /// weight is a product of branch weights: fusing does not commute with blending two checkpoints,
    /// so a blend blends the branches and then fuses (``Scope/derivedConv(_:tensors:make:)``).
    static func fuse(_ br: Conv3XCBranches, in cIn: Int, out cOut: Int) -> (weight: [Float], bias: [Float]) {
        let m1 = 2 * cIn, m2 = 2 * cOut, block = 9 * cIn, pool = ThreadPool(threads: 1)
        // W12[(m, t), i] = Σⱼ w2[m, j, t] · w1[j, i]: one matrix product, taps before channels.
        var w2t = [Float](repeating: 0, count: m2 * 9 * m1)
        var b12 = [Double](repeating: 0, count: m2)
        for m in 0..<m2 {
            var bias = Double(br.b2[m])
            for j in 0..<m1 { for t in 0..<9 {
                let v = br.w2[(m * m1 + j) * 9 + t]
                w2t[(m * 9 + t) * m1 + j] = v
                bias += Double(v) * Double(br.b1[j])
            } }
            b12[m] = bias
        }
        let w12 = matmul(Matrix(rows: m2 * 9, columns: m1, data: w2t), Matrix(rows: m1, columns: cIn, data: br.w1),
                         pool: pool)
        // W[o, (t, i)] = Σₘ w3[o, m] · W12[m, (t, i)].
        let w = matmul(Matrix(rows: cOut, columns: m2, data: br.w3), Matrix(rows: m2, columns: block, data: w12.data),
                       pool: pool).data
        var out = [Float](repeating: 0, count: cOut * block)
        var bias = [Float](repeating: 0, count: cOut)
        for o in 0..<cOut {
            var b = Double(br.b3[o]) + Double(br.skBias[o])
            for m in 0..<m2 { b += Double(br.w3[o * m2 + m]) * b12[m] }
            bias[o] = Float(b)
            for t in 0..<9 { for i in 0..<cIn { out[(o * cIn + i) * 9 + t] = w[o * block + t * cIn + i] } }
            for i in 0..<cIn { out[(o * cIn + i) * 9 + 4] += br.sk[o * cIn + i] }
        }
        return (out, bias)
    }
}

extension Scope {
    /// The `Conv3XC` at this block (`sk`, `conv.0`…`conv.2`, `eval_conv`), `in` → `out` channels with
    /// gain 2, as one fused 3×3 convolution (CHW) made from its branch tensors after any blend. The
    /// `eval_conv` tensors are declared (required, shape-checked) and never read (see ``SPAN``).
    /// `layout`: the layout of its input and output (``TensorLayout/packed16`` runs F(6×6) on packed
    /// activations).
    func conv3XC(in cIn: Int, out cOut: Int, layout: TensorLayout = .chw) throws -> Conv {
        let info = LayerInfo(name: String(prefix.dropLast()), inChannels: cIn, outChannels: cOut, kernelSize: 3,
                             resolution: 1, layout: layout)
        let conv = try derivedConv(info, tensors: SPAN.Conv3XCBranches.tensors(in: cIn, out: cOut)) { v in
            let f = SPAN.fuse(SPAN.Conv3XCBranches(v), in: cIn, out: cOut)
            return (f.weight, f.bias)
        }
        try store.declare(key("eval_conv.weight"), [cOut, cIn, 3, 3])
        try store.declare(key("eval_conv.bias"), [cOut])
        return conv
    }
}
