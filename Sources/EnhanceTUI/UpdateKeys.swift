import EnhanceImaging

/// Key handling for every screen and dialog.
func handleKey(_ s: inout AppState, _ k: Key) -> [Effect] {
    if s.export != nil { return exportKey(&s, k) }
    if s.showHelp {
        if k == .char("q") { s.quitting = true; return [.quit] }
        s.showHelp = false
        return []
    }
    if s.picker != nil { return pickerKey(&s, k) }
    if s.screen == .browser && s.browser.isFiltering { return filterKey(&s, k) }
    switch k {
    case .char("q"):
        s.quitting = true
        return (s.preview?.jobs.keys.sorted().map { Effect.cancel(job: $0) } ?? []) + [.quit]
    case .char("?"):
        s.showHelp = true
        return []
    default:
        break
    }
    s.status = nil
    return s.screen == .browser ? browserKey(&s, k) : previewKey(&s, k)
}

func browserKey(_ s: inout AppState, _ k: Key) -> [Effect] {
    let n = s.browser.visible.count
    let page = max(s.bodyRows - 3, 1)
    switch k {
    case .up, .char("k"): s.browser.selected -= 1
    case .down, .char("j"): s.browser.selected += 1
    case .pageUp: s.browser.selected -= page
    case .pageDown: s.browser.selected += page
    case .home, .char("g"): s.browser.selected = 0
    case .end, .char("G"): s.browser.selected = n - 1
    case .char("."):
        let name = s.browser.selectedEntry?.name
        s.browser.showHidden.toggle()
        if let name, let i = s.browser.visible.firstIndex(where: { $0.name == name }) { s.browser.selected = i }
    case .char("/"):
        s.browser.isFiltering = true
    case .escape:
        s.browser.filter = ""
        if s.preview != nil {
            s.screen = .preview
            return refreshJobs(&s)  // jobs were cancelled on leaving; re-plan what is missing
        }
    case .backspace, .left, .char("h"):
        return goUp(&s)
    case .enter, .right, .char("l"):
        return openSelected(&s)
    default:
        break
    }
    clampScroll(&s)
    return []
}

func filterKey(_ s: inout AppState, _ k: Key) -> [Effect] {
    switch k {
    case .char(let c):
        s.browser.filter.append(c)
        s.browser.selected = 0
        if s.browser.visible.count > 1 { s.browser.selected = 1 }
    case .backspace:
        if s.browser.filter.isEmpty { s.browser.isFiltering = false } else { s.browser.filter.removeLast() }
    case .escape:
        s.browser.filter = ""
        s.browser.isFiltering = false
    case .enter:
        s.browser.isFiltering = false
        clampScroll(&s)
        return openSelected(&s)
    case .up: s.browser.selected -= 1
    case .down: s.browser.selected += 1
    default: break
    }
    clampScroll(&s)
    return []
}

func goUp(_ s: inout AppState) -> [Effect] {
    let cur = s.browser.directory
    let parent = parentPath(cur)
    guard parent != cur else { return [] }
    s.selectAfterListing = sanitize(String(cur.split(separator: "/").last ?? ""))
    return changeDirectory(&s, parent)
}

func changeDirectory(_ s: inout AppState, _ dir: String) -> [Effect] {
    s.browser = BrowserState(directory: dir, showHidden: s.browser.showHidden)
    return [.listDirectory(path: dir)]
}

func openSelected(_ s: inout AppState) -> [Effect] {
    guard let e = s.browser.selectedEntry else { return [] }
    if e.kind == .parent { return goUp(&s) }
    guard let path = e.path else {
        s.status = "\(e.name): name is not valid UTF-8; cannot open"
        return []
    }
    switch e.kind {
    case .directory:
        return changeDirectory(&s, path)
    case .file where e.probe != nil:
        s.status = "loading \(e.name)…"
        return [.load(path: path)]
    case .unreadable:
        s.status = "\(e.name): \(e.error ?? "unreadable")"
    default:
        s.status = "\(e.name): \(e.error ?? "not a recognised image")"
    }
    return []
}

/// Ctrl-U as the backend delivers it: clears a text field (the export path).
public let clearLineKey: Character = "\u{15}"

func exportKey(_ s: inout AppState, _ k: Key) -> [Effect] {
    switch s.export {
    case .prompt(var text)?:
        switch k {
        case .escape: s.export = nil
        case .enter:
            guard !text.isEmpty else { return [] }
            guard ImageFormat.fromExtension(of: text) != nil else {
                s.status = "\(text): unknown output extension (use .png, .jpg or .jpeg)"
                return []
            }
            // A relative path is taken from the export folder, and said in full from here on.
            let path = text.hasPrefix("/") ? text : joinPath(s.exportFolder, text)
            s.status = nil
            s.export = .checking(path: path)
            return [.checkExists(path: path)]
        case .backspace:
            if !text.isEmpty { text.removeLast() }
            s.export = .prompt(text: text)
        case .char(clearLineKey):
            s.export = .prompt(text: "")
        case .char(let c):
            text.append(c)
            s.export = .prompt(text: text)
        default: break
        }
    case .confirmOverwrite(let path)?:
        if k == .char("y") || k == .char("Y") { return startExport(&s, path: path) }
        if k == .char("n") || k == .char("N") || k == .escape { s.export = .prompt(text: path) }
    case .running?:
        if k == .escape {
            s.export = nil
            s.status = "export cancelled"
            return [.cancelExport]
        }
    case .checking?:
        if k == .escape { s.export = nil }
    case nil:
        break
    }
    return []
}
