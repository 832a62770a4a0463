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

/// The input region that must be upscaled to draw every pane (visible area plus a small margin).
public func neededRegion(_ s: AppState) -> PixelRect? {
    guard let p = s.preview else { return nil }
    var x0 = Int.max, y0 = Int.max, x1 = Int.min, y1 = Int.min
    for src in paneSources(s) {
        let r = Geometry.inputRegion(src, scale: s.scale, inW: p.image.width, inH: p.image.height)
        guard r.width > 0 && r.height > 0 else { continue }
        x0 = min(x0, r.x); y0 = min(y0, r.y); x1 = max(x1, r.x + r.width); y1 = max(y1, r.y + r.height)
    }
    guard x0 < x1 && y0 < y1 else { return nil }
    let m = 4
    x0 = max(x0 - m, 0); y0 = max(y0 - m, 0)
    x1 = min(x1 + m, p.image.width); y1 = min(y1 + m, p.image.height)
    return PixelRect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
}

/// Starts inference for every needed method whose cached tile does not cover the visible region,
/// and cancels stale jobs (other region, other α, or no longer shown). Never blocks.
func refreshJobs(_ s: inout AppState) -> [Effect] {
    guard s.screen == .preview, var p = s.preview else { return [] }
    clampCenter(&p, s)
    s.preview = p
    guard let region = neededRegion(s) else { return [] }
    var fx: [Effect] = []
    let needed = p.neededKeys
    let density = requiredDensity(s)
    for (key, job) in p.jobs where !needed.contains(key) {
        fx.append(.cancel(job: job.id))
        p.jobs[key] = nil
    }
    for key in needed {
        if let t = p.cache[key], t.region.contains(region), t.density(scale: s.scale) >= density - 1e-9 { continue }
        if let j = p.jobs[key] {
            // Keep a running job that covers the view, unless it covers far more (e.g. the whole
            // image from the fit view after zooming in): on the serial inference queue it would
            // delay the visible work by seconds.
            if j.region.contains(region) && j.region.area <= 4 * region.area { continue }
            fx.append(.cancel(job: j.id))
        }
        let id = s.nextJob
        s.nextJob += 1
        p.jobs[key] = Job(id: id, region: region)
        fx.append(.infer(job: id, image: p.image, method: key.method, region: region, density: density))
    }
    s.preview = p
    updateConsistency(&s)
    return fx
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

/// Drops cached blends other than the current α when more than a few are held.
func evict(_ p: inout PreviewState) {
    let current = MethodKey(.blend, alpha: p.alpha)
    let blends = p.cache.keys.filter { $0.slot == .blend && $0 != current }
    if blends.count > 6 {
        for k in blends.sorted(by: { abs($0.alpha - p.alpha) > abs($1.alpha - p.alpha) }).prefix(blends.count - 6) {
            p.cache[k] = nil
        }
    }
}
