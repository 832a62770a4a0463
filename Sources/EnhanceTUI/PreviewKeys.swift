import EnhanceImaging
/// Keys of the preview screen. Every change that moves the view or α re-plans inference.
func previewKey(_ s: inout AppState, _ k: Key) -> [Effect] {
    guard var p = s.preview else { s.screen = .browser; return [] }
    if s.awaitingAlphaDigit {
        s.awaitingAlphaDigit = false
        if case .char(let c) = k, let d = c.wholeNumberValue, c.isASCII {
            p.alpha = Float(d) / 10
            s.preview = p
            return refreshJobs(&s)
        }
    }
    if p.filmstrip { return filmstripKey(&s, k) }
    let step = panStep(s)
    switch k {
    case .escape, .backspace:
        s.screen = .browser
        let cancels = p.jobs.keys.sorted().map { Effect.cancel(job: $0) }
        p.jobs = [:]
        s.preview = p
        return cancels
    case .char("1"), .char("2"), .char("3"), .char("4"):
        if case .char(let c) = k, let d = c.wholeNumberValue, Method.allCases.indices.contains(d - 1) {
            p.choosePrimary(Method.allCases[d - 1])
        }
        p.flicker = false
    case .tab:
        p.choosePrimary(p.primary.next)
        p.flicker = false
    case .backTab, .char("c"):
        p.secondary = p.secondary.next
        if p.secondary == p.primary { p.secondary = p.secondary.next }
    case .char("v"):
        p.layout = Layout(rawValue: (p.layout.rawValue + 1) % Layout.allCases.count)!
    case .char("V"):
        p.layout = Layout(rawValue: (p.layout.rawValue + Layout.allCases.count - 1) % Layout.allCases.count)!
    case .char("z"):
        let i = Zoom.cycle.firstIndex(of: p.zoom) ?? 0
        p.zoom = Zoom.cycle[(i + 1) % Zoom.cycle.count]
    case .char("Z"):
        let i = Zoom.cycle.firstIndex(of: p.zoom) ?? 0
        p.zoom = Zoom.cycle[(i + Zoom.cycle.count - 1) % Zoom.cycle.count]
    case .char("f"): p.zoom = .fit
    case .char("h"): p.centerX -= step.0; (p.panX, p.panY) = (-1, 0)
    case .char("l"): p.centerX += step.0; (p.panX, p.panY) = (1, 0)
    case .up, .char("k"): p.centerY -= step.1; (p.panX, p.panY) = (0, -1)
    case .down, .char("j"): p.centerY += step.1; (p.panX, p.panY) = (0, 1)
    case .char("s"):
        p.filmstrip = true  // at the zoom it was opened at: closing returns to exactly this view
    case .right, .char("]"): p.alpha = stepAlpha(p.alpha, 0.05)
    case .left, .char("["): p.alpha = stepAlpha(p.alpha, -0.05)
    case .shiftRight, .char("}"): p.alpha = stepAlpha(p.alpha, 0.01)
    case .shiftLeft, .char("{"): p.alpha = stepAlpha(p.alpha, -0.01)
    case .char("="): p.alpha = 1
    case .char("a"): s.awaitingAlphaDigit = true
    case .char(" "): p.flicker.toggle()
    case .char("<"): p.wipe = max(0.05, p.wipe - 0.05)
    case .char(">"): p.wipe = min(0.95, p.wipe + 0.05)
    case .char("e"):
        s.preview = p
        s.export = .prompt(text: defaultExportPath(p, scale: s.scale, pair: s.pairName, folder: s.exportFolder))
        return []
    case .char("o"):
        s.screen = .browser
        s.preview = p
        return []
    case .char("p"):
        s.preview = p
        return openPicker(&s)
    default:
        break
    }
    s.preview = p
    return refreshJobs(&s)
}

/// α moved by `delta`, clamped to [0, 1] and snapped to hundredths.
func stepAlpha(_ a: Float, _ delta: Float) -> Float {
    min(max(((a + delta) * 100).rounded() / 100, 0), 1)
}

/// A quarter of the visible width/height in output pixels (one output pixel at least).
func panStep(_ s: AppState) -> (Double, Double) {
    guard let src = paneSources(s).first else { return (1, 1) }
    return (max((src.width / 4).rounded(), 1), max((src.height / 4).rounded(), 1))
}

/// Drag to pan: the image follows the pointer, `columns` × `rows` cells (locked across panes).
func dragPreview(_ s: inout AppState, columns: Int, rows: Int) -> [Effect] {
    guard s.screen == .preview, s.export == nil, !s.showHelp, var p = s.preview,
          let src = paneSources(s).first else { return [] }
    let area = Geometry.imageArea(Geometry.panes(p.layout, area: CellRect(row: 0, column: 0, width: s.columns,
                                                                          height: s.bodyRows))[0])
    p.centerX -= Double(columns) * src.width / Double(max(area.width, 1))
    p.centerY -= Double(rows) * src.height / Double(max(area.height, 1))
    (p.panX, p.panY) = (-columns.signum(), -rows.signum())
    s.preview = p
    return refreshJobs(&s)
}
