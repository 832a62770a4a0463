import EnhanceTUI
import Foundation

/// Latency of the terminal UI measured through its real event loop, effect executor and engine,
/// with a headless backend that timestamps every frame.
///
/// - `firstFrame`: from start to the first frame that shows image cells (bicubic or a pixel-blend
///   placeholder), and `firstImage`: to the first frame showing the network blend itself.
/// - `alpha`: for each α key press, the time until a frame shows the weight blend at the new α
///   (not the pixel-blend placeholder, nothing computing). Times in seconds.
public struct TUILatencyResult: Sendable {
    public var firstFrame: Double
    public var firstImage: Double
    public var alpha: [Double]
}

/// Runs the α-latency benchmark on `imagePath` at 1:1 zoom in a `columns × rows` terminal.
/// Returns nil if a frame never arrived within `timeout` seconds.
public func measureTUILatency(engine: any PreviewEngine, imagePath: String, columns: Int = 120, rows: Int = 40,
                              presses: Int = 10, timeout: Double = 120) -> TUILatencyResult? {
    let backend = TimingBackend(columns: columns, rows: rows, presses: presses, timeout: timeout)
    let names = engine.modelNames
    let initial = initialState(path: imagePath, isDirectory: false, columns: columns, rows: rows, scale: engine.scale,
                               modelNames: "PSNR \(names.psnr) · GAN \(names.gan)", colorMode: .trueColor,
                               showHidden: false)
    backend.start = Date()
    _ = runEventLoop(backend: backend, engine: engine, initial: initial, pollMs: 1)
    guard !backend.failed, let ff = backend.firstFrame, let fi = backend.firstImage else { return nil }
    return TUILatencyResult(firstFrame: ff, firstImage: fi, alpha: backend.alphaLatencies)
}

/// Scripted backend: waits for the blend to settle, zooms to 1:1, then presses ← (α − 0.05)
/// `presses` times (at most 10: α 0.50 → 0.00), timing each until the settled frame at the new α.
private final class TimingBackend: TerminalBackend {
    let size: (columns: Int, rows: Int)
    var start = Date()
    var firstFrame: Double?
    var firstImage: Double?
    var alphaLatencies: [Double] = []
    var failed = false
    private let presses: Int
    private let timeout: Double
    private var phase = 0  // 0 opening, 1 zooming, 2 waiting for α settle, 3 done
    private var pressedAt: Date?
    private var waitingSince = Date()
    private var alpha: Float = 0.5
    private var settled = false

    init(columns: Int, rows: Int, presses: Int, timeout: Double) {
        size = (columns, rows)
        self.presses = min(10, max(1, presses))
        self.timeout = timeout
    }

    /// The label row says the blend at `alpha` is shown from the network, not a placeholder.
    private func showsSettledBlend(_ f: ScreenBuffer, alpha: Float) -> Bool {
        let label = f.text(row: 0)
        return label.contains(String(format: "blend α=%.2f", alpha)) && !label.contains("pixel blend")
            && !label.contains("computing") && f.cells.contains { $0.image != nil }
    }

    func nextEvent(timeoutMs: Int) -> Msg? {
        if Date().timeIntervalSince(waitingSince) > timeout { failed = true; return .key(.char("q")) }
        guard settled else {
            if timeoutMs > 0 { usleep(UInt32(min(timeoutMs, 2)) * 1000) }
            return nil
        }
        settled = false
        waitingSince = Date()
        switch phase {
        case 0:
            phase = 1
            return .key(.char("z"))  // fit → 1:1
        case 1, 2:
            if alphaLatencies.count >= presses { phase = 3; return .key(.char("q")) }
            phase = 2
            alpha = max(0, alpha - 0.05)
            pressedAt = Date()
            return .key(.left)
        default:
            return .key(.char("q"))
        }
    }

    func draw(_ frame: ScreenBuffer, previous: ScreenBuffer?) {
        let t = Date().timeIntervalSince(start)
        if firstFrame == nil, frame.cells.contains(where: { $0.image != nil }) { firstFrame = t }
        guard showsSettledBlend(frame, alpha: alpha) else { return }
        if firstImage == nil { firstImage = t }
        switch phase {
        case 0: settled = true
        case 1: if frame.text(row: frame.rows - 1).contains("1:1") { settled = true }
        case 2:
            if let p = pressedAt {
                alphaLatencies.append(Date().timeIntervalSince(p))
                pressedAt = nil
                settled = true
            }
        default: break
        }
    }
}
