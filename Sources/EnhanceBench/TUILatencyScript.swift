import EnhanceImaging
import EnhanceTUI
import Foundation

/// Scripted backend of ``measureTUILatency``: it reads the state behind each frame
/// (``TerminalBackend/observe(_:)``) and presses the next key only once the frame it waits for
/// has been drawn; every figure is a frame's time since the key press.
final class ScriptBackend: TerminalBackend {
    enum Phase: Equatable {
        case fit, zoom, alpha, pan, warmLadder, ladder, filmstrip, picker(back: Bool), switching(back: Bool)
        case idle, done
    }

    let size: (columns: Int, rows: Int)
    let script: TUILatencyScript
    var start = Date()
    var failed = false
    var alphaFirst: [Double] = [], alphaComplete: [Double] = [], ladder: [Double] = []
    var panFirst: [Double] = [], panComplete: [Double] = []
    var placeholders = 0, frames = 0
    private var first: Double?, fit: Double?, zoom: Double?
    private var phase = Phase.fit {
        didSet { if phase != oldValue { rssByPhase.append(("\(oldValue)", currentRSSMegabytes("VmHWM"))) } }
    }
    /// Peak RSS so far (MB) at the end of each phase, in order.
    var rssByPhase: [(String, Double)] = []
    private var pressedAt = Date()
    private var outbox: [Msg] = []
    private var fresh = false
    private var firstSeen = false
    private var baseline = 0
    private var viewAtPress: PixelRect?
    private var lastCoverage: (names: String, rects: [PixelRect])?

    init(_ script: TUILatencyScript) {
        size = (script.columns, script.rows)
        self.script = script
    }

    func times() -> (first: Double, fit: Double, zoom: Double)? {
        guard let first, let fit, let zoom else { return nil }
        return (first, fit, zoom)
    }

    func nextEvent(timeoutMs: Int) -> Msg? {
        if Date().timeIntervalSince(pressedAt) > script.timeout { failed = true; return .key(.char("q")) }
        guard !outbox.isEmpty else {
            // Wait as a terminal's input poll does (a 2 kHz busy poll took CPU from the inference).
            if timeoutMs > 0 { usleep(UInt32(timeoutMs) * 1000) }
            return nil
        }
        pressedAt = Date()
        fresh = true
        return outbox.removeFirst()
    }

    func draw(_ frame: ScreenBuffer, previous: ScreenBuffer?) {
        if first == nil, frame.cells.contains(where: { $0.image != nil }) || !frame.images.isEmpty {
            first = Date().timeIntervalSince(start) * 1000
        }
    }

    private func press(_ k: Key) { outbox.append(.key(k)) }

    func observe(_ s: AppState) {
        frames += 1
        countPlaceholder(s)
        guard outbox.isEmpty, let p = s.preview else { return }
        let since = Date().timeIntervalSince(pressedAt) * 1000
        let justPressed = fresh
        fresh = false
        let exact = complete(s)
        switch phase {
        case .fit:
            if p.zoom == .fit && exact {
                fit = Date().timeIntervalSince(start) * 1000
                phase = .zoom
                press(.char("z"))
            }
        case .zoom:
            if p.zoom != .fit && exact {
                zoom = since
                phase = .alpha
                firstSeen = false
                press(.char("{"))
            }
        case .alpha:
            if !firstSeen && coveredArea(s) > 0 { alphaFirst.append(since); firstSeen = true }
            guard exact else { return }
            if !firstSeen { alphaFirst.append(since) }
            alphaComplete.append(since)
            firstSeen = false
            if alphaComplete.count < script.presses { press(.char("{")); return }
            phase = .pan
            viewAtPress = neededRegion(s)
            press(.char("j"))
        case .pan:
            if justPressed {
                if neededRegion(s) == viewAtPress { phase = .warmLadder; return }  // at the image edge
                baseline = coveredArea(s)
                firstSeen = false
            }
            if !firstSeen && coveredArea(s) > baseline { panFirst.append(since); firstSeen = true }
            guard exact, !justPressed || coveredArea(s) > baseline else { return }
            if !firstSeen { panFirst.append(since) }
            panComplete.append(since)
            if panComplete.count >= script.presses { phase = .warmLadder; return }
            viewAtPress = neededRegion(s)
            press(.char("j"))
        case .warmLadder:
            if ladderComplete(s) { phase = .ladder; press(.left) }
        case .ladder:
            let note = primaryNote(s)
            guard !justPressed || note.contains("≈") || exact, note.contains("≈") || exact else { return }
            ladder.append(since)
            if ladder.count < script.presses { press(.left); return }
            if script.fullRun { phase = .filmstrip; press(.char("s")) } else { phase = .done; press(.char("q")) }
        case .filmstrip:
            guard p.filmstrip else { return }
            press(.enter)
            if script.switchPair != nil {
                phase = .picker(back: false)
                press(.char("p"))
            } else {
                phase = .idle
            }
        case .picker(let back):
            guard let m = s.picker, !m.loading else { return }
            let want = back ? script.startPair : script.switchPair
            guard let i = m.pairs.firstIndex(where: { $0.name == want }) else {
                failed = true
                press(.char("q"))
                return
            }
            if m.selected < i { press(.down) } else if m.selected > i { press(.up) } else {
                phase = .switching(back: back)
                press(.enter)
            }
        case .switching(let back):
            guard s.picker == nil, exact else { return }
            if back { phase = .idle } else { phase = .picker(back: true); press(.char("p")) }
        case .idle:
            if exact && p.jobs.isEmpty { phase = .done; press(.char("q")) }
        case .done:
            break
        }
    }

    /// Whether the primary pane's own tiles cover the view at the density it needs.
    private func complete(_ s: AppState) -> Bool {
        let a = primaryExactArea(s)
        return a.view > 0 && a.covered == a.view
    }

    /// Input pixels of the view that the primary method's own exact tiles cover.
    private func coveredArea(_ s: AppState) -> Int { primaryExactArea(s).covered }

    private func countPlaceholder(_ s: AppState) {
        guard let p = s.preview, !p.filmstrip, let view = neededRegion(s) else { lastCoverage = nil; return }
        let now = networkCoverage(s)
        defer { lastCoverage = (s.modelNames, now) }
        guard let last = lastCoverage, last.names == s.modelNames else { return }
        let before = last.rects.map { $0.clipped(to: view) }.filter { $0.area > 0 }
        for r in before where !uncoveredRects(r, by: now).isEmpty {
            placeholders += 1
            return
        }
    }
}

/// VmRSS (`field` "VmRSS") or VmHWM ("VmHWM") of this process in MB (10⁶ bytes).
public func currentRSSMegabytes(_ field: String = "VmRSS") -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = s.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
    return kb * 1024 / 1e6
}
