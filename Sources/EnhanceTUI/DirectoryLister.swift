import EnhanceImaging
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Lists a directory with POSIX calls so that non-UTF-8 names, unreadable entries and symlink
/// loops are reported instead of crashing or vanishing. Image recognition uses `probe`.
public enum DirectoryLister {
    /// At most this many files are probed per listing (the rest show without image info).
    public static let probeLimit = 4000

    public static func list(_ directory: String,
                            probe: (String) -> ImageProbe?) -> (entries: [DirEntry], error: String?) {
        guard let dir = opendir(directory) else {
            return ([DirEntry(name: "..", path: parentPath(directory), kind: .parent)],
                    "\(directory): \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var entries = [DirEntry(name: "..", path: parentPath(directory), kind: .parent)]
        var probed = 0
        while let ent = readdir(dir) {
            let raw = direntName(ent)  // in place up to the NUL (records are only d_reclen long)
            if raw == [46] || raw == [46, 46] { continue }
            let decoded = String(validating: raw, as: UTF8.self)
            let name = decoded ?? String(decoding: raw, as: UTF8.self)
            let path = decoded.map { joinPath(directory, $0) }
            let hidden = raw.first == 46
            var e = DirEntry(name: name, path: path, kind: .other, isHidden: hidden)
            // stat through the raw bytes so even undecodable names get their type.
            let rawPath = Array(directory.utf8) + (directory.hasSuffix("/") ? [] : [47]) + raw + [0]
            var st = stat()
            let rc = rawPath.withUnsafeBufferPointer { p in
                p.baseAddress!.withMemoryRebound(to: CChar.self, capacity: p.count) { stat($0, &st) }
            }
            if rc != 0 {
                e.kind = .unreadable
                e.error = errno == ELOOP ? "symlink loop" : String(cString: strerror(errno))
            } else if (st.st_mode & S_IFMT) == S_IFDIR {
                e.kind = .directory
            } else if (st.st_mode & S_IFMT) == S_IFREG {
                e.kind = .file
                e.size = Int64(st.st_size)
                if let path, probed < probeLimit {
                    probed += 1
                    if access(path, R_OK) != 0 {
                        e.error = String(cString: strerror(errno))
                    } else {
                        e.probe = probe(path)
                    }
                }
            }
            if decoded == nil { e.error = "name is not valid UTF-8" }
            entries.append(e)
        }
        return (entries, nil)
    }
}
