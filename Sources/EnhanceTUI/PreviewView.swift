import EnhanceImaging
import EnhanceTerminal

/// Draws the panes of the current layout, each with a label row.
func drawPreview(_ b: inout ScreenBuffer, _ s: AppState, _ p: PreviewState) {
    let area = CellRect(row: 0, column: 0, width: s.columns, height: s.bodyRows)
    let panes = Geometry.panes(p.layout, area: area)
    let a = MethodKey(p.primary, alpha: p.alpha), bk = MethodKey(p.secondary, alpha: p.alpha)
    switch p.layout {
    case .single:
        drawPane(&b, s, p, panes[0], key: p.primaryKey, extra: p.flicker ? "  [flicker: compare]" : "")
    case .sideBySide:
        drawPane(&b, s, p, panes[0], key: a)
        drawPane(&b, s, p, panes[1], key: bk, slot: 1)
        for r in area.row..<(area.row + area.height) { b.put("│", row: r, column: panes[0].width, style: .dim) }
    case .grid:
        for (i, slot) in Slot.allCases.enumerated() {
            drawPane(&b, s, p, panes[i], key: MethodKey(slot, alpha: p.alpha), slot: i)
        }
        for r in area.row..<(area.row + area.height) { b.put("│", row: r, column: panes[0].width, style: .dim) }
    case .wipe:
        drawWipe(&b, s, p, panes[0], left: a, right: bk)
    case .heatMap:
        drawHeat(&b, s, p, panes[0])
    case .consistency:
        drawConsistency(&b, s, p, panes[0])
    }
}

/// What a pane draws: a cached tile, or — while the weight blend at α is computed — the pixel
/// blend (1−α)·PSNR + α·GAN of the cached crops.
enum PaneImage {
    case tile(Tile)
    case mix(Tile, Tile, Float)
}

/// The image to show for `key` and a note saying what it is.
func tileFor(_ p: PreviewState, _ key: MethodKey) -> (PaneImage?, String) {
    let job = p.jobs[key].map { "  computing \(Int(($0.fraction * 100).rounded(.down)))%" } ?? ""
    if let t = p.cache[key] { return (.tile(t), job) }
    if key.slot == .blend, let a = p.cache[MethodKey(.psnr)], let b = p.cache[MethodKey(.gan)], a.region == b.region {
        return (.mix(a, b, key.alpha), "  pixel blend (preview)" + job)
    }
    if key.slot != .bicubic, !job.isEmpty, let t = p.cache[MethodKey(.bicubic)] {
        return (.tile(t), "  bicubic (placeholder)" + job)
    }
    return (nil, job.isEmpty ? "  (no data)" : job)
}

/// Samples of `img` for an `area` showing `src` (output pixels): `perCell` per cell (default the
/// glyphs' sub-pixels). Sampling is linear, so mixing two sampled grids equals sampling the blend.
func samples(_ img: PaneImage, _ src: SourceRect, _ area: CellRect, scale: Int,
             perCell: CellPixels? = nil) -> PixelGrid {
    let per = perCell ?? CellPixels(width: src.symbols.columns, height: src.symbols.rows)
    func one(_ t: Tile) -> PixelGrid {
        // Stored pixels per output pixel on each axis (1 unless the tile was reduced).
        let rx = Double(t.image.width) / Double(max(t.region.width * scale, 1))
        let ry = Double(t.image.height) / Double(max(t.region.height * scale, 1))
        return PixelGrid.sample(t.image, x: (src.x - Double(t.region.x * scale)) * rx,
                                y: (src.y - Double(t.region.y * scale)) * ry, width: src.width * rx,
                                height: src.height * ry, toWidth: area.width * per.width,
                                height: area.height * per.height)
    }
    switch img {
    case .tile(let t): return one(t)
    case let .mix(a, b, alpha):
        let ga = one(a), gb = one(b)
        var v = ga.rgb
        for i in v.indices { v[i] = (1 - alpha) * v[i] + alpha * gb.rgb[i] }
        return PixelGrid(width: ga.width, height: ga.height, rgb: v)
    }
}

func label(_ key: MethodKey) -> String {
    key.slot == .blend ? "blend α=\(formatAlpha(key.alpha))" : key.slot.title
}

/// Renders `img` for the image area of a pane as cells.
func renderTile(_ img: PaneImage, _ src: SourceRect, _ area: CellRect, scale: Int, mode: ColorMode) -> CellGrid {
    RenderCache.shared.grid(img, src, area, mode: mode) {
        BlockRenderer.render(samples(img, src, area, scale: scale), symbols: src.symbols, mode: mode)
    }
}

func source(_ s: AppState, _ p: PreviewState, _ area: CellRect) -> SourceRect {
    Geometry.source(zoom: p.zoom, columns: area.width, rows: area.height, outW: p.image.width * s.scale,
                    outH: p.image.height * s.scale, cx: p.centerX, cy: p.centerY, pixels: s.pixelCells)
}

func drawPane(_ b: inout ScreenBuffer, _ s: AppState, _ p: PreviewState, _ pane: CellRect, key: MethodKey,
              extra: String = "", slot: Int = 0) {
    let area = Geometry.imageArea(pane)
    let (tile, note) = tileFor(p, key)
    b.put(" " + label(key) + note + extra, row: pane.row, column: pane.column, style: .bold, maxWidth: pane.width)
    guard let tile, area.width > 0, area.height > 0 else { return }
    if let px = pixelCells(s) {
        b.place(PlacedImage(area, pixelTile(tile, source(s, p, area), area, scale: s.scale, cell: px), slot: slot))
        return
    }
    b.blit(renderTile(tile, source(s, p, area), area, scale: s.scale, mode: s.colorMode), row: area.row, column: area.column)
}

func drawWipe(_ b: inout ScreenBuffer, _ s: AppState, _ p: PreviewState, _ pane: CellRect, left: MethodKey, right: MethodKey) {
    let area = Geometry.imageArea(pane)
    let split = Int((Double(area.width) * p.wipe).rounded())
    let (lt, ln) = tileFor(p, left), (rt, rn) = tileFor(p, right)
    b.put(" ◀ " + label(left) + ln, row: pane.row, column: pane.column, style: .bold, maxWidth: max(split, 0))
    let rightLabel = label(right) + rn + " ▶ "
    b.put(rightLabel, row: pane.row, column: max(pane.column + pane.width - displayWidth(rightLabel), split + 1),
          style: .bold)
    let src = source(s, p, area)
    guard area.width > 0, area.height > 0 else { return }
    if let px = pixelCells(s) {
        b.place(PlacedImage(area, pixelWipe(lt, rt, src, area, split: split, scale: s.scale, cell: px), slot: 0))
        return
    }
    var grid = CellGrid(columns: area.width, rows: area.height)
    if let lt { grid = renderTile(lt, src, area, scale: s.scale, mode: s.colorMode) }
    if let rt {
        let g = renderTile(rt, src, area, scale: s.scale, mode: s.colorMode)
        for r in 0..<area.height { for c in split..<area.width { grid[r, c] = g[r, c] } }
    }
    b.blit(grid, row: area.row, column: area.column)
    for r in area.row..<(area.row + area.height) { b.put("┃", row: r, column: area.column + min(split, area.width - 1), style: .accent) }
}

func drawHeat(_ b: inout ScreenBuffer, _ s: AppState, _ p: PreviewState, _ pane: CellRect) {
    let area = Geometry.imageArea(pane)
    let (a, an) = tileFor(p, MethodKey(.psnr)), (g, gn) = tileFor(p, MethodKey(.gan))
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
    let (_, note) = tileFor(p, key)
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
