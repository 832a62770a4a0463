import EnhanceImaging
import EnhanceTUI
import EnhanceTerminal
import Foundation

/// Latency of the terminal UI measured through its real event loop, scheduler and engine, with a
/// headless backend that timestamps every frame (milliseconds; medians over key presses).
public struct TUILatencyResult: Sendable {
    /// Start → first frame with image cells (bicubic stands in at fit).
    public var firstFrameMs: Double
    /// Start → the fit view's network result complete (every background tile in).
    public var fitCompleteMs: Double
    /// Zoom key (fit → 1:1) → the network blend at 1:1 complete on screen.
    public var firstNetwork1to1Ms: Double
    /// α key (Shift-←, −0.01, off the ladder) → the first exact tile of the new α drawn; all presses.
    public var alphaFirstPixelsMs: [Double]
    /// α key → the whole view exact at the new α; all presses.
    public var alphaCompleteMs: [Double]
    /// α key (←, −0.05) once the ladder is warm → the redrawn blend (≈ or exact); all presses.
    public var alphaLadderMs: [Double]
    /// Pan key (down a quarter view) → the first exact tile of the newly exposed strip; all presses.
    public var panFirstPixelsMs: [Double]
    /// Pan key → the whole view exact again; all presses.
    public var panCompleteMs: [Double]
    /// Frames where bicubic replaced network pixels that the previous frame showed (still in view).
    public var placeholderFrames: Int
    /// Frames drawn in all.
    public var frames: Int
    /// Largest |≈ − exact| (RGB in [0, 1]) at the midpoints between ladder values, on the view.
    public var ladderMaxAbsError: Double
    /// The view region (input pixels) the figures were measured on (after the last pan).
    public var region: PixelRect
    /// The final state (the caller compares its panes with an export).
    public var final: AppState
    /// Peak RSS of the process over the scripted run (MB), and the peak so far at the end of each phase.
    public var peakRSSMB: Double
    public var rssByPhase: [(String, Double)]
}

/// What the script does, in order, and the figures it collects (see ``measureTUILatency``).
public struct TUILatencyScript: Sendable {
    public var columns = 120, rows = 40
    /// Pixels per cell when the panes are drawn with a graphics protocol; nil = block cells.
    public var cellPixels: CellPixels?
    public var graphics: GraphicsProtocol = .blocks
    /// Presses per phase (α exact, pan, ladder); pans stop early at the image edge.
    public var presses = 5
    /// Also open and close the filmstrip, switch to `switchPair` and back, and wait until every
    /// background job (ladder, refinement) is done before quitting.
    public var fullRun = false
    /// The pair's name to switch to and back from in a full run (nil: no switch), and the name
    /// of the pair the run starts with (to switch back to).
    public var switchPair: String?
    public var startPair: String?
    public var timeout = 600.0

    public init() {}
}

/// Runs the script on `imagePath`: open (fit), wait for the fit view, zoom to 1:1, `presses` α
/// steps off the ladder (first exact pixels and complete), `presses` pans, wait for the ladder,
/// `presses` ladder α steps; with ``TUILatencyScript/fullRun`` then the filmstrip, a pair switch
/// and back, and idle until all background work is done. Then measures the ladder's interpolation
/// error with `engine` directly. Returns nil if a step did not happen within the timeout.
public func measureTUILatency(engine: any PreviewEngine, imagePath: String,
                              script: TUILatencyScript) throws -> TUILatencyResult? {
    let backend = ScriptBackend(script)
    let names = engine.modelNames
    var initial = initialState(path: imagePath, isDirectory: false, columns: script.columns, rows: script.rows,
                               scale: engine.scale, models: names, colorMode: .trueColor)
    initial.0.graphics = script.graphics
    initial.0.cellPixels = script.cellPixels
    backend.start = Date()
    // 5-ms input polls: figures resolve to 5 ms (the terminal backend polls every 30 ms).
    let final = runEventLoop(backend: backend, engine: engine, initial: initial, pollMs: 5)
    let peak = currentRSSMegabytes("VmHWM")
    guard !backend.failed, let t = backend.times(), let p = final.preview,
          let view = neededRegion(final) else { return nil }
    var worst = 0.0
    for lo in alphaLadder.dropLast() {
        let a = MethodKey(.blend, alpha: Float(lo) / 100), b = MethodKey(.blend, alpha: Float(lo + 10) / 100)
        guard let ta = p.cache.covering(a, view, density: 1, scale: engine.scale),
              let tb = p.cache.covering(b, view, density: 1, scale: engine.scale) else { continue }
        let exact = try engine.upscale(p.image, region: view, method: .blend, alpha: Float(lo + 5) / 100,
                                       cancel: CancellationToken()) { _ in }
        worst = max(worst, maxMidpointError(ta, tb, exact: exact, region: view, scale: engine.scale))
    }
    return TUILatencyResult(firstFrameMs: t.first, fitCompleteMs: t.fit, firstNetwork1to1Ms: t.zoom,
                            alphaFirstPixelsMs: backend.alphaFirst, alphaCompleteMs: backend.alphaComplete,
                            alphaLadderMs: backend.ladder, panFirstPixelsMs: backend.panFirst,
                            panCompleteMs: backend.panComplete, placeholderFrames: backend.placeholders,
                            frames: backend.frames, ladderMaxAbsError: worst, region: view, final: final,
                            peakRSSMB: peak, rssByPhase: backend.rssByPhase)
}

/// max |(a + b)/2 − exact| over `region` (tiles cover it; `exact` is exactly it).
func maxMidpointError(_ a: Tile, _ b: Tile, exact: Image, region: PixelRect, scale: Int) -> Double {
    var worst: Float = 0
    for c in 0..<3 {
        for y in 0..<exact.height {
            for x in 0..<exact.width {
                let ax = (region.x - a.region.x) * scale + x, ay = (region.y - a.region.y) * scale + y
                let bx = (region.x - b.region.x) * scale + x, by = (region.y - b.region.y) * scale + y
                let approx = (a.image[c, ay, ax] + b.image[c, by, bx]) / 2
                worst = max(worst, abs(approx - exact[c, y, x]))
            }
        }
    }
    return Double(worst)
}

/// Median of `v` (NaN when empty).
public func medianOrNaN(_ v: [Double]) -> Double {
    guard !v.isEmpty else { return .nan }
    let s = v.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
