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

/// What a pane draws: a cached tile; the interpolation `(1−t)·a + t·b` of two cached blends
/// (the α ladder's neighbours of α, shown as `≈` until the exact blend arrives); or, at fit, the
/// finished background tiles over `base` (bicubic) while the rest computes.
enum PaneImage {
    case tile(Tile)
    case mix(Tile, Tile, Float)
    case mosaic(base: Tile?, tiles: [Tile])
}

/// The image to show for `key` and a note saying what it is (how far it is, what stands in).
func tileFor(_ s: AppState, _ p: PreviewState, _ key: MethodKey) -> (PaneImage?, String) {
    guard let view = neededRegion(s) else { return (nil, "  (no data)") }
    let density = requiredDensity(s)
    let running = p.jobs(for: key).filter { $0.priority == .visible }
    let job = running.first.map { "  computing \(Int(($0.fraction * 100).rounded(.down)))%" } ?? ""
    if p.zoom == .fit {
        let regions = viewRegions(s, p, view: view, key: key)
        let done = regions.compactMap { p.cache.covering(key, $0, density: density, scale: s.scale) }
        if done.count == regions.count, let only = done.first, done.count == 1 { return (.tile(only), "") }
        if done.count == regions.count { return (.mosaic(base: nil, tiles: done), "") }
        let base = p.cache.covering(MethodKey(.bicubic), view, density: density, scale: s.scale)
        if base == nil && done.isEmpty { return (nil, job.isEmpty ? "  (no data)" : job) }
        let note = "  network \(done.count)/\(regions.count) tiles" + (base != nil ? ", bicubic elsewhere" : "")
        return (.mosaic(base: base, tiles: done), note)
    }
    if let t = p.cache.covering(key, view, density: 1, scale: s.scale) { return (.tile(t), job) }
    if key.method == .blend, let (lo, hi) = ladderNeighbours(p, key, view: view, scale: s.scale) {
        let t = Float(key.alphaHundredths - lo.0.alphaHundredths) / Float(hi.0.alphaHundredths - lo.0.alphaHundredths)
        return (.mix(lo.1, hi.1, t), "  ≈ from α=\(formatAlpha(lo.0.alpha))/\(formatAlpha(hi.0.alpha))" + job)
    }
    if key.method.isNetwork, let t = p.cache.covering(MethodKey(.bicubic), view, density: 1, scale: s.scale) {
        return (.tile(t), "  bicubic (placeholder)" + job)
    }
    return (nil, job.isEmpty ? "  (no data)" : job)
}

/// The nearest cached full-resolution blends of the view below and above `key`'s α.
func ladderNeighbours(_ p: PreviewState, _ key: MethodKey, view: PixelRect,
                      scale: Int) -> ((MethodKey, Tile), (MethodKey, Tile))? {
    var lo: (MethodKey, Tile)?, hi: (MethodKey, Tile)?
    for e in p.cache.entries where e.key.method == .blend && e.tile.region.contains(view)
        && e.tile.density(scale: scale) >= 1 - 1e-9 {
        let h = e.key.alphaHundredths
        if h < key.alphaHundredths && h >= (lo?.0.alphaHundredths ?? -1) { lo = (e.key, e.tile) }
        if h > key.alphaHundredths && h <= (hi?.0.alphaHundredths ?? 101) { hi = (e.key, e.tile) }
    }
    guard let lo, let hi else { return nil }
    return (lo, hi)
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
    case let .mosaic(base, tiles):
        let gw = area.width * per.width, gh = area.height * per.height
        var g = base.map(one) ?? PixelGrid(width: gw, height: gh, fill: (0, 0, 0))
        for t in tiles { paste(t, into: &g, src, scale: scale) }
        return g
    }
}

/// Samples `t` over the grid cells its output rectangle covers and writes them into `g`.
func paste(_ t: Tile, into g: inout PixelGrid, _ src: SourceRect, scale: Int) {
    let s = Double(scale), fx = Double(g.width) / src.width, fy = Double(g.height) / src.height
    let i0 = max(Int(((Double(t.region.x) * s - src.x) * fx).rounded()), 0)
    let i1 = min(Int(((Double(t.region.x + t.region.width) * s - src.x) * fx).rounded()), g.width)
    let j0 = max(Int(((Double(t.region.y) * s - src.y) * fy).rounded()), 0)
    let j1 = min(Int(((Double(t.region.y + t.region.height) * s - src.y) * fy).rounded()), g.height)
    guard i1 > i0, j1 > j0 else { return }
    let rx = Double(t.image.width) / Double(max(t.region.width * scale, 1))
    let ry = Double(t.image.height) / Double(max(t.region.height * scale, 1))
    let x = src.x + Double(i0) / fx, y = src.y + Double(j0) / fy
    let part = PixelGrid.sample(t.image, x: (x - Double(t.region.x * scale)) * rx,
                                y: (y - Double(t.region.y * scale)) * ry,
                                width: Double(i1 - i0) / fx * rx, height: Double(j1 - j0) / fy * ry,
                                toWidth: i1 - i0, height: j1 - j0)
    for j in 0..<(j1 - j0) {
        for i in 0..<(i1 - i0) {
            for c in 0..<3 { g.rgb[((j0 + j) * g.width + i0 + i) * 3 + c] = part.rgb[(j * part.width + i) * 3 + c] }
        }
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
    for r in area.row..<(area.row + area.height) { b.put("┃", row: r, column: area.column + min(split, area.width - 1), style: .accent) }
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
