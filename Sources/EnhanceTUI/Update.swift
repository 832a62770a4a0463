import EnhanceImaging

/// The single state transition: pure, no I/O. Returns the new state and the effects to run.
public func update(_ state: AppState, _ msg: Msg) -> (AppState, [Effect]) {
    var s = state
    var fx: [Effect] = []
    switch msg {
    case .resize(let c, let r):
        s.columns = max(c, 1)
        s.rows = max(r, 1)
        clampScroll(&s)
        fx += refreshJobs(&s)
    case .cellPixels(let px):
        s.cellPixels = px
        fx += refreshJobs(&s)
    case .key(let k):
        fx += handleKey(&s, k)
    case let .drag(dc, dr):
        fx += dragPreview(&s, columns: dc, rows: dr)
    case let .listed(dir, entries, error):
        guard dir == s.browser.directory else { break }
        s.browser.entries = entries
        s.browser.loading = false
        s.browser.error = error
        s.browser.selected = s.browser.visible.count > 1 ? 1 : 0
        if let name = s.selectAfterListing, let i = s.browser.visible.firstIndex(where: { $0.name == name }) {
            s.browser.selected = i
        }
        s.selectAfterListing = nil
        clampScroll(&s)
    case let .loaded(path, image, error):
        if let image {
            if let old = s.preview { fx += old.jobs.keys.sorted().map { .cancel(job: $0) } }
            var p = PreviewState(path: path, image: image, scale: s.scale)
            p.alpha = s.startAlpha
            p.choosePrimary(s.startMethod)
            s.preview = p
            s.screen = .preview
            s.status = nil
            fx += refreshJobs(&s)
        } else {
            s.status = error ?? "\(path): cannot load"
        }
    case let .inferProgress(job, f):
        s.preview?.jobs[job]?.fraction = f
    case let .inferDone(job, tile, seconds):
        guard var p = s.preview, let j = p.jobs.removeValue(forKey: job) else { break }
        p.cache.insert(j.key, tile)
        p.lastInferenceSeconds = seconds
        if j.key.method.isNetwork && j.priority != .refine && j.region.area >= p.timedArea {
            if j.region.area > p.timedArea { p.pixelSecondsSamples = [] }
            p.pixelSecondsSamples = Array((p.pixelSecondsSamples + [seconds / Double(max(j.region.area, 1))]).suffix(3))
            p.pixelSeconds = p.pixelSecondsSamples.sorted()[(p.pixelSecondsSamples.count - 1) / 2]
            p.timedArea = j.region.area
        }
        s.preview = p
        evict(&s.preview!, view: neededRegion(s))
        fx += refreshJobs(&s)
    case let .inferFailed(job, message):
        guard var p = s.preview, p.jobs.removeValue(forKey: job) != nil else { break }
        p.error = message
        s.preview = p
        s.status = message
    case .consistencyMeasured(let c):
        guard var p = s.preview, let req = p.consistencyPending, req.key == c.key, req.region == c.region else { break }
        p.consistency = c
        p.consistencyMeasured = req
        p.consistencyPending = nil
        s.preview = p
        fx += requestConsistency(&s)
    case .pairsListed(let pairs):
        pairsListed(&s, pairs)
    case let .pairSwitched(names, runtimes, error):
        fx += pairSwitched(&s, names: names, runtimes: runtimes, error: error)
    case let .existsChecked(path, exists):
        guard s.export == .checking(path: path) else { break }
        if exists { s.export = .confirmOverwrite(path: path) } else { fx += startExport(&s, path: path) }
    case let .exportProgress(f, elapsed):
        if case .running(let path, _, _) = s.export { s.export = .running(path: path, fraction: f, elapsed: elapsed) }
    case let .exportFinished(path, seconds):
        s.export = nil
        s.status = "exported \(path) in \(formatSeconds(seconds))"
        // The browser lists the new file when it went there (the selection stays).
        s.selectAfterListing = s.browser.selectedEntry?.name
        fx.append(.listDirectory(path: s.browser.directory))
    case .interrupt:
        s.quitting = true
        fx += (s.preview?.jobs.keys.sorted().map { Effect.cancel(job: $0) } ?? []) + [.cancelExport, .quit]
    case .exportFailed(let message):
        s.export = nil
        s.status = "export failed: \(message)"
    }
    return (s, fx)
}

/// Seconds as "0.42s" / "12.3s" / "2m05s".
public func formatSeconds(_ t: Double) -> String {
    if t < 10 { return "\(Int((t * 100).rounded()) / 100).\(String(format2(Int((t * 100).rounded()) % 100)))s" }
    if t < 60 { return "\(Int((t * 10).rounded()) / 10).\(Int((t * 10).rounded()) % 10)s" }
    let m = Int(t) / 60, sec = Int(t) % 60
    return "\(m)m\(format2(sec))s"
}

func format2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

func clampScroll(_ s: inout AppState) {
    s.browser.clampSelection()
    let h = max(s.bodyRows - 2, 1)
    if s.browser.selected < s.browser.scroll { s.browser.scroll = s.browser.selected }
    if s.browser.selected >= s.browser.scroll + h { s.browser.scroll = s.browser.selected - h + 1 }
    s.browser.scroll = max(0, s.browser.scroll)
}

func startExport(_ s: inout AppState, path: String) -> [Effect] {
    guard let p = s.preview else { s.export = nil; return [] }
    s.export = .running(path: path, fraction: 0, elapsed: 0)
    return [.export(image: p.image, key: p.primaryKey, path: path)]
}

/// Default export destination: `<folder>/<stem>_x<scale>_<pair>_<method>.png` (no pair for
/// bicubic, or when there is none).
func defaultExportPath(_ p: PreviewState, scale: Int, pair: String, folder: String) -> String {
    var name = String(p.path.split(separator: "/").last ?? "image")
    if let dot = name.lastIndex(of: "."), dot != name.startIndex { name = String(name[..<dot]) }
    let key = p.primaryKey
    let pairPart = key.method.isNetwork && !pair.isEmpty ? "_" + pair : ""
    return joinPath(folder, "\(name)_x\(scale)\(pairPart)_\(key.slug).png")
}
