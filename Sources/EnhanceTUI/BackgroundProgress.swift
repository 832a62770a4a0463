import EnhanceImaging
/// Status-line progress of the shown network result, "exact 44% ETA 12s" (the share of the view
/// already exact: it only grows while the view and α stay), at fit and zoomed; nil when complete.
func viewProgress(_ s: AppState, _ p: PreviewState) -> String? {
    guard let view = neededRegion(s) else { return nil }
    let key = p.primaryKey
    guard key.method.isNetwork else { return nil }
    let mine = usableTiles(p, key, view: view, density: requiredDensity(s), scale: s.scale)
    let rest = Progressive.uncovered(view, by: mine.map(\.region))
    guard !rest.isEmpty else { return nil }
    return String(exactNote(s, p, key, view: view, uncovered: rest).dropFirst(2))
}

/// "ladder 7/11" while the α ladder of the view computes (zoomed, blend shown); nil otherwise.
func ladderProgress(_ s: AppState, _ p: PreviewState) -> String? {
    guard p.zoom != .fit, p.showsBlend, let view = neededRegion(s) else { return nil }
    let done = alphaLadder.filter {
        let t = usableTiles(p, MethodKey(.blend, alpha: Float($0) / 100), view: view, density: 1, scale: s.scale)
        return Progressive.covers(view, t.map(\.region))
    }.count
    let queued = p.jobs.values.contains { $0.priority == .ladder }
    guard done > 0 || queued else { return nil }
    return "ladder \(done)/\(alphaLadder.count)"
}
