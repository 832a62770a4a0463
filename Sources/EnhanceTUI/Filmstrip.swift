import EnhanceImaging
import EnhanceTerminal

/// Keys while the α filmstrip is open: ←/→ (h/l, [/]) move α to the previous/next ladder value,
/// Enter, Esc or s close it (back to the panes at the zoom and centre they had).
func filmstripKey(_ s: inout AppState, _ k: Key) -> [Effect] {
    guard var p = s.preview else { return [] }
    let h = Int((p.alpha * 100).rounded())
    switch k {
    case .left, .char("h"), .char("["):
        p.alpha = Float(alphaLadder.last { $0 < h } ?? alphaLadder[0]) / 100
    case .right, .char("l"), .char("]"):
        p.alpha = Float(alphaLadder.first { $0 > h } ?? alphaLadder[alphaLadder.count - 1]) / 100
    case .enter, .escape, .char("s"):
        p.filmstrip = false
    default:
        return []
    }
    s.preview = p
    return refreshJobs(&s)
}

/// Panels of the filmstrip in `area`: a grid of columns × rows (each panel a label row over its
/// picture, one column of gap) chosen for the biggest pictures of `aspect` (width over height in
/// cells). Panels tile `area` left to right, top to bottom.
func filmstripPanels(_ area: CellRect, aspect: Double) -> [CellRect] {
    let n = alphaLadder.count
    var best = (columns: 1, score: -1.0)
    for columns in 1...n {
        let rows = (n + columns - 1) / columns
        let w = Double(area.width / columns - 1), h = Double(area.height / rows - 1)
        guard w > 0, h > 0 else { continue }
        let score = min(w / max(aspect, 1e-6), h)  // the height of the biggest picture that fits
        if score > best.score + 1e-9 { best = (columns, score) }
    }
    let columns = best.columns, rows = (n + columns - 1) / columns
    let w = area.width / columns, h = area.height / rows
    return (0..<n).map { i in
        CellRect(row: area.row + (i / columns) * h, column: area.column + (i % columns) * w, width: w - 1, height: h)
    }
}

/// The shown picture's width over height in cells: at fit the whole image's (a cell is twice as
/// tall as wide in blocks; in pixels, as the terminal's cells are), zoomed the pane's (`area`
/// less its title row), whose view each panel shows around the same centre.
func filmstripAspect(_ s: AppState, _ p: PreviewState, _ area: CellRect) -> Double {
    guard p.zoom == .fit, p.image.height > 0 else { return Double(area.width) / Double(max(area.height - 1, 1)) }
    let cell = s.pixelCells ?? CellPixels(width: 1, height: 2)
    return Double(p.image.width * cell.height) / Double(p.image.height * cell.width)
}

/// The view at every ladder α side by side, at the zoom and centre of the panes (at fit, the
/// whole image in each panel), the current α marked ▶ (or its two neighbours ▷); panels still
/// computing say so (…, or — not asked for).
func drawFilmstrip(_ b: inout ScreenBuffer, _ s: AppState, _ p: PreviewState, area: CellRect, cache: RenderCache) {
    let current = Int((p.alpha * 100).rounded())
    for (i, (pane, h)) in zip(filmstripPanels(area, aspect: filmstripAspect(s, p, area)), alphaLadder).enumerated() {
        let key = MethodKey(.blend, alpha: Float(h) / 100)
        let img = Geometry.imageArea(pane)
        let src = source(s, p, img)
        let (tile, shown) = tileFor(s, p, key)
        // ▶ the current α; ▷ both ladder neighbours when α lies between two ladder values.
        let between = !alphaLadder.contains(current) && abs(h - current) < alphaLadder[1] - alphaLadder[0]
        let mark = h == current ? "▶" : between ? "▷" : " "
        // … while it computes or bicubic stands in (at fit, until the blend's tiles are there).
        let standIn = ["bicubic", "computing", "exact", "stale", "≈"].contains { shown.contains($0) }
        let note = tile == nil ? (p.jobs(for: key).isEmpty ? " —" : " …") : standIn ? " …" : ""
        b.put(mark + "α \(formatAlpha(key.alpha))" + note, row: pane.row, column: pane.column,
              style: h == current ? .accent : .bold, maxWidth: pane.width)
        guard let tile, img.width > 0, img.height > 0 else { continue }
        if let px = pixelCells(s) {
            b.place(PlacedImage(img, pixelTile(tile, src, img, scale: s.scale, cell: px, cache: cache), slot: i))
        } else {
            b.blit(renderTile(tile, src, img, scale: s.scale, mode: s.colorMode, cache: cache),
                   row: img.row, column: img.column)
        }
    }
}
