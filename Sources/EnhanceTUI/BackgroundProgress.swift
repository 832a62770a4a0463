import EnhanceImaging
/// Status-line progress of the whole-image (fit) network result: "fit 44% ETA 12s" while its
/// background tiles compute (the running tile's fraction included); nil when complete or zoomed.
func fitProgress(_ s: AppState, _ p: PreviewState) -> String? {
    guard p.zoom == .fit, let view = neededRegion(s) else { return nil }
    let density = requiredDensity(s)
    let keys = p.neededKeys.filter { $0.method.isNetwork }
    guard !keys.isEmpty else { return nil }
    var total = 0, done = 0
    for k in keys {
        let regions = viewRegions(s, p, view: view, key: k)
        total += regions.count
        done += regions.filter { p.cache.covering(k, $0, density: density, scale: s.scale) != nil }.count
    }
    guard done < total else { return nil }
    let partial = p.jobs.values.filter { $0.priority == .visible }.map(\.fraction).max() ?? 0
    let f = (Double(done) + partial) / Double(total)
    let eta = p.fitTilesTimed > 0 ? formatSeconds(p.fitTileSeconds * (Double(total - done) - partial)) : "…"
    return "fit \(Int((f * 100).rounded(.down)))% ETA \(eta)"
}

/// "ladder 7/11" while the α ladder of the view computes (zoomed, blend shown); nil otherwise.
func ladderProgress(_ s: AppState, _ p: PreviewState) -> String? {
    guard p.zoom != .fit, p.showsBlend, let view = neededRegion(s) else { return nil }
    let done = alphaLadder.filter {
        p.cache.covering(MethodKey(.blend, alpha: Float($0) / 100), view, density: 1, scale: s.scale) != nil
    }.count
    let queued = p.jobs.values.contains { $0.priority == .ladder }
    guard done > 0 || queued else { return nil }
    return "ladder \(done)/\(alphaLadder.count)"
}
