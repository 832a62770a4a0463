/// One entry of a directory listing, as shown by the browser.
public struct DirEntry: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case parent, directory, file, other
        /// stat failed (permission, dangling link, symlink loop …); `error` says why.
        case unreadable
    }

    /// Display name: invalid UTF-8 replaced by U+FFFD, control characters by `?`.
    public var name: String
    /// Full path; nil when the name is not valid UTF-8 (such entries are shown but cannot be opened).
    public var path: String?
    public var kind: Kind
    public var isHidden: Bool
    /// Size in bytes (regular files).
    public var size: Int64?
    /// Set when the content is a recognised image.
    public var probe: ImageProbe?
    public var error: String?

    public init(name: String, path: String?, kind: Kind, isHidden: Bool = false, size: Int64? = nil,
                probe: ImageProbe? = nil, error: String? = nil) {
        self.name = sanitize(name)
        self.path = path
        self.kind = kind
        self.isHidden = isHidden
        self.size = size
        self.probe = probe
        self.error = error
    }

    public var isDirectory: Bool { kind == .directory || kind == .parent }
}

/// Browser pane state.
public struct BrowserState: Equatable, Sendable {
    public var directory: String
    public var entries: [DirEntry] = []
    public var filter: String = ""
    public var isFiltering = false
    public var showHidden: Bool
    public var selected = 0
    public var scroll = 0
    public var loading = true
    public var error: String?

    public init(directory: String, showHidden: Bool = false) {
        self.directory = directory
        self.showHidden = showHidden
    }

    /// Entries after the hidden-file toggle and the case-insensitive filter; directories first,
    /// then by name. The parent entry always stays.
    public var visible: [DirEntry] {
        let f = filter.lowercased()
        let list = entries.filter { e in
            if e.kind == .parent { return true }
            if e.isHidden && !showHidden { return false }
            return f.isEmpty || e.name.lowercased().contains(f)
        }
        return list.sorted { a, b in
            if (a.kind == .parent) != (b.kind == .parent) { return a.kind == .parent }
            if a.isDirectory != b.isDirectory { return a.isDirectory }
            return a.name.lowercased() < b.name.lowercased()
        }
    }

    public var selectedEntry: DirEntry? {
        let v = visible
        return v.indices.contains(selected) ? v[selected] : nil
    }

    /// Clamps `selected` to the visible list.
    mutating func clampSelection() {
        let n = visible.count
        selected = n == 0 ? 0 : min(max(selected, 0), n - 1)
    }
}

/// Joins a directory and a child name.
func joinPath(_ dir: String, _ name: String) -> String {
    dir.hasSuffix("/") ? dir + name : dir + "/" + name
}

/// The parent of `path` ("/" stays "/").
func parentPath(_ path: String) -> String {
    var p = path
    while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
    guard let i = p.lastIndex(of: "/") else { return "." }
    if i == p.startIndex { return "/" }
    return String(p[..<i])
}

/// Human-readable byte count ("512 B", "1.5 KiB", "3.2 MiB").
public func formatBytes(_ n: Int64) -> String {
    if n < 1024 { return "\(n) B" }
    let units = ["KiB", "MiB", "GiB", "TiB"]
    var v = Double(n) / 1024
    var i = 0
    while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
    let tenths = Int((v * 10).rounded())
    return "\(tenths / 10).\(tenths % 10) \(units[i])"
}
