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
    /// Why the last switch was refused (shown whole, wrapped, until the cursor moves).
    public var error: String?
}

extension PairChoice {
    /// A single checkpoint (offered for either end), not a pair.
    public var isSingle: Bool { psnr == gan }
}

func openPicker(_ s: inout AppState) -> [Effect] {
    s.picker = PairPicker()
    return [.listPairs]
}

/// The engine's listing arrived: the cursor starts on the pair in use.
func pairsListed(_ s: inout AppState, _ pairs: [PairChoice]) {
    guard var m = s.picker else { return }
    m.pairs = pairs
    m.loading = false
    m.selected = pairs.firstIndex { $0.isCurrent } ?? 0
    s.picker = m
}

func pickerKey(_ s: inout AppState, _ k: Key) -> [Effect] {
    guard var m = s.picker else { return [] }
    if m.switching != nil { return [] }
    switch k {
    case .escape, .char("q"), .char("p"):
        s.picker = nil
        return []
    case .up, .char("k"):
        m.selected = max(m.selected - 1, 0)
        m.error = nil
    case .down, .char("j"):
        m.selected = min(m.selected + 1, max(m.pairs.count - 1, 0))
        m.error = nil
    case .enter:
        guard m.pairs.indices.contains(m.selected) else { break }
        let c = m.pairs[m.selected]
        if c.problem != nil { break }  // its reason is on show; nothing to load
        if c.isCurrent && !c.isSingle {
            s.picker = nil
            s.status = "\(c.name) is the pair in use"
            return []
        }
        m.error = nil
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
func pairSwitched(_ s: inout AppState, names: (psnr: String, gan: String)?,
                  runtimes: (psnr: String, gan: String) = ("", ""), error: String?) -> [Effect] {
    guard let names else {
        // The reason goes in the picker, whole (the status line would cut it); the entry is marked.
        guard var m = s.picker else { return [] }
        let reason = error ?? "unknown error"
        if let tried = m.switching {
            m.error = "cannot switch to \(tried.name): \(reason)"
            for i in m.pairs.indices where m.pairs[i].psnr == tried.psnr && m.pairs[i].gan == tried.gan {
                m.pairs[i].problem = reason
            }
        }
        m.switching = nil
        s.picker = m
        s.status = nil
        return []
    }
    s.picker = nil
    setModels(&s, names, runtimes: runtimes)
    s.status = "switched to \(s.modelNames)"
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
    p.pixelSecondsSamples = []
    p.timedArea = 0
    s.preview = p
    return cancels + refreshJobs(&s)
}

func drawPicker(_ b: inout ScreenBuffer, _ s: AppState, _ m: PairPicker) {
    let w = min(b.columns, max(40, b.columns * 2 / 3))
    // Why the highlighted entry cannot be used, or why the last switch failed: whole, wrapped.
    let selected = m.pairs.indices.contains(m.selected) ? m.pairs[m.selected] : nil
    let reason = m.error ?? selected?.problem.map { "✗ \($0)" }
    let reasonLines = Array((reason.map { wrapText($0, width: w - 4) } ?? []).prefix(max(b.rows - 7, 0)))
    let listRows = max(min(m.pairs.count, b.rows - 6 - reasonLines.count), 1)
    let h = min(b.rows, listRows + 4 + reasonLines.count)
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
        var what = c.isSingle ? (m.psnrPick == c ? " (PSNR end)" : " (checkpoint)") : ""
        if c.isCurrent { what += " ● in use" }
        if c.problem != nil { what += c.isSingle ? " ✗ unusable" : " ✗ incompatible" }
        b.put(mark + c.name + what, row: r.row + 1 + i - top, column: r.column + 2,
              style: i == m.selected ? .reverse : .normal, maxWidth: w - 4)
    }
    for (i, line) in reasonLines.enumerated() {
        b.put(line, row: r.row + 2 + listRows + i, column: r.column + 2, maxWidth: w - 4)
    }
    let hint = m.switching.map { "loading \($0.name)…" } ?? "Enter switch · Esc close"
    b.put(hint, row: r.row + h - 2, column: r.column + 2, style: .dim, maxWidth: w - 4)
}

/// `text` broken into lines of at most `width` columns, at spaces where it can, inside words
/// (paths, keys) where one alone is wider.
func wrapText(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines: [String] = [], line = "", lineWidth = 0
    for word in sanitize(text).split(separator: " ", omittingEmptySubsequences: true) {
        var rest = String(word)
        while !rest.isEmpty {
            let gap = line.isEmpty ? 0 : 1
            if lineWidth + gap + displayWidth(rest) <= width {
                line += (gap == 1 ? " " : "") + rest
                lineWidth += gap + displayWidth(rest)
                rest = ""
            } else if !line.isEmpty {
                lines.append(line)
                (line, lineWidth) = ("", 0)
            } else {
                var head = "", used = 0
                for ch in rest {
                    if used + displayWidth(ch) > width { break }
                    head.append(ch)
                    used += displayWidth(ch)
                }
                if head.isEmpty { head = String(rest.first!) }
                lines.append(head)
                rest.removeFirst(head.count)
            }
        }
    }
    if !line.isEmpty { lines.append(line) }
    return lines
}
