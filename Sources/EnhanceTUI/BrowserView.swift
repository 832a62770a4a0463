/// The file browser: list on the left, details of the selection on the right.
func drawBrowser(_ b: inout ScreenBuffer, _ s: AppState) {
    let br = s.browser
    b.fill(row: 0, column: 0, width: s.columns, style: .title)
    b.put(" Enhance  " + br.directory + (br.showHidden ? "  [hidden shown]" : ""), row: 0, column: 0, style: .title)
    let listW = s.columns >= 60 ? s.columns * 3 / 5 : s.columns
    let listTop = 1
    var listH = s.bodyRows - 1
    if br.isFiltering || !br.filter.isEmpty {
        listH -= 1
        b.put("/" + br.filter + (br.isFiltering ? "▏" : ""), row: listTop + listH, column: 0, style: .accent,
              maxWidth: listW)
    }
    let items = br.visible
    if br.loading {
        b.put("  loading…", row: listTop, column: 0, style: .dim)
    } else if let err = br.error {
        b.put("  " + err, row: listTop + 1, column: 0, style: .error, maxWidth: s.columns)
    }
    if !br.loading {
        for i in 0..<max(listH, 0) {
            let idx = br.scroll + i
            guard idx < items.count else { break }
            let e = items[idx]
            let sel = idx == br.selected
            let style: TextStyle = sel ? .reverse : (e.isDirectory ? .bold : (e.kind == .unreadable ? .error : .normal))
            if sel { b.fill(row: listTop + i, column: 0, width: listW, style: .reverse) }
            b.put(marker(e) + e.name + (e.isDirectory && e.kind != .parent ? "/" : ""), row: listTop + i,
                  column: 0, style: style, maxWidth: listW)
        }
    }
    guard listW < s.columns, let e = br.selectedEntry else { return }
    let x = listW + 1
    var lines: [(String, TextStyle)] = [(e.name, .bold)]
    switch e.kind {
    case .parent: lines.append(("parent directory", .dim))
    case .directory: lines.append(("directory", .dim))
    case .unreadable: lines.append(("unreadable", .error))
    case .other: lines.append(("special file", .dim))
    case .file:
        if let p = e.probe {
            lines.append(("\(p.format) image", .accent))
            lines.append(("\(p.width) × \(p.height) px", .normal))
            lines.append(("→ ×\(s.scale): \(p.width * s.scale) × \(p.height * s.scale)", .dim))
        } else {
            lines.append(("not an image", .dim))
        }
    }
    if let size = e.size { lines.append((formatBytes(size), .normal)) }
    if let err = e.error { lines.append((err, .error)) }
    for (i, l) in lines.enumerated() where listTop + i < s.bodyRows {
        b.put(l.0, row: listTop + i, column: x, style: l.1, maxWidth: s.columns - x)
    }
}

func marker(_ e: DirEntry) -> String {
    switch e.kind {
    case .parent, .directory: return "▸ "
    case .unreadable: return "! "
    case .file where e.probe != nil: return "◆ "
    default: return "  "
    }
}
