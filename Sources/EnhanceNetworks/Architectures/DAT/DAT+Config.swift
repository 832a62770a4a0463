import EnhanceTensor
import Foundation

extension DAT {
    struct Config: ArchitectureConfig {
        var embedDim: Int
        /// Blocks per residual group (spandrel's `depth`).
        var depths: [Int]
        var heads: [Int]
        /// `split_size`: the first spatial branch's window is `split.0 × split.1` (rows × columns),
        /// the second's `split.1 × split.0`.
        var split: (Int, Int)
        /// `int(embed_dim · expansion_factor)`: `fc1`'s features.
        var ffnHidden: Int
        var qkvBias: Bool
        /// `3conv` residual convolutions instead of one 3×3.
        var threeConv: Bool
        var upsampler: TransformerUpsampler
        /// `num_feat` of the `pixelshuffle` tail (`embed_dim` for `pixelshuffledirect`).
        var numFeat: Int
        /// The tail's pixel-shuffle factors.
        var factors: [Int]
        /// The training `img_size` (the masks' shape: `√(nW · N)`; 64 when absent).
        var imgSize: Int

        var scale: Int { factors.reduce(1, *) }
        var maxSplit: Int { max(split.0, split.1) }
        /// Windows of the stored `attn_mask_0/1` at `img_size`.
        var maskWindows: Int { (imgSize / split.0) * (imgSize / split.1) }
        var tileMultiple: Int { maxSplit }
        var wholeImageStatistics: Bool { true }
        /// Spatial blocks (the even ones).
        var spatialBlocks: Int { depths.reduce(0) { $0 + ($1 + 1) / 2 } }
        /// Spatial attention's `q·kᵀ` and `attn·v` (`2 · h·w · dim` per token and spatial block) and
        /// the channel attention's cosine scores and `attn·v` (`2 · dim²/heads` per token and block).
        var macsOutsideLayers: Double {
            var macs = 0.0
            for (d, h) in zip(depths, heads) {
                macs += Double((d + 1) / 2 * 2 * split.0 * split.1 * embedDim)
                macs += Double(d / 2 * 2 * embedDim * embedDim / h)
            }
            return macs
        }
        /// Each spatial block reaches `max(split) − 1` pixels further.
        var extraReceptiveRadius: Int { spatialBlocks * (maxSplit - 1) }

        var hyperParameters: [(name: String, value: Int)] {
            [("embed_dim", embedDim), ("img_size", imgSize), ("qkv_bias", qkvBias ? 1 : 0)]
                + (upsampler == .pixelShuffle ? [("num_feat", numFeat)] : [])
        }

        var settings: [(name: String, value: String)] {
            func list(_ v: [Int]) -> String { v.map(String.init).joined(separator: ",") }
            return [("depth", list(depths)), ("num_heads", list(heads)), ("split_size", list([split.0, split.1])),
                    ("expansion_factor", String(format: "%g", Double(ffnHidden) / Double(embedDim))),
                    ("upsampler", upsampler.rawValue), ("resi_connection", threeConv ? "3conv" : "1conv")]
        }

        /// Per token (one per input pixel) at the peak, the spatial-gate FFN: the `conv_first`
        /// features, the group's input, the block's input and its LayerNorm (4·dim), `fc1`'s output,
        /// its halves, the gate's LayerNorm, image and conv (3·hidden), plus the shifted windows'
        /// masks (h·w per pixel, both branches) and the input and output images (3 + 3·s²); the tail
        /// runs in strips of rows. Measured on DAT-2 ×4 with random weights (peak RSS of the release
        /// `enhance upscale --model`, untiled, 128² → 160² → 192² inputs: 347, 427, 518 MB; up to 96²
        /// the 289 MB of loading dominate): 8.7 then 8.1 KB per added input pixel, 8.4 KB from 128²
        /// to 192², image pipeline included. This estimate: 2 363 floats, 9.5 KB.
        var peakFloatsPerInputPixel: Double {
            Double(4 * embedDim + 3 * ffnHidden + 2 * split.0 * split.1 + 3 + 3 * scale * scale)
        }

        /// DAT-2 (embed 180, six groups of six blocks, six heads, split 8 × 32, expansion 2, 64 features).
        static func dat2(scale: Int) -> Config {
            Config(embedDim: 180, depths: Array(repeating: 6, count: 6), heads: Array(repeating: 6, count: 6),
                   split: (8, 32), ffnHidden: 360, qkvBias: true, threeConv: false, upsampler: .pixelShuffle,
                   numFeat: 64, factors: TransformerUpsampler.pixelShuffle.factors(scale: scale), imgSize: 64)
        }

        /// Whether block `b` of group `g` rolls its windows (spandrel's rule, spatial blocks only).
        static func shifted(group g: Int, block b: Int) -> Bool {
            (g % 2 == 0 && b > 0 && (b - 2) % 4 == 0) || (g % 2 != 0 && b % 4 == 0)
        }
    }
}
