import EnhanceImaging
import EnhanceTUI
import Foundation

/// Latency of the terminal UI measured through its real event loop, scheduler and engine, with a
/// headless backend that timestamps every frame (milliseconds; medians over key presses).
public struct TUILatencyResult: Sendable {
    /// Start → first frame with image cells (bicubic stands in at fit).
    public var firstFrameMs: Double
    /// Start → the fit view's network result complete (every background tile in).
    public var fitCompleteMs: Double
    /// Zoom key (fit → 1:1) → the network blend at 1:1 on screen.
    public var firstNetwork1to1Ms: Double
    /// α key (Shift-←, −0.01, off the ladder) → the exact weight blend on screen; median, and all.
    public var alphaExactMs: Double
    public var alphaExactAllMs: [Double]
    /// α key (←, −0.05) once the ladder is warm → the redrawn blend (≈ or exact); median, and all.
    public var alphaLadderMs: Double
    public var alphaLadderAllMs: [Double]
    /// Largest |≈ − exact| (RGB in [0, 1]) at the midpoints between ladder values, on the view.
    public var ladderMaxAbsError: Double
    /// The view region (input pixels) the ladder was measured on.
    public var region: PixelRect
}

/// Runs the script on `imagePath` in a `columns × rows` terminal: open (fit), wait for the fit
/// view to complete, zoom to 1:1, `presses` exact α steps, wait for the ladder, `presses` ladder
/// α steps. Then measures the ladder's interpolation error with `engine` directly. Returns nil
/// if a step did not happen within `timeout` seconds.
public func measureTUILatency(engine: any PreviewEngine, imagePath: String, columns: Int = 120, rows: Int = 40,
                              presses: Int = 5, timeout: Double = 600) throws -> TUILatencyResult? {
    let backend = TimingBackend(columns: columns, rows: rows, presses: presses, timeout: timeout)
    let names = engine.modelNames
    let initial = initialState(path: imagePath, isDirectory: false, columns: columns, rows: rows, scale: engine.scale,
                               models: names, colorMode: .trueColor)
    backend.start = Date()
    let final = runEventLoop(backend: backend, engine: engine, initial: initial, pollMs: 1)
    guard !backend.failed, let t = backend.times(), let p = final.preview,
          let view = neededRegion(final) else { return nil }
    var worst = 0.0
    for lo in alphaLadder.dropLast() {
        let a = MethodKey(.blend, alpha: Float(lo) / 100), b = MethodKey(.blend, alpha: Float(lo + 10) / 100)
        guard let ta = p.cache.covering(a, view, density: 1, scale: engine.scale),
              let tb = p.cache.covering(b, view, density: 1, scale: engine.scale) else { return nil }
        let exact = try engine.upscale(p.image, region: view, method: .blend, alpha: Float(lo + 5) / 100,
                                       cancel: CancelFlag()) { _ in }
        worst = max(worst, maxMidpointError(ta, tb, exact: exact, region: view, scale: engine.scale))
    }
    return TUILatencyResult(firstFrameMs: t.first, fitCompleteMs: t.fit, firstNetwork1to1Ms: t.zoom,
                            alphaExactMs: backend.exact.isEmpty ? .nan : median(backend.exact),
                            alphaExactAllMs: backend.exact,
                            alphaLadderMs: backend.ladder.isEmpty ? .nan : median(backend.ladder),
                            alphaLadderAllMs: backend.ladder,
                            ladderMaxAbsError: worst, region: view)
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

/// Scripted backend: presses a key only when the frame it waits for has been drawn.
private final class TimingBackend: TerminalBackend {
    enum Phase { case fit, zoom, exact, warmLadder, ladder, done }

    let size: (columns: Int, rows: Int)
    var start = Date()
    var failed = false
    var exact: [Double] = []
    var ladder: [Double] = []
    private var first: Double?, fit: Double?, zoom: Double?
    private let presses: Int
    private let timeout: Double
    private var phase = Phase.fit
    private var pressedAt = Date()
    private var alpha: Float = 0.5
    private var ready = false

    init(columns: Int, rows: Int, presses: Int, timeout: Double) {
        size = (columns, rows)
        self.presses = min(9, max(1, presses))
        self.timeout = timeout
    }

    func times() -> (first: Double, fit: Double, zoom: Double)? {
        guard let first, let fit, let zoom else { return nil }
        return (first, fit, zoom)
    }

    func nextEvent(timeoutMs: Int) -> Msg? {
        if Date().timeIntervalSince(pressedAt) > timeout { failed = true; return .key(.char("q")) }
        guard ready else {
            if timeoutMs > 0 { usleep(500) }
            return nil
        }
        ready = false
        pressedAt = Date()
        switch phase {
        case .fit:
            phase = .zoom
            return .key(.char("z"))
        case .zoom, .exact:
            if exact.count >= presses { phase = .warmLadder; return nil }
            phase = .exact
            alpha = stepped(alpha, -1)
            return .key(.char("{"))
        case .warmLadder, .ladder:
            if ladder.count >= presses { phase = .done; return .key(.char("q")) }
            phase = .ladder
            alpha = stepped(alpha, -5)
            return .key(.left)
        case .done:
            return .key(.char("q"))
        }
    }

    private func stepped(_ a: Float, _ hundredths: Int) -> Float { Float(Int((a * 100).rounded()) + hundredths) / 100 }

    func draw(_ frame: ScreenBuffer, previous: ScreenBuffer?) {
        let ms = Date().timeIntervalSince(start) * 1000
        let label = frame.text(row: 0), status = frame.text(row: frame.rows - 1)
        let hasImage = frame.cells.contains { $0.image != nil }
        let name = "blend α=" + formatAlpha(alpha)
        let exactShown = hasImage && label.hasPrefix(" " + name) && !label.contains("computing")
            && !label.contains("placeholder") && !label.contains("tiles")
        let since = Date().timeIntervalSince(pressedAt) * 1000
        if first == nil, hasImage { first = ms }
        switch phase {
        case .fit:
            if exactShown && !status.contains("% ETA") { fit = ms; ready = true }
        case .zoom:
            if exactShown && status.contains("1:1") { zoom = since; ready = true }
        case .exact:
            if exactShown { exact.append(since); ready = true }
        case .warmLadder:
            if status.contains("ladder \(alphaLadder.count)/\(alphaLadder.count)") { ready = true }
        case .ladder:
            if hasImage && (label.hasPrefix(" ≈ " + name) || exactShown) { ladder.append(since); ready = true }
        case .done:
            break
        }
    }
}
