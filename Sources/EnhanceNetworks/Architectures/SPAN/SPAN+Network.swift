import EnhanceCheckpoints
import EnhanceTensor

extension SPAN {
    /// `SPAB`: three `Conv3XC`s (`c1_r`, `c2_r`, `c3_r`) with SiLU after the first two (fused into
    /// their epilogues), then the parameter-free attention `(c3 + x) · (σ(c3) − ½)`.
    struct SPAB {
        let c1, c2, c3: Conv

        init(_ s: Scope, nf: Int, layout: TensorLayout) throws {
            c1 = try s["c1_r"].conv3XC(in: nf, out: nf, layout: layout)
            c2 = try s["c2_r"].conv3XC(in: nf, out: nf, layout: layout)
            c3 = try s["c3_r"].conv3XC(in: nf, out: nf, layout: layout)
        }

        /// The block's output and `c1_r`'s activated output (block 6's goes to `conv_cat`: the
        /// reference returns `out1`, which its in-place SiLU has overwritten). `[nf, H, W]` in the
        /// layout of `x`.
        func callAsFunction(_ x: Tensor, pool: ThreadPool) -> (out: Tensor, first: Tensor) {
            let a1 = c1(x, activation: .silu, pool: pool)
            let o3 = c3(c2(a1, activation: .silu, pool: pool), pool: pool)
            return (SPAN.attention(o3, x, pool: pool), a1)
        }
    }

    /// `(o3 + x) · (σ(o3) − ½)` element-wise (same shape and layout), in one pass spread over `pool`.
    static func attention(_ o3: Tensor, _ x: Tensor, pool: ThreadPool) -> Tensor {
        precondition(o3.channels == x.channels && o3.height == x.height && o3.width == x.width,
                     "SPAN attention: shape mismatch")
        x.require(o3.layout, "SPAN attention")
        let n = o3.data.count, chunk = 1 << 14
        let data = [Float](unsafeUninitializedCapacity: n) { out, count in
            count = n
            o3.data.withUnsafeBufferPointer { a in x.data.withUnsafeBufferPointer { b in
                let (pa, pb, po) = (UnsafeRawPointer(a.baseAddress!), UnsafeRawPointer(b.baseAddress!),
                                    UnsafeMutableRawPointer(out.baseAddress!))
                pool.parallelFor((n + chunk - 1) / chunk) { c in
                    var i = c * chunk
                    let end = min(n, i + chunk)
                    while i + 16 <= end {
                        let v = pa.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                        let r = pb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                        po.storeBytes(of: (v + r) * (VectorMath.sigmoid(v) - 0.5), toByteOffset: 4 * i,
                                      as: SIMD16<Float>.self)
                        i += 16
                    }
                    if i < end {
                        var v = SIMD16<Float>(), r = SIMD16<Float>()
                        for l in 0..<(end - i) { (v[l], r[l]) = (a[i + l], b[i + l]) }
                        let g = (v + r) * (VectorMath.sigmoid(v) - 0.5)
                        for l in 0..<(end - i) { out[i + l] = g[l] }
                    }
                }
            } }
        }
        return Tensor(channels: o3.channels, height: o3.height, width: o3.width, data: data, layout: o3.layout)
    }

    /// The whole network. The trunk (`conv_1`'s output to `conv_2`) and `conv_cat` (1×1, over the four
    /// packed features) run channel-packed when the width is a multiple of 16 (48, the usual one,
    /// is); so does the upsampler (F(6×6)) when its `3·s²` outputs are (×4: 48), its packed output
    /// pixel-shuffled straight to CHW. Otherwise the upsampler runs CHW on the unpacked `conv_cat`.
    final class Network: NetworkBody, @unchecked Sendable {
        static let mean: [Float] = [0.4488, 0.4371, 0.4040]
        static let imageRange: Float = 255
        let config: Config
        let conv1, conv2, convCat, upsampler: Conv
        let blocks: [SPAB]
        let layout: TensorLayout

        init(_ c: Config, _ s: Scope) throws {
            config = c
            let nf = c.featureChannels
            // spandrel replaces the buffer's value by zeros; only its presence (norm off) matters.
            if !c.norm { try s.store.declare(s.key("no_norm"), [1]) }
            let layout: TensorLayout = s.packed16([(nf, nf, 3)]) ? .packed16 : .chw
            self.layout = layout
            conv1 = try s["conv_1"].conv3XC(in: 3, out: nf)
            blocks = try (1...SPAN.blockCount).map { try SPAB(s["block_\($0)"], nf: nf, layout: layout) }
            conv2 = try s["conv_2"].conv3XC(in: nf, out: nf, layout: layout)
            convCat = try s.conv("conv_cat", in: 4 * nf, out: nf, k: 1, layout: layout)
            let up = 3 * c.scale * c.scale
            let upLayout: TensorLayout = layout == .packed16 && s.packed16([(nf, up, 3)]) ? .packed16 : .chw
            upsampler = try s["upsampler"].conv("0", in: nf, out: up, k: 3, layout: upLayout)
        }

        func forward(_ input: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                     options: ForwardOptions) throws -> Tensor {
            let cat = try trunk(input, pool: pool, cancel: cancel)
            if upsampler.layout == .packed16 {
                return Packed16.pixelShuffleToCHW(upsampler(cat, pool: pool), config.scale, pool: pool)
            }
            let chw = cat.layout == .packed16 ? Packed16.unpack(cat, pool: pool) : cat
            return pixelShuffle(upsampler(chw, pool: pool), config.scale)
        }

        /// Everything before the upsampler: `conv_cat`'s output `[nf, H, W]` (in ``layout``). A function
        /// of its own so that the features it keeps for `conv_cat` are freed before the tail runs.
        private func trunk(_ input: Tensor, pool: ThreadPool, cancel: CancellationToken?) throws -> Tensor {
            let x = config.norm
                ? binary(binary(input, perChannel: Self.mean, .sub, pool: pool), scalar: Self.imageRange, .mul,
                         pool: pool)
                : input
            var feature = conv1(x, pool: pool)
            if layout == .packed16 { feature = Packed16.pack(feature, pool: pool) }
            // Only block 6's first activation is kept (a block's is otherwise freed with it).
            var h = feature, first = feature, out1 = feature
            for (i, block) in blocks.enumerated() {
                try cancel.check()
                let r = block(h, pool: pool)
                h = r.out
                if i == 0 { out1 = h }
                if i == blocks.count - 1 { first = r.first }
            }
            try cancel.check()
            return convCat([feature, conv2(h, pool: pool), out1, first], pool: pool)
        }
    }
}
