import EnhanceImaging
import EnhanceTerminal

/// The pair picker: bundled pairs and the user's checkpoints; a single checkpoint is chosen as
/// the PSNR end first, then another as the GAN end.
public struct PairPicker: Equatable, Sendable {
    /// Pairs (`psnr` ≠ `gan`) and single checkpoints (`psnr` == `gan`), as the engine listed them.
    public var pairs: [PairChoice] = []
    /// Index of the highlighted entry in ``pairs``.
    public var selected = 0
    /// The engine has not answered the listing yet.
    public var loading = true
    /// The PSNR end picked from a single checkpoint, waiting for the GAN end.
    public var psnrPick: PairChoice?
    /// The pair being loaded and checked.
    public var switching: PairChoice?
}

extension PairChoice {
    /// A single checkpoint (offered for either end), not a pair.
    public var isSingle: Bool { psnr == gan }
}

func openPicker(_ s: inout AppState) -> [Effect] {
    s.picker = PairPicker()
    return [.listPairs]
}

func pickerKey(_ s: inout AppState, _ k: Key) -> [Effect] {
    guard var m = s.picker else { return [] }
    if m.switching != nil { return [] }
    switch k {
    case .escape, .char("q"), .char("p"):
        s.picker = nil
        return []
    case .up, .char("k"): m.selected = max(m.selected - 1, 0)
    case .down, .char("j"): m.selected = min(m.selected + 1, max(m.pairs.count - 1, 0))
    case .enter:
        guard m.pairs.indices.contains(m.selected) else { break }
        let c = m.pairs[m.selected]
        if c.isSingle {
            guard let first = m.psnrPick else {
                m.psnrPick = c
                s.picker = m
                s.status = "PSNR end: \(c.name) — now choose the GAN checkpoint"
                return []
            }
            let pair = PairChoice(name: "\(first.name) + \(c.name)", psnr: first.psnr, gan: c.gan)
            m.psnrPick = nil
            m.switching = pair
            s.picker = m
            return [.switchPair(pair)]
        }
        m.switching = c
        s.picker = m
        return [.switchPair(c)]
    default: break
    }
    s.picker = m
    return []
}

/// The engine answered a switch: on success the caches and jobs of the old pair go (bicubic
/// stays) and the view is re-planned; a refused pair keeps the old one and says why.
func pairSwitched(_ s: inout AppState, names: (psnr: String, gan: String)?, error: String?) -> [Effect] {
    guard let names else {
        s.picker?.switching = nil
        s.status = "cannot switch pair: \(error ?? "unknown error")"
        return []
    }
    s.picker = nil
    s.modelNames = "PSNR \(names.psnr) · GAN \(names.gan)"
    s.status = "switched to PSNR \(names.psnr) · GAN \(names.gan)"
    guard var p = s.preview else { return [] }
    let cancels = p.jobs.keys.sorted().map { Effect.cancel(job: $0) }
    p.jobs = [:]
    let bicubic = MethodKey(.bicubic)
    let kept = p.cache.tiles(bicubic)
    p.cache.removeAll()
    for t in kept { p.cache.insert(bicubic, t) }
    p.consistency = nil
    p.consistencyPending = nil
    p.pixelSeconds = nil
    p.timedArea = 0
    s.preview = p
    return cancels + refreshJobs(&s)
}

func drawPicker(_ b: inout ScreenBuffer, _ s: AppState, _ m: PairPicker) {
    let w = min(b.columns, max(40, b.columns * 2 / 3))
    let listRows = max(min(m.pairs.count, b.rows - 6), 1)
    let h = min(b.rows, listRows + 4)
    let r = CellRect(row: max((b.rows - h) / 2, 0), column: max((b.columns - w) / 2, 0), width: w, height: h)
    drawBox(&b, r, title: "Model pairs")
    if m.loading {
        b.put("listing Models/ and the model folder…", row: r.row + 1, column: r.column + 2, maxWidth: w - 4)
    } else if m.pairs.isEmpty {
        b.put("no pairs or checkpoints found", row: r.row + 1, column: r.column + 2, maxWidth: w - 4)
    }
    let top = max(0, min(m.selected - listRows + 1, m.pairs.count - listRows))
    for (i, c) in m.pairs.enumerated().dropFirst(top).prefix(listRows) {
        let mark = i == m.selected ? "▶ " : "  "
        let what = c.isSingle ? (m.psnrPick == c ? " (PSNR end)" : " (checkpoint)") : ""
        b.put(mark + c.name + what, row: r.row + 1 + i - top, column: r.column + 2,
              style: i == m.selected ? .reverse : .normal, maxWidth: w - 4)
    }
    let hint = m.switching.map { "loading \($0.name)…" } ?? "Enter switch · Esc close"
    b.put(hint, row: r.row + h - 2, column: r.column + 2, style: .dim, maxWidth: w - 4)
}
