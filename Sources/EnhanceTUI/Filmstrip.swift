import EnhanceImaging
import EnhanceTerminal

/// Keys while the α filmstrip is open: ←/→ (h/l, [/]) move α to the previous/next ladder value,
/// Enter, Esc or s close it.
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

/// Panels of the filmstrip in `area`: as many per row as fit at 16 columns or more.
func filmstripPanels(_ area: CellRect) -> [CellRect] {
    let n = alphaLadder.count
    let perRow = max(1, min(n, area.width / 16))
    let rows = (n + perRow - 1) / perRow
    let w = area.width / perRow, h = area.height / rows
    return (0..<n).map { i in
        CellRect(row: area.row + (i / perRow) * h, column: area.column + (i % perRow) * w, width: w - 1, height: h)
    }
}

/// The visible crop at every ladder α side by side (centred on the view, same zoom), the current
/// α marked ▶ (or its two neighbours ▷); panels still computing say so (…, or — not asked for).
func drawFilmstrip(_ b: inout ScreenBuffer, _ s: AppState, _ p: PreviewState, area: CellRect, cache: RenderCache) {
    let current = Int((p.alpha * 100).rounded())
    for (i, (pane, h)) in zip(filmstripPanels(area), alphaLadder).enumerated() {
        let key = MethodKey(.blend, alpha: Float(h) / 100)
        let img = Geometry.imageArea(pane)
        let src = source(s, p, img)
        let region = Geometry.inputRegion(src, scale: s.scale, inW: p.image.width, inH: p.image.height)
        let tile = p.cache.covering(key, region, density: requiredDensity(s), scale: s.scale)
        // ▶ the current α; ▷ both ladder neighbours when α lies between two ladder values.
        let between = !alphaLadder.contains(current) && abs(h - current) < alphaLadder[1] - alphaLadder[0]
        let mark = h == current ? "▶" : between ? "▷" : " "
        let note = tile == nil ? (p.jobs(for: key).isEmpty ? " —" : " …") : ""
        b.put(mark + "α \(formatAlpha(key.alpha))" + note, row: pane.row, column: pane.column,
              style: h == current ? .accent : .bold, maxWidth: pane.width)
        guard let tile, img.width > 0, img.height > 0 else { continue }
        if let px = pixelCells(s) {
            b.place(PlacedImage(img, pixelTile(.tile(tile), src, img, scale: s.scale, cell: px, cache: cache), slot: i))
        } else {
            b.blit(renderTile(.tile(tile), src, img, scale: s.scale, mode: s.colorMode, cache: cache),
                   row: img.row, column: img.column)
        }
    }
}
