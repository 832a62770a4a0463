import EnhanceImaging

/// Source rectangles (output pixels) of every pane of the current layout.
func paneSources(_ s: AppState) -> [SourceRect] {
    guard let p = s.preview else { return [] }
    let area = CellRect(row: 0, column: 0, width: s.columns, height: s.bodyRows)
    return Geometry.panes(p.layout, area: area).map { pane in
        let a = Geometry.imageArea(pane)
        return Geometry.source(zoom: p.zoom, columns: a.width, rows: a.height, outW: p.image.width * s.scale,
                               outH: p.image.height * s.scale, cx: p.centerX, cy: p.centerY, pixels: s.pixelCells)
    }
}

/// The input region that must be upscaled to draw every pane: the input pixels the visible area
/// touches, nothing more. The network's context margin is the engine's business.
public func neededRegion(_ s: AppState) -> PixelRect? {
    guard let p = s.preview else { return nil }
    var x0 = Int.max, y0 = Int.max, x1 = Int.min, y1 = Int.min
    for src in paneSources(s) {
        let r = Geometry.inputRegion(src, scale: s.scale, inW: p.image.width, inH: p.image.height)
        guard r.width > 0 && r.height > 0 else { continue }
        x0 = min(x0, r.x); y0 = min(y0, r.y); x1 = max(x1, r.x + r.width); y1 = max(y1, r.y + r.height)
    }
    guard x0 < x1 && y0 < y1 else { return nil }
    return PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
}

/// Edge in input pixels of the background tiles the whole-image (fit) view is computed in.
public let fitTileEdge = 128

/// The whole image in ``fitTileEdge`` tiles, centre first (the fit view's background work).
func fitTiles(_ p: PreviewState) -> [PixelRect] {
    var tiles: [PixelRect] = []
    for y in stride(from: 0, to: p.image.height, by: fitTileEdge) {
        for x in stride(from: 0, to: p.image.width, by: fitTileEdge) {
            tiles.append(PixelRect(x: x, y: y, width: min(fitTileEdge, p.image.width - x),
                                   height: min(fitTileEdge, p.image.height - y)))
        }
    }
    let cx = Double(p.image.width) / 2, cy = Double(p.image.height) / 2
    func d(_ r: PixelRect) -> Double {
        let dx = Double(r.x) + Double(r.width) / 2 - cx, dy = Double(r.y) + Double(r.height) / 2 - cy
        return dx * dx + dy * dy
    }
    return tiles.enumerated().sorted { (d($0.1), $0.0) < (d($1.1), $1.0) }.map(\.1)
}

/// What the view wants: the jobs to start (most important first) and which (key, priority) pairs
/// still want the part of `target` they cover, so their running jobs are kept.
struct Plan {
    var jobs: [Job] = []
    var live: [(key: MethodKey, priority: Priority, target: PixelRect, density: Double)] = []

    func keeps(_ j: Job) -> Bool {
        live.contains { $0.key == j.key && $0.priority == j.priority && $0.target.intersects(j.region)
            && j.density >= $0.density - 1e-9 }
    }
}

/// The work the view wants, most important first. Visible: every shown method at α over the view,
/// in pieces from the view's centre outwards (at fit, the whole image in background tiles), only
/// where neither its tiles nor its running jobs reach: a pan computes just the uncovered strips,
/// and an α step cancels the old α's work. Zoomed, once the view is exact: the α ladder over the
/// view (blend shown), then the view refined on the export's own tiles, then the view extended in
/// the pan direction.
func plannedWork(_ s: AppState, _ p: PreviewState, view: PixelRect, density: Double) -> Plan {
    var plan = Plan()
    let focus = (x: Double(view.x) + Double(view.width) / 2, y: Double(view.y) + Double(view.height) / 2)
    // Piece sizes from the pair's measured speed: a first piece that runs in about 0.1 s (what a
    // new α's kernel preparation leaves of a 0.4 s budget) with the engine's 8 px of context on
    // each side (the bundled large pair on 2 AVX2 cores: 8 px, run as 24 × 24 in 0.15 s); a view
    // that runs whole within 0.7 s stays one piece, since cutting adds context and the first
    // piece's pixels again (the default pair's 1:1 kitty view, 300 × 190: ~0.2 s whole on 2 AVX2
    // cores, 0.4 s as a first piece and two halves; SwinIR-M's 30 × 20 block view, ~0.45 s whole:
    // cut, its first pixels came no sooner, 642 against 522 ms, and the whole view 26 % later).
    let first = p.pixelSeconds.map { min(max(Int((0.1 / $0).squareRoot()) - 16, 8), 160) } ?? 48
    let whole = p.pixelSeconds.map { Int(min(0.7 / $0, 1e9)) } ?? 0
    /// Queues what `key` at `pr` still lacks of `target`; true when its tiles cover `target`.
    @discardableResult
    func want(_ key: MethodKey, _ target: PixelRect, _ pr: Priority, density d: Double) -> Bool {
        plan.live.append((key, pr, target, d))
        let tiles = usableTiles(p, key, view: target, density: d, scale: s.scale)
            .filter { pr != .refine || $0.refined }.map(\.region)
        let running = p.jobs.values.filter { $0.key == key && $0.priority == pr && $0.density >= d - 1e-9 }
            .map(\.region)
        var regions: [PixelRect] = []
        for gap in Progressive.uncovered(target, by: tiles + running) {
            if key.method.isNetwork && p.zoom == .fit {
                regions += fitTiles(p).filter { $0.intersects(gap) && !regions.contains($0) }
            } else if !key.method.isNetwork || pr != .visible {
                regions.append(gap)
            } else {
                regions += Progressive.pieces(gap, focus: focus, first: first, whole: whole)
            }
        }
        for r in regions { plan.jobs.append(Job(id: 0, key: key, region: r, priority: pr, density: d)) }
        return Progressive.covers(target, tiles)
    }
    var keys = p.neededKeys
    if p.filmstrip { keys.append(MethodKey(.blend, alpha: p.alpha)) }
    var complete = true
    for key in keys where !want(key, view, .visible, density: density) { complete = false }
    // At fit the ladder only for the filmstrip (it shows every α of the whole image).
    guard p.zoom != .fit || p.filmstrip, complete else { return plan }
    if p.showsBlend {
        // Nearest to α first: the neighbours of the next α keys are ready soonest.
        let here = Int((p.alpha * 100).rounded())
        for h in alphaLadder.sorted(by: { (abs($0 - here), $0) < (abs($1 - here), $1) })
        where !want(MethodKey(.blend, alpha: Float(h) / 100), view, .ladder, density: p.zoom == .fit ? density : 1) {
            complete = false
        }
    }
    guard complete, p.zoom != .fit else { return plan }
    for key in keys where key.method.isNetwork && !want(key, view, .refine, density: 1) { complete = false }
    if complete && (p.panX != 0 || p.panY != 0) {
        let ahead = PixelRect(x: view.x + p.panX * view.width / 2, y: view.y + p.panY * view.height / 2,
                              width: view.width, height: view.height)
        let r = view.union(ahead).clipped(width: p.image.width, height: p.image.height)
        if r != view { want(p.primaryKey, r, .prefetch, density: 1) }
    }
    return plan
}

/// Starts inference for what the view needs and is not cached (see ``plannedWork``), keeps jobs
/// still wanted, and cancels stale ones (other region, other α, no longer shown). Never blocks.
func refreshJobs(_ s: inout AppState) -> [Effect] {
    guard s.screen == .preview, var p = s.preview else { return [] }
    clampCenter(&p, s)
    s.preview = p
    guard let view = neededRegion(s) else { return [] }
    let density = requiredDensity(s)
    let plan = plannedWork(s, p, view: view, density: density)
    var fx: [Effect] = []
    var kept = Set(p.jobs.values.filter(plan.keeps).map(\.id))
    for want in plan.jobs {
        let id = s.nextJob
        s.nextJob += 1
        p.jobs[id] = Job(id: id, key: want.key, region: want.region, priority: want.priority, density: want.density)
        kept.insert(id)
        fx.append(.infer(job: id, image: p.image, key: want.key, region: want.region, density: want.density,
                         priority: want.priority))
    }
    let stale = p.jobs.keys.filter { !kept.contains($0) }.sorted()
    for id in stale { p.jobs[id] = nil }
    s.preview = p
    return stale.map { Effect.cancel(job: $0) } + fx + requestConsistency(&s)
}

/// Stored pixels per output pixel the panes need: 1 when zoomed, at fit the sub-pixel density
/// (sub-pixels per output pixel, both axes) of the densest pane, at most 1.
func requiredDensity(_ s: AppState) -> Double {
    guard let p = s.preview else { return 1 }
    let area = CellRect(row: 0, column: 0, width: s.columns, height: s.bodyRows)
    var d = 0.0
    for (pane, src) in zip(Geometry.panes(p.layout, area: area), paneSources(s)) {
        let a = Geometry.imageArea(pane)
        d = max(d, Double(a.width * src.perCell.width) / src.width, Double(a.height * src.perCell.height) / src.height)
    }
    return min(max(d, 0), 1)
}

/// Keeps the view centre where the image can still fill the panes (centred when smaller).
func clampCenter(_ p: inout PreviewState, _ s: AppState) {
    let w = Double(p.image.width * s.scale), h = Double(p.image.height * s.scale)
    guard let src = paneSources(s).first else { return }
    func clamp(_ v: Double, _ extent: Double, _ size: Double) -> Double {
        if extent >= size { return size / 2 }
        return min(max(v, extent / 2), size - extent / 2)
    }
    p.centerX = clamp(p.centerX, src.width, w)
    p.centerY = clamp(p.centerY, src.height, h)
}

/// Keeps the cache within its byte limit, dropping first what the view cannot use: tiles off
/// the view, then blends at other α, then ladder points; the shown methods last.
func evict(_ p: inout PreviewState, view: PixelRect?) {
    let shown = Set(p.neededKeys)
    p.cache.evict { key, tile in
        guard let v = view, tile.region.intersects(v) else { return 0 }
        if shown.contains(key) { return 3 }
        return key.method == .blend && alphaLadder.contains(key.alphaHundredths) ? 2 : 1
    }
}

extension PixelRect {
    /// The part inside a `width × height` image.
    func clipped(width w: Int, height h: Int) -> PixelRect {
        let x0 = max(x, 0), y0 = max(y, 0), x1 = min(x + self.width, w), y1 = min(y + self.height, h)
        return PixelRect(x: x0, y: y0, width: max(x1 - x0, 0), height: max(y1 - y0, 0))
    }
}
