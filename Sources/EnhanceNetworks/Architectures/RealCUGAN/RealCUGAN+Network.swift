import EnhanceCheckpoints
import EnhanceTensor

extension RealCUGAN {
    /// `UpCunet2x`, `UpCunet3x` or `UpCunet4x`: the input remapping of `pro` models, the reflect
    /// padding, the two U-Nets and the 4× tail. CHW `[3, H, W]` → `[3, H·s, W·s]`.
    final class Network: NetworkBody, @unchecked Sendable {
        let config: Config
        let unet1: UNet1
        let unet2: UNet2
        /// 4× only: the 64 → 12 valid 3×3 conv before the pixel shuffle.
        let convFinal: Conv?

        init(_ c: Config, _ s: Scope) throws {
            config = c
            // A registered buffer whose presence marks a pro model (spandrel overwrites its value).
            if c.pro { try s.store.declare(s.key("pro"), [1]) }
            let width = c.scale == 4 ? 64 : 3
            // The U-Nets run channel-packed (F(6×6) on 16-channel vectors) unless the build forbids it.
            let layout: TensorLayout = s.packed16([(64, 64, 3)]) ? .packed16 : .chw
            unet1 = try UNet1(s["unet1"], in: 3, out: width, times3: c.scale == 3, layout: layout)
            unet2 = try UNet2(s["unet2"], in: width, out: width, resolution: Double(c.unet2Resolution), layout: layout)
            convFinal = c.scale == 4 ? try s.conv("conv_final", in: 64, out: 12, k: 3, resolution: 2) : nil
        }

        /// Reflect padding on every side (PyTorch's, the reference's input padding).
        var padding: Int { [2: 18, 3: 14, 4: 19][config.scale]! }

        func forward(_ input: Tensor, pool: ThreadPool, cancel: CancellationToken?,
                     options: ForwardOptions) throws -> Tensor {
            let s = config.scale, h0 = input.height, w0 = input.width, m = config.inputMultiple
            let x = config.pro ? binary(binary(input, scalar: 0.7, .mul, pool: pool), scalar: 0.15, .add, pool: pool)
                : input
            // The reference rounds the sides up to the multiple in the same reflect padding.
            let ph = (h0 + m - 1) / m * m, pw = (w0 + m - 1) / m * m, p = padding
            let padded = reflectPad(x, top: p, left: p, bottom: p + ph - h0, right: p + pw - w0)
            let statistics = StatisticsPass(options.statistics)
            let y = try unet1(padded, pool: pool, statistics: statistics)
            try cancel.check()
            let z = add(try unet2(y, pool: pool, cancel: cancel, statistics: statistics),
                        shrink(y, by: 20, pool: pool), pool: pool)
            try statistics.finish()
            try cancel.check()
            var out: Tensor
            if let convFinal {
                let final = convFinal(RealCUGAN.input(for: convFinal, z, pool: pool), pool: pool)
                out = pixelShuffle(shrink(final, by: 2, pool: pool), 2, pool: pool)
                out = out.cropped(y: 0, x: 0, height: h0 * s, width: w0 * s, pool: pool)
                out = add(out, upsampleNearest(x, factor: 4, pool: pool), pool: pool)
            } else {
                out = z.cropped(y: 0, x: 0, height: h0 * s, width: w0 * s, pool: pool)
            }
            guard config.pro else { return out }
            return binary(binary(out, scalar: 0.15, .sub, pool: pool), scalar: 1 / 0.7, .mul, pool: pool)
        }
    }
}
