import EnhanceBench
import EnhanceImaging
import EnhanceNetworks
import EnhanceTUI
import EnhanceTUIEngine
import EnhanceTerminal
import Foundation

extension BenchCommand {
    /// `bench --tui-latency`: drives the real UI headless (120×40 cells; with `--graphics`, a pixel
    /// pane of 120×38 cells at `--cell` pixels) through the scripted run of ``measureTUILatency``
    /// and prints its figures, the pane's pure inference time, the idle pane against an export, the
    /// seam error of the interactive context and the peak RSS.
    func runTUILatency() throws {
        let pair = try models.pairPaths()
        guard let psnrPath = pair.psnr, let ganPath = pair.gan else {
            throw CLIError("--tui-latency: no model pair (give --psnr-model and --gan-model, or bundle one in Models/)")
        }
        guard let path = image ?? BenchScripts.asset("astronaut.png") else {
            throw CLIError("--tui-latency: give --image (Assets/astronaut.png not found)")
        }
        var script = TUILatencyScript()
        script.presses = min(max(presses, 1), 9)
        script.fullRun = true
        if let g = graphics {
            guard let proto = GraphicsProtocol(rawValue: g), proto.isPixels else {
                throw CLIError("--graphics \(g): use kitty, sixel or iterm2 (blocks is the default)")
            }
            let wh = cell.split(separator: "x").compactMap { Int($0) }
            guard wh.count == 2, wh.allSatisfy({ (1...200).contains($0) }) else {
                throw CLIError("--cell \(cell): give the cell size in pixels as WxH, e.g. 10x20")
            }
            script.graphics = proto
            script.cellPixels = CellPixels(width: wh[0], height: wh[1])
        }
        // The engine alone holds the models (as in the UI), so a pair switch frees them.
        let engine = try models.tuiEngine(psnr: try models.load(psnrPath), gan: try models.load(ganPath),
                                          paths: (psnrPath, ganPath))
        let names = engine.modelNames
        let current = engine.pairs().first { $0.psnr == psnrPath && $0.gan == ganPath }
        script.startPair = current?.name
        if let current {
            script.switchPair = engine.pairs().first { !$0.isSingle && $0.name != current.name }?.name
        }
        let threads = models.upscaleOptions.threads
        if !json {
            print("tui latency: \(path), PSNR \(names.psnr), GAN \(names.gan), 120×40"
                  + (script.cellPixels.map { ", \(script.graphics.rawValue) \($0.width)×\($0.height)-px cells" } ?? "")
                  + ", zoom 1:1, threads \(threads)")
        }
        guard let r = try measureTUILatency(engine: engine, imagePath: path, script: script) else {
            throw CLIError("--tui-latency: the UI did not reach a step within the time limit")
        }
        let img = try ImageFile.read(path: path)
        let paneMs = try paneInferenceMs(engine, image: img, region: r.region)
        let exportError = try idleExportError(engine, final: r.final)
        let context = engine.interactiveContext ?? 0
        let seam = try seamErrors(engine, image: img, region: r.region,
                                  contexts: Array(Set([4, 8, 12, 16, 24, context])).sorted())
        let fig = TUILatencyFigures(result: r, paneInferenceMs: paneMs, idleExportError: exportError,
                                    peakRSSMB: r.peakRSSMB, seam: seam, context: context,
                                    blendBuildMs: try blendBuildMs(engine),
                                    kernelPrepMs: try kernelPrepMs(engine, image: img))
        if json {
            print(fig.json(psnr: psnrPath, gan: ganPath, image: path, threads: threads, script: script))
        } else {
            fig.printText()
        }
    }
}

/// Median milliseconds of a new α's first 8×8 region: nearly all of it is preparing the blended
/// network's kernels (blend the raw weights, transform them).
func kernelPrepMs(_ engine: UpscalerEngine, image: Image) throws -> Double {
    var t: [Double] = []
    for a in [0.29, 0.43, 0.67] as [Float] {
        let t0 = Date()
        _ = try engine.upscale(image, region: PixelRect(x: 0, y: 0, width: 8, height: 8), method: .blend, alpha: a,
                               cancel: CancellationToken()) { _ in }
        t.append(Date().timeIntervalSince(t0) * 1000)
    }
    return medianOrNaN(t)
}

/// Median milliseconds of upscaling `region` in one piece at a new α (kernels prepared anew, as an
/// α step needs): the pane's pure inference time, the yardstick of `alpha_complete_ms`.
func paneInferenceMs(_ engine: UpscalerEngine, image: Image, region: PixelRect) throws -> Double {
    var t: [Double] = []
    for a in [0.23, 0.37, 0.71] as [Float] {
        let t0 = Date()
        _ = try engine.upscale(image, region: region, method: .blend, alpha: a, cancel: CancellationToken()) { _ in }
        t.append(Date().timeIntervalSince(t0) * 1000)
    }
    return medianOrNaN(t)
}

/// Largest |idle pane − exported file| in 8-bit levels over the view, for the primary method: the
/// pane left alone (every refinement done) against `e`'s file, both rounded to 8 bits.
func idleExportError(_ engine: UpscalerEngine, final s: AppState) throws -> Double {
    guard let p = s.preview, let view = neededRegion(s), let pane = primaryPixels(s) else { return .nan }
    let key = p.primaryKey
    let out = NSTemporaryDirectory() + "enhance-idle-\(getpid()).png"
    defer { try? FileManager.default.removeItem(atPath: out) }
    try engine.export(p.image, method: key.method, alpha: key.alpha, to: out, cancel: CancellationToken()) { _ in }
    let file = try ImageFile.read(path: out)
    let k = s.scale
    var worst = 0
    for c in 0..<3 {
        for y in 0..<pane.height {
            for x in 0..<pane.width {
                let a = Int((min(max(pane[c, y, x], 0), 1) * 255).rounded())
                let b = Int((file[c, view.y * k + y, view.x * k + x] * 255).rounded())
                worst = max(worst, abs(a - b))
            }
        }
    }
    return Double(worst)
}

