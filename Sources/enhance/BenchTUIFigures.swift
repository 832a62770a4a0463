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

/// Everything `bench --tui-latency` prints (milliseconds unless named otherwise).
struct TUILatencyFigures {
    var result: TUILatencyResult
    var paneInferenceMs: Double
    /// 8-bit levels.
    var idleExportError: Double
    var peakRSSMB: Double
    var seam: [Int: Double]
    var context: Int
    var blendBuildMs: Double
    var kernelPrepMs: Double

    var alphaComplete: Double { medianOrNaN(result.alphaCompleteMs) }

    /// The `--json` object (keys as in the README).
    func json(psnr: String, gan: String, image: String, threads: Int, script: TUILatencyScript) -> String {
        let r = result
        func num(_ v: Double) -> String { v.isFinite ? String(format: "%.1f", v) : "null" }
        func err(_ v: Double) -> String { v.isFinite ? String(format: "%.5f", v) : "null" }
        func all(_ v: [Double]) -> String { "[" + v.map(num).joined(separator: ", ") + "]" }
        func str(_ v: String) -> String {
            "\"" + v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        let fields: [(String, String)] = [
            ("first_frame_ms", num(r.firstFrameMs)),
            ("fit_complete_ms", num(r.fitCompleteMs)),
            ("first_network_1to1_ms", num(r.firstNetwork1to1Ms)),
            ("alpha_first_pixels_ms", num(medianOrNaN(r.alphaFirstPixelsMs))),
            ("alpha_first_pixels_all_ms", all(r.alphaFirstPixelsMs)),
            ("alpha_complete_ms", num(alphaComplete)),
            ("alpha_complete_all_ms", all(r.alphaCompleteMs)),
            ("alpha_exact_ms", num(alphaComplete)),
            ("pane_inference_ms", num(paneInferenceMs)),
            ("alpha_complete_over_inference", err(alphaComplete / paneInferenceMs)),
            ("alpha_ladder_ms", num(medianOrNaN(r.alphaLadderMs))),
            ("alpha_ladder_all_ms", all(r.alphaLadderMs)),
            ("pan_first_pixels_ms", num(medianOrNaN(r.panFirstPixelsMs))),
            ("pan_first_pixels_all_ms", all(r.panFirstPixelsMs)),
            ("pan_complete_ms", num(medianOrNaN(r.panCompleteMs))),
            ("placeholder_frames", "\(r.placeholderFrames)"),
            ("frames", "\(r.frames)"),
            ("idle_export_max_abs_error", num(idleExportError)),
            ("peak_rss_mb", num(peakRSSMB)),
            ("tile_cache_mb_at_end", num(Double(r.final.preview?.cache.bytes ?? 0) / 1e6)),
            ("rss_by_phase_mb", "{" + r.rssByPhase.map { "\(str($0.0)): \(num($0.1))" }.joined(separator: ", ") + "}"),
            ("ladder_max_abs_error", err(r.ladderMaxAbsError)),
            ("blend_build_ms", num(blendBuildMs)),
            ("kernel_prep_ms", num(kernelPrepMs)),
            ("interactive_context_px", "\(context)"),
            ("seam_max_abs_error", err(seam[context] ?? .nan)),
            ("seam_max_abs_error_by_context", "{" + seam.keys.sorted().map { "\"\($0)\": \(err(seam[$0]!))" }
                .joined(separator: ", ") + "}"),
            ("pair", "{\"psnr\": \(str(psnr)), \"gan\": \(str(gan))}"),
            ("switched_to", script.switchPair.map(str) ?? "null"),
            ("image", str(image)),
            ("view_region", str(r.region.description)),
            ("columns", "\(script.columns)"), ("rows", "\(script.rows)"),
            ("graphics", str(script.graphics.rawValue)),
            ("cell_px", script.cellPixels.map { str("\($0.width)x\($0.height)") } ?? "null"),
            ("zoom", "\"1:1\""), ("threads", "\(threads)"),
        ]
        return "{\n" + fields.map { "  \(str($0.0)): \($0.1)" }.joined(separator: ",\n") + "\n}"
    }

    func printText() {
        let r = result
        func ms(_ v: [Double]) -> String {
            String(format: "%.0f ms  ", medianOrNaN(v)) + v.map { String(format: "%.0f", $0) }.joined(separator: " ")
        }
        print(String(format: "first frame (image cells):          %.0f ms", r.firstFrameMs))
        print(String(format: "fit view complete (all tiles):      %.0f ms", r.fitCompleteMs))
        print(String(format: "zoom key → network blend at 1:1:    %.0f ms", r.firstNetwork1to1Ms))
        print("α key → first exact tile, median:   " + ms(r.alphaFirstPixelsMs))
        print("α key → view exact, median:         " + ms(r.alphaCompleteMs))
        print(String(format: "  pane inference in one piece:      %.0f ms (ratio %.2f)", paneInferenceMs,
                     alphaComplete / paneInferenceMs))
        print("α key → redraw, ladder warm:        " + ms(r.alphaLadderMs))
        print("pan key → first exact tile:         " + ms(r.panFirstPixelsMs))
        print("pan key → view exact:               " + ms(r.panCompleteMs))
        print("placeholder frames:                 \(r.placeholderFrames) of \(r.frames)")
        print(String(format: "idle pane vs export, max:           %.0f/255", idleExportError))
        print(String(format: "peak RSS:                           %.0f MB", peakRSSMB) + "  ("
              + r.rssByPhase.map { "\($0.0) \(Int($0.1))" }.joined(separator: ", ") + ")")
        print(String(format: "tile cache at the end:              %.0f MB",
                     Double(r.final.preview?.cache.bytes ?? 0) / 1e6))
        print(String(format: "ladder max |≈ − exact|:             %.4f  (view %@)", r.ladderMaxAbsError,
                     r.region.description as NSString))
        print(String(format: "blended network build at a new α:   %.0f ms", blendBuildMs))
        print(String(format: "new α, 8×8 region (kernel prep):    %.0f ms", kernelPrepMs))
        for c in seam.keys.sorted() {
            print(String(format: "seam max |context %2d − untiled|:     %.4f", c, seam[c]!)
                  + (c == context ? "  (used)" : ""))
        }
    }
}
