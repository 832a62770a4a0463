import EnhanceImaging
import EnhanceTerminal

/// Draws the panes of the current layout, each with a label row.
func drawPreview(_ b: inout ScreenBuffer, _ s: AppState, _ p: PreviewState, cache: RenderCache) {
    let area = CellRect(row: 0, column: 0, width: s.columns, height: s.bodyRows)
    if p.filmstrip { return drawFilmstrip(&b, s, p, area: area, cache: cache) }
    let panes = Geometry.panes(p.layout, area: area)
    let a = MethodKey(p.primary, alpha: p.alpha), bk = MethodKey(p.secondary, alpha: p.alpha)
    switch p.layout {
    case .single:
        drawPane(&b, s, p, panes[0], key: p.primaryKey, cache: cache, extra: p.flicker ? "  [flicker: compare]" : "")
    case .sideBySide:
        drawPane(&b, s, p, panes[0], key: a, cache: cache)
        drawPane(&b, s, p, panes[1], key: bk, cache: cache, slot: 1)
        for r in area.row..<(area.row + area.height) { b.put("│", row: r, column: panes[0].width, style: .dim) }
    case .grid:
        for (i, m) in Method.allCases.enumerated() {
            drawPane(&b, s, p, panes[i], key: MethodKey(m, alpha: p.alpha), cache: cache, slot: i)
        }
        for r in area.row..<(area.row + area.height) { b.put("│", row: r, column: panes[0].width, style: .dim) }
    case .wipe:
        drawWipe(&b, s, p, panes[0], left: a, right: bk, cache: cache)
    case .heatMap:
        drawHeat(&b, s, p, panes[0])
    case .consistency:
        drawConsistency(&b, s, p, panes[0])
    }
}

func label(_ key: MethodKey) -> String { key.description }

/// Renders `img` for the image area of a pane as cells.
func renderTile(_ img: PaneImage, _ src: SourceRect, _ area: CellRect, scale: Int, mode: ColorMode,
                cache: RenderCache) -> CellGrid {
    cache.grid(img, src, area, mode: mode) {
        BlockRenderer.render(samples(img, src, area, scale: scale), symbols: src.symbols, mode: mode)
    }
}

func source(_ s: AppState, _ p: PreviewState, _ area: CellRect) -> SourceRect {
    Geometry.source(zoom: p.zoom, columns: area.width, rows: area.height, outW: p.image.width * s.scale,
                    outH: p.image.height * s.scale, cx: p.centerX, cy: p.centerY, pixels: s.pixelCells)
}

func drawPane(_ b: inout ScreenBuffer, _ s: AppState, _ p: PreviewState, _ pane: CellRect, key: MethodKey,
              cache: RenderCache, extra: String = "", slot: Int = 0) {
    let area = Geometry.imageArea(pane)
    let (tile, note) = tileFor(s, p, key)
    let approx = note.contains("≈") ? "≈ " : ""
    b.put(" " + approx + label(key) + note + extra, row: pane.row, column: pane.column, style: .bold,
          maxWidth: pane.width)
    guard let tile, area.width > 0, area.height > 0 else { return }
    if let px = pixelCells(s) {
        b.place(PlacedImage(area, pixelTile(tile, source(s, p, area), area, scale: s.scale, cell: px, cache: cache),
                            slot: slot))
        return
    }
    b.blit(renderTile(tile, source(s, p, area), area, scale: s.scale, mode: s.colorMode, cache: cache),
           row: area.row, column: area.column)
}

func drawWipe(_ b: inout ScreenBuffer, _ s: AppState, _ p: PreviewState, _ pane: CellRect, left: MethodKey,
              right: MethodKey, cache: RenderCache) {
    let area = Geometry.imageArea(pane)
    let split = Int((Double(area.width) * p.wipe).rounded())
    let (lt, ln) = tileFor(s, p, left), (rt, rn) = tileFor(s, p, right)
    b.put(" ◀ " + label(left) + ln, row: pane.row, column: pane.column, style: .bold, maxWidth: max(split, 0))
    let rightLabel = label(right) + rn + " ▶ "
    b.put(rightLabel, row: pane.row, column: max(pane.column + pane.width - displayWidth(rightLabel), split + 1),
          style: .bold)
    let src = source(s, p, area)
    guard area.width > 0, area.height > 0 else { return }
    if let px = pixelCells(s) {
        b.place(PlacedImage(area, pixelWipe(lt, rt, src, area, split: split, scale: s.scale, cell: px,
                                                  cache: cache), slot: 0))
        return
    }
    var grid = CellGrid(columns: area.width, rows: area.height)
    if let lt { grid = renderTile(lt, src, area, scale: s.scale, mode: s.colorMode, cache: cache) }
    if let rt {
        let g = renderTile(rt, src, area, scale: s.scale, mode: s.colorMode, cache: cache)
        for r in 0..<area.height { for c in split..<area.width { grid[r, c] = g[r, c] } }
    }
    b.blit(grid, row: area.row, column: area.column)
    for r in area.row..<(area.row + area.height) {
        b.put("┃", row: r, column: area.column + min(split, area.width - 1), style: .accent)
    }
}

func drawHeat(_ b: inout ScreenBuffer, _ s: AppState, _ p: PreviewState, _ pane: CellRect) {
    let area = Geometry.imageArea(pane)
    let (a, an) = tileFor(s, p, MethodKey(.psnr)), (g, gn) = tileFor(s, p, MethodKey(.gan))
    b.put(" |GAN − PSNR| ×4 (black 0 → white ≥0.25)" + an + gn, row: pane.row, column: pane.column, style: .bold,
          maxWidth: pane.width)
    guard let a, let g, area.width > 0, area.height > 0 else { return }
    let src = source(s, p, area), px = pixelCells(s)
    let heat = heatGrid(samples(a, src, area, scale: s.scale, perCell: px),
                        samples(g, src, area, scale: s.scale, perCell: px), gain: 4)
    if px != nil { b.place(PlacedImage(area, RGBImage(heat), slot: 0)); return }
    b.blit(BlockRenderer.render(heat, symbols: src.symbols, mode: s.colorMode), row: area.row, column: area.column)
}

func drawConsistency(_ b: inout ScreenBuffer, _ s: AppState, _ p: PreviewState, _ pane: CellRect) {
    let area = Geometry.imageArea(pane)
    let key = p.primaryKey
    let (_, note) = tileFor(s, p, key)
    let c = p.consistency.flatMap { $0.key == key ? $0 : nil }
    let db = c.map { "  PSNR " + formatDecibels($0.psnr) } ?? ""
    b.put(" consistency of " + label(key) + ": |↓×\(s.scale)(result) − input| ×8" + db + note, row: pane.row,
          column: pane.column, style: .bold, maxWidth: pane.width)
    guard let c, area.width > 0, area.height > 0 else { return }
    let src = source(s, p, area), cell = pixelCells(s)
    let k = Double(s.scale)
    let per = cell ?? CellPixels(width: src.symbols.columns, height: src.symbols.rows)
    let px = PixelGrid.sample(c.diff, x: src.x / k - Double(c.region.x), y: src.y / k - Double(c.region.y),
                              width: src.width / k, height: src.height / k,
                              toWidth: area.width * per.width, height: area.height * per.height)
    let zero = PixelGrid(width: px.width, height: px.height, fill: (0, 0, 0))
    if cell != nil { b.place(PlacedImage(area, RGBImage(heatGrid(px, zero, gain: 8)), slot: 0)); return }
    b.blit(BlockRenderer.render(heatGrid(px, zero, gain: 8), symbols: src.symbols, mode: s.colorMode),
           row: area.row, column: area.column)
}
