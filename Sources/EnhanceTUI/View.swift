import EnhanceTerminal

/// Renders the whole frame from the state (pure: `cache` only memoises rendered panes).
public func view(_ s: AppState, cache: RenderCache) -> ScreenBuffer {
    var b = ScreenBuffer(columns: s.columns, rows: s.rows)
    if s.screen == .preview, let p = s.preview {
        drawPreview(&b, s, p, cache: cache)
    } else {
        drawBrowser(&b, s)
    }
    drawStatus(&b, s)
    // Pixels would cover a dialog (sixel and iTerm2 cannot be clipped around it): the panes stay
    // blank while one is open, and the same images come back (from the render cache) after.
    if s.picker != nil || s.export != nil || s.showHelp { b.blankImages() }
    if let m = s.picker { drawPicker(&b, s, m) }
    if let e = s.export { drawExport(&b, s, e) }
    if s.showHelp { drawHelp(&b) }
    return b
}

func drawStatus(_ b: inout ScreenBuffer, _ s: AppState) {
    let row = s.rows - 1
    guard row >= 0 else { return }
    b.fill(row: row, column: 0, width: s.columns, style: .reverse)
    if let msg = s.status {
        // A message keeps α, zoom and progress in view; it takes the rest of the row, cut with "…".
        var keep: [String] = []
        if s.screen == .preview, let p = s.preview {
            keep = ["α \(formatAlpha(p.alpha))", "zoom \(p.zoom.title)"]
            keep += [viewProgress(s, p), ladderProgress(s, p)].compactMap { $0 }
        }
        b.put(head(" " + (keep + [msg]).joined(separator: " │ "), s.columns), row: row, column: 0, style: .reverse)
        return
    }
    var parts: [String]
    if s.screen == .preview, let p = s.preview {
        parts = ["α \(formatAlpha(p.alpha))", "zoom \(p.zoom.title)", "view \(p.layout.title)"]
        if s.graphics.isPixels { parts.append("pixels \(s.graphics.rawValue)") }
        if let n = s.graphicsNote { parts.append(n) }
        if let v = viewProgress(s, p) { parts.append(v) }
        if let t = p.lastInferenceSeconds { parts.append("last \(formatSeconds(t))") }
        if let l = ladderProgress(s, p) { parts.append(l) }
        let running = p.jobs.count
        parts.append("cache \(p.cache.count)" + (running > 0 ? ", \(running) queued" : ""))
        if let c = p.consistency, p.layout == .consistency, c.key == p.primaryKey {
            parts.append("consistency \(formatDecibels(c.psnr))")
        }
        parts.append(s.modelNames)
    } else {
        parts = ["Enter open", "/ filter", ". hidden", "? help", "q quit", s.modelNames]
    }
    b.put(" " + parts.filter { !$0.isEmpty }.joined(separator: " │ "), row: row, column: 0, style: .reverse)
}

func formatDecibels(_ v: Double) -> String {
    if !v.isFinite { return "∞ dB" }
    let t = Int((v * 10).rounded())
    return "\(t / 10).\(abs(t % 10)) dB"
}

func drawBox(_ b: inout ScreenBuffer, _ r: CellRect, title: String) {
    guard r.width >= 2 && r.height >= 2 else { return }
    for row in r.row..<(r.row + r.height) { b.fill(row: row, column: r.column, width: r.width, style: .normal) }
    let inner = String(repeating: "─", count: r.width - 2)
    b.put("┌" + inner + "┐", row: r.row, column: r.column)
    b.put("└" + inner + "┘", row: r.row + r.height - 1, column: r.column)
    for row in (r.row + 1)..<(r.row + r.height - 1) {
        b.put("│", row: row, column: r.column)
        b.put("│", row: row, column: r.column + r.width - 1)
    }
    b.put(" " + title + " ", row: r.row, column: r.column + 2, style: .title, maxWidth: r.width - 4)
}

/// Every key, grouped; the help overlay lists exactly these lines.
public let helpLines: [String] = [
    "Browser",
    "  ↑/↓ j/k  move        PgUp/PgDn Home/End g/G",
    "  Enter l →  open      Backspace h ←  parent dir",
    "  /  filter as you type (Enter open, Esc clear)",
    "  .  toggle hidden files",
    "Preview",
    "  1-4  bicubic/PSNR/GAN/blend   Tab next method",
    "  c Shift-Tab  compare method   Space flicker",
    "  v/V  layout: single, side by side, 2×2 grid,",
    "       split wipe, |GAN−PSNR| heat, consistency",
    "  < >  move wipe divider",
    "  z/Z  zoom fit/1:1/2:1/4:1    f  fit",
    "  h/l  pan left/right    ↑/↓ k/j  pan up/down",
    "  → ]  α +0.05   ← [  α −0.05",
    "  Shift→ }  α +0.01   Shift← {  α −0.01",
    "  a then 0-9  α = 0.0…0.9     =  α = 1.0",
    "  s  α filmstrip (←/→ pick α, Enter/Esc close)",
    "  p  switch model pair",
    "  e  export full resolution (Esc cancels)",
    "  o  browser    Esc Backspace  back to browser",
    "General",
    "  ?  this help (any key closes)    q  quit",
    "  mouse: wheel scrolls the list / pans, drag pans",
]

func drawHelp(_ b: inout ScreenBuffer) {
    let w = min(b.columns, (helpLines.map { displayWidth($0) }.max() ?? 0) + 4)
    let h = min(b.rows, helpLines.count + 2)
    let r = CellRect(row: max((b.rows - h) / 2, 0), column: max((b.columns - w) / 2, 0), width: w, height: h)
    drawBox(&b, r, title: "Keys")
    for (i, line) in helpLines.enumerated() where i + 1 < h - 1 {
        let style: TextStyle = line.hasPrefix(" ") ? .normal : .bold
        b.put(line, row: r.row + 1 + i, column: r.column + 2, style: style, maxWidth: w - 4)
    }
}

func drawExport(_ b: inout ScreenBuffer, _ s: AppState, _ e: ExportPhase) {
    let w = min(b.columns, max(50, b.columns * 2 / 3))
    let r = CellRect(row: max(b.rows / 2 - 2, 0), column: max((b.columns - w) / 2, 0), width: w, height: 4)
    drawBox(&b, r, title: "Export")
    let line: String
    var hint = ""
    switch e {
    case .prompt(let text):
        line = "Save to: " + tail(text + "▏", w - 13)
        hint = "Enter save · Esc cancel"
    case .checking(let path):
        line = "Checking " + tail(path, w - 14) + "…"
    case .confirmOverwrite(let path):
        line = "Exists: " + tail(path, w - 12)
        hint = "Overwrite? (y/n)"
    case let .running(_, f, elapsed):
        let barW = max(w - 24, 4)
        let filled = min(Int((f * Double(barW)).rounded(.down)), barW)
        let eta = f > 0.001 ? formatSeconds(elapsed / f * (1 - f)) : "…"
        line = "[" + String(repeating: "█", count: filled) + String(repeating: "·", count: barW - filled) + "] "
            + "\(Int((f * 100).rounded(.down)))% ETA \(eta)"
        hint = "Esc cancel (no file is written)"
    }
    b.put(line, row: r.row + 1, column: r.column + 2, maxWidth: w - 4)
    b.put(hint, row: r.row + 2, column: r.column + 2, style: .dim, maxWidth: w - 4)
}

/// The start of `s` fitting in `width` columns, with a trailing "…" when cut.
func head(_ s: String, _ width: Int) -> String {
    if displayWidth(s) <= width { return s }
    var out = ""
    var w = 1
    for ch in s {
        let cw = displayWidth(ch)
        if w + cw > width { break }
        out.append(ch)
        w += cw
    }
    return out + "…"
}

/// The end of `s` fitting in `width` columns, with a leading "…" when cut.
func tail(_ s: String, _ width: Int) -> String {
    if displayWidth(s) <= width { return s }
    var out = ""
    var w = 1
    for ch in s.reversed() {
        let cw = displayWidth(ch)
        if w + cw > width { break }
        out.insert(ch, at: out.startIndex)
        w += cw
    }
    return "…" + out
}
