import EnhanceCheckpoints
import EnhanceTensor

/// Real-CUGAN (bilibili's `UpCunet` 2×, 3×, 4× and their `pro` retrains), as spandrel's
/// `RealCUGAN` folder loads it: two U-Nets in sequence. `unet1` (`UNet1`, or `UNet1x3` for 3×) runs
/// at the input's resolution and ends in a transposed conv to 2× (3×); `unet2` refines that at the
/// upscaled resolution, and the network output is `unet2(y) + crop(y)` (4×: `conv_final` on that
/// sum at 2×, pixel-shuffled by 2, plus the nearest-upsampled input). Every conv is unpadded
/// (valid), so the reference reflect-pads the input first (18 px for 2×, 14 for 3×, 19 for 4×),
/// after rounding the sides up to the multiple its stride-2 convs need; `pro` models see
/// `x·0.7 + 0.15` and their output is mapped back by `(y − 0.15)/0.7`.
///
/// Blocks (``UNetConv``): two valid 3×3 convs with LeakyReLU(0.1), optionally a squeeze-excitation
/// block `seblock` (global average pool, 1×1 conv, ReLU, 1×1 conv, sigmoid, scale). Stride-2 2×2
/// convs run as a pixel unshuffle and a 1×1 conv; transposed convs as a conv, a pixel shuffle and
/// a crop (``TransposedConv``), both exactly. The U-Nets run channel-packed (``TensorLayout/packed16``,
/// unless a compact-kernel blend forbids it): valid 3×3 convs by the unpadded F(6×6), the RGB-input
/// convs straight to packed, the 2×2 convs as 1×1 packed convs that read the unshuffled input or write
/// the shuffled output in place; only the 3-channel ends (and 4×'s `conv_final`) run CHW.
///
/// **Tiles.** Tiles start on multiples of ``Config/inputMultiple`` (2; 4 for 3×, whose `unet2` runs
/// at 3× with two stride-2 levels) so that every tile's stride-2 grid lines up with the whole
/// image's. Other sides are taken as they are and padded like the reference: the reflect padding
/// reaches to the multiple on the right and bottom in the same step (18 + 1 px for an odd 2×
/// side), so windows that end at the image's edge are passed unpadded
/// (``Config/padsToInputMultiple``) and odd-sided images equal spandrel's output. The
/// squeeze-excitation blocks scale channels by means over the whole map; they take them from the
/// pass's ``StatisticsSource``, i.e. the ``Upscaler``'s first pass per image, replayed by every tile
/// (as RealPLKSR's GroupNorm, docs/architectures.md; the original Real-CUGAN's tiled mode instead
/// averages the per-tile means over all tiles in a first pass). A bare forward pass uses its own
/// map's, as chaiNNer does per tile. spandrel's `UpCunet2x_fast` (input pixel-unshuffled by 2) is
/// refused.
enum RealCUGAN: NetworkArchitecture {
    static let name = "RealCUGAN"
    static let canonicalLayout = "RealCUGAN"
    /// spandrel's detection keys for Real-CUGAN.
    static let detection = KeyCondition.all([
        "unet1.conv1.conv.0.weight", "unet1.conv1.conv.2.weight", "unet1.conv1_down.weight",
        "unet1.conv2.conv.0.weight", "unet1.conv2.conv.2.weight", "unet1.conv2.seblock.conv1.weight",
        "unet1.conv2_up.weight", "unet1.conv_bottom.weight", "unet2.conv1.conv.0.weight", "unet2.conv1_down.weight",
        "unet2.conv2.conv.0.weight", "unet2.conv2.seblock.conv1.weight", "unet2.conv3.conv.0.weight",
        "unet2.conv3.seblock.conv1.weight", "unet2.conv3_up.weight", "unet2.conv4.conv.0.weight",
        "unet2.conv4_up.weight", "unet2.conv5.weight", "unet2.conv_bottom.weight",
    ].map(KeyCondition.has))
    static let benchmarks = [
        BenchmarkEntry(name: "realcugan", label: "RealCUGAN-2x", config: Config(scale: 2, pro: false)),
    ]

    struct Config: ArchitectureConfig {
        /// 2, 3 or 4 (`UpCunet2x`, `UpCunet3x`, `UpCunet4x`).
        var scale: Int
        /// A `pro` model (the `pro` buffer is present): input and output remapped around the network.
        var pro: Bool

        var hyperParameters: [(name: String, value: Int)] { [("pro", pro ? 1 : 0)] }

        /// 2 for 2× and 4× (one stride-2 level in `unet1` at 1×, two in `unet2` at 2×), 4 for 3×
        /// (two stride-2 levels in `unet2` at 3×), the multiples the reference pads to.
        var inputMultiple: Int { scale == 3 ? 4 : 2 }
        /// The reference reflect-pads other sides to the multiple together with its own padding.
        var padsToInputMultiple: Bool { true }
        /// The squeeze-excitation blocks scale by each channel's mean over the whole map.
        var wholeImageStatistics: Bool { true }

        /// The resolution `unet2` runs at, relative to the input (`scale`, but 2 for 4×).
        var unet2Resolution: Int { scale == 3 ? 3 : 2 }

        /// The peak is `unet2`'s last level, at `r = unet2Resolution` times the input's side: its
        /// `x1` skip (64 channels, kept since `conv1`), `conv4_up`'s 64-channel output, their sum
        /// and `conv5`'s output with the crop's copy, 5·64 floats per pixel at r², plus `unet1`'s
        /// output (kept for the final sum: 3 channels, 64 for 4×) and, for 4×, the tail's copies
        /// at 4× (two 3-channel maps: 96 floats). Measured (peak RSS of the debug `enhance upscale
        /// --tile 1024` at 288² minus 192², untiled, real-size weights): 1287 floats per input
        /// pixel for 2× (this estimate 1292), 2645 for 3× (2907), 1694 for 4× (1632; the 4× image
        /// pipeline's buffers are in the measurement).
        var peakFloatsPerInputPixel: Double {
            let r2 = Double(unet2Resolution * unet2Resolution)
            return r2 * Double(5 * 64 + (scale == 4 ? 64 : 3)) + (scale == 4 ? 96 : 0)
        }
    }

    static func config(_ r: ShapeReader) throws -> Config {
        let first = try r.convShape("unet1.conv1.conv.0")
        let pro = r.has("pro")
        if r.has("conv_final.weight") {
            let final = try r.convShape("conv_final")
            guard final.out != first.in else {
                throw NetworkError(r.source, "RealCUGAN UpCunet2x_fast (input pixel-unshuffled by 2) is not supported")
            }
            try r.requireRGB(first.in, "unet1.conv1.conv.0")
            try r.requireRGB(final.out / 4, "conv_final")
            return Config(scale: 4, pro: pro)
        }
        try r.requireRGB(first.in, "unet1.conv1.conv.0")
        let bottom = try r.shape("unet1.conv_bottom.weight")
        guard bottom.count == 4, bottom[2] == 4 || bottom[2] == 5 else {
            throw NetworkError(r.source, "RealCUGAN unet1.conv_bottom has shape \(bottom); expected a 4×4 (2×) "
                               + "or 5×5 (3×) transposed conv")
        }
        return Config(scale: bottom[2] == 5 ? 3 : 2, pro: pro)
    }

    static func makeNetwork(_ config: Config, _ scope: Scope) throws -> any NetworkBody {
        try Network(config, scope)
    }
}
