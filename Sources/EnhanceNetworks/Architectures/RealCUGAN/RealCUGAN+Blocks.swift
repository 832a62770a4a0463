import EnhanceCheckpoints
import EnhanceTensor

extension RealCUGAN {
    /// The reference's slope for every LeakyReLU.
    static let leaky = Activation.leakyReLU(0.1)

    /// The layout a conv `i → o`, `k`×`k` runs in within a network of `layout`: packed16 where the
    /// shape allows it (``Conv2D/accepts(packed16:_:_:)``), else CHW.
    static func layout(_ layout: TensorLayout, _ i: Int, _ o: Int, _ k: Int) -> TensorLayout {
        layout == .packed16 && Conv2D.accepts(packed16: i, o, k) ? .packed16 : .chw
    }

    /// `x` in the layout `conv` reads: its own, or kept packed16 for a CHW conv that reads a packed
    /// input directly (few outputs, ``Conv2D/accepts(packedInput:_:_:groups:)``).
    static func input(for conv: Conv, _ x: Tensor, pool: ThreadPool) -> Tensor {
        let i = conv.info
        switch (conv.layout, x.layout) {
        case (.packed16, .chw): return Packed16.pack(x, pool: pool)
        case (.chw, .packed16):
            return Conv2D.accepts(packedInput: i.inChannels, i.outChannels, i.kernelSize, groups: i.groups) ? x
                : Packed16.unpack(x, pool: pool)
        default: return x
        }
    }

    /// A valid (unpadded) 3×3 conv: `[in, H, W]` → `[out, H − 2, W − 2]`, packed16 (computed without
    /// the border, ``Conv2D/valid(_:activation:pool:)``) or CHW (the zero-padded conv, its border
    /// cropped) as the conv runs; `x` in either layout.
    static func valid(_ conv: Conv, _ x: Tensor, activation: Activation = .identity, pool: ThreadPool) -> Tensor {
        let x = input(for: conv, x, pool: pool)
        if conv.layout == .packed16 { return conv.op!.valid([x], activation: activation, pool: pool) }
        return shrink(conv(x, activation: activation, pool: pool), by: 1, pool: pool)
    }

    /// `x` without `n` pixels on every side (the reference's `F.pad(x, (−n, −n, −n, −n))`), in its
    /// layout, its channels copied over `pool` when given.
    static func shrink(_ x: Tensor, by n: Int, pool: ThreadPool? = nil) -> Tensor {
        x.cropped(y: n, x: n, height: x.height - 2 * n, width: x.width - 2 * n, pool: pool)
    }

    /// `nn.Conv2d(c, o, 2, 2, 0)`: a 2×2 stride-2 conv, run as a pixel unshuffle by 2 and a 1×1
    /// conv over its `4·c` channels. CHW: `pixel_unshuffle`, whose channel `4·ci + 2·dy + dx` holds
    /// tap (dy, dx) of channel `ci`, so the 1×1 weight `[o, 4·c]` is the OIHW `[o, c, 2, 2]` one as
    /// stored; packed16: the order of ``Packed16/pixelUnshuffle(_:_:pool:)``, channel `(2·dy + dx)·c + ci`.
    struct StridedConv {
        let conv: Conv

        init(_ s: Scope, _ leaf: String, in c: Int, out o: Int, resolution: Double, layout: TensorLayout) throws {
            let layout = RealCUGAN.layout(layout, 4 * c, o, 1)
            let info = LayerInfo(name: s.key(leaf), inChannels: 4 * c, outChannels: o, kernelSize: 1,
                                 resolution: resolution / 2, layout: layout)
            conv = try s.derivedConv(info, tensors: [("\(leaf).weight", [o, c, 2, 2]), ("\(leaf).bias", [o])]) { v in
                guard layout == .packed16 else { return (v[0], v[1]) }
                var w = [Float](repeating: 0, count: v[0].count)
                for oc in 0..<o { for ci in 0..<c { for t in 0..<4 {
                    w[oc * 4 * c + t * c + ci] = v[0][(oc * c + ci) * 4 + t]
                } } }
                return (w, v[1])
            }
        }

        /// `[c, H, W]` (even sides) → `[o, H/2, W/2]`, activated, in the conv's layout (packed16: the
        /// input read in place, ``Conv2D/unshuffledPointwise(_:factor:activation:pool:)``).
        func callAsFunction(_ x: Tensor, activation: Activation, pool: ThreadPool) -> Tensor {
            if conv.layout == .packed16 {
                let p = x.layout == .packed16 ? x : Packed16.pack(x, pool: pool)
                return conv.op!.unshuffledPointwise(p, factor: 2, activation: activation, pool: pool)
            }
            let u = pixelUnshuffle(x.layout == .packed16 ? Packed16.unpack(x, pool: pool) : x, 2, pool: pool)
            return conv(u, activation: activation, pool: pool)
        }
    }
}
