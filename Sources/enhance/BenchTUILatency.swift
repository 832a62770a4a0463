import EnhanceBench
import EnhanceImaging
import EnhanceNetworks
import EnhanceTUI
import EnhanceTUIEngine
import Foundation

/// Largest |preview − untiled| over `region` at α 0.5, for each context margin in `contexts`: the
/// region inferred with that margin against the network run untiled on the region plus 48 px of
/// the image around it (so both see the same input; the reference has no seams at all).
func seamErrors(_ engine: UpscalerEngine, image: Image, region r: PixelRect, contexts: [Int]) throws -> [Int: Double] {
    guard let blender = engine.blender else { return [:] }
    let m = 48
    let x0 = max(r.x - m, 0), y0 = max(r.y - m, 0)
    let x1 = min(r.x + r.width + m, image.width), y1 = min(r.y + r.height + m, image.height)
    let w = x1 - x0, h = y1 - y0
    var px = [Float](repeating: 0, count: 3 * w * h)
    for c in 0..<3 { for y in 0..<h { for x in 0..<w { px[(c * h + y) * w + x] = image[c, y0 + y, x0 + x] } } }
    let crop = Image(width: w, height: h, channelCount: 3, pixels: px)
    var o = engine.options
    o.tileSize = max(w, h) + 64  // one tile: untiled
    let up = try Upscaler(.blend(blender, alpha: 0.5), options: o)
    let reference = try up.upscale(crop)
    let inner = PixelRect(x: r.x - x0, y: r.y - y0, width: r.width, height: r.height)
    let s = engine.scale
    var out: [Int: Double] = [:]
    for ctx in contexts {
        let preview = try up.upscaleRegion(crop, x: inner.x, y: inner.y, width: inner.width, height: inner.height,
                                           context: ctx)
        var worst: Float = 0
        for c in 0..<3 {
            for y in 0..<preview.height {
                for x in 0..<preview.width {
                    worst = max(worst, abs(preview[c, y, x] - reference[c, inner.y * s + y, inner.x * s + x]))
                }
            }
        }
        out[ctx] = Double(worst)
    }
    return out
}

/// Median milliseconds of building the blended upscaler at a new α (`Upscaler(.blend(...))`,
/// i.e. `ModelBlender.network(alpha:)`), over 3 α values: the part of an exact α that is blending.
func blendBuildMs(_ engine: UpscalerEngine) throws -> Double {
    guard let blender = engine.blender else { return .nan }
    var t: [Double] = []
    for a in [0.33, 0.47, 0.61] as [Float] {
        let t0 = Date()
        _ = try Upscaler(.blend(blender, alpha: a), options: engine.options)
        t.append(Date().timeIntervalSince(t0) * 1000)
    }
    return t.sorted()[1]
}

/// The `--tui-latency --json` object (keys as in the README).
func tuiLatencyJSON(_ r: TUILatencyResult, seam: [Int: Double], context: Int, blendMs: Double, psnr: String,
                    gan: String, image: String, threads: Int) -> String {
    func num(_ v: Double) -> String { v.isFinite ? String(format: "%.1f", v) : "null" }
    func err(_ v: Double) -> String { v.isFinite ? String(format: "%.5f", v) : "null" }
    func str(_ v: String) -> String {
        "\"" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
    let fields: [(String, String)] = [
        ("first_frame_ms", num(r.firstFrameMs)),
        ("first_network_1to1_ms", num(r.firstNetwork1to1Ms)),
        ("alpha_exact_ms", num(r.alphaExactMs)),
        ("alpha_exact_all_ms", "[" + r.alphaExactAllMs.map(num).joined(separator: ", ") + "]"),
        ("alpha_ladder_ms", num(r.alphaLadderMs)),
        ("alpha_ladder_all_ms", "[" + r.alphaLadderAllMs.map(num).joined(separator: ", ") + "]"),
        ("fit_complete_ms", num(r.fitCompleteMs)),
        ("ladder_max_abs_error", err(r.ladderMaxAbsError)),
        ("blend_build_ms", num(blendMs)),
        ("interactive_context_px", "\(context)"),
        ("seam_max_abs_error", err(seam[context] ?? .nan)),
        ("seam_max_abs_error_by_context", "{" + seam.keys.sorted().map { "\"\($0)\": \(err(seam[$0]!))" }
            .joined(separator: ", ") + "}"),
        ("pair", "{\"psnr\": \(str(psnr)), \"gan\": \(str(gan))}"),
        ("image", str(image)),
        ("view_region", str(r.region.description)),
        ("columns", "120"), ("rows", "40"), ("zoom", "\"1:1\""), ("threads", "\(threads)"),
    ]
    return "{\n" + fields.map { "  \(str($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}"
}
