import CImageIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way Enhance creates files: the content goes to a temporary sibling
/// `.<name>.enhance-tmp-<pid>-<token>` that is renamed into place only when complete, so no reader
/// (and no resumed batch) ever sees a partial file. On an error the temporary is removed; on
/// SIGINT/SIGTERM/SIGHUP a handler removes it; after a SIGKILL the next write of the same path
/// removes it (its process is gone).
public enum AtomicFile {
    /// The part of a temporary's name that marks it as ours.
    public static let marker = ".enhance-tmp-"

    /// Writes `path` through `body`, which receives the temporary path to create.
    /// - Parameter overwrite: replace an existing `path`; otherwise an existing file is an error
    ///   (checked again at the rename, so a file that appeared meanwhile is never clobbered).
    public static func write<R>(to path: String, overwrite: Bool, _ body: (String) throws -> R) throws -> R {
        if !overwrite && exists(path) { throw alreadyExists(path) }
        removeStale(for: path)
        let temp = temporaryPath(for: path)
        _ = eio_temp_register(temp)
        defer { eio_temp_unregister(temp) }
        do {
            let result = try body(temp)
            try commit(temp: temp, to: path, overwrite: overwrite)
            return result
        } catch {
            unlink(temp)
            throw error
        }
    }

    /// Whether a file name is one of our temporaries.
    public static func isTemporary(name: String) -> Bool { name.hasPrefix(".") && name.contains(marker) }

    /// Removes temporaries of `path` whose writing process no longer exists.
    public static func removeStale(for path: String) {
        let (dir, name) = split(path)
        guard let d = opendir(dir.isEmpty ? "." : dir) else { return }
        defer { closedir(d) }
        let prefix = "." + name + marker
        while let entry = readdir(d) {
            let file = String(decoding: direntName(entry), as: UTF8.self)
            guard file.hasPrefix(prefix), let pid = Int32(file.dropFirst(prefix.count).prefix { $0 != "-" }) else {
                continue
            }
            if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH { unlink(dir + file) }
        }
    }

    static func temporaryPath(for path: String) -> String {
        let (dir, name) = split(path)
        return "\(dir).\(name)\(marker)\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
    }

    /// (directory with trailing slash or "", file name).
    private static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }

    /// Whether anything (file, link, folder) exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    private static func alreadyExists(_ path: String) -> ImageIOError {
        ImageIOError(path: path, kind: .alreadyExists, reason: "file already exists (use --force to overwrite)")
    }

    /// Moves the finished temporary into place; without `overwrite` an existing file is never replaced.
    private static func commit(temp: String, to path: String, overwrite: Bool) throws {
        if overwrite {
            if rename(temp, path) != 0 { throw posixError(path, "cannot replace") }
            return
        }
        if link(temp, path) == 0 {
            unlink(temp)
            return
        }
        if errno == EEXIST || exists(path) { throw alreadyExists(path) }
        // Filesystems without hard links: the check above, then rename.
        if rename(temp, path) != 0 { throw posixError(path, "cannot create") }
    }

    private static func posixError(_ path: String, _ what: String) -> ImageIOError {
        ImageIOError(path: path, kind: .writeFailed, reason: "\(what): \(String(cString: strerror(errno)))")
    }
}

/// The name bytes of a `readdir` record, read in place up to its NUL: records are only `d_reclen`
/// long, so copying the declared 256-byte `d_name` array would read past the last one.
public func direntName(_ entry: UnsafeMutablePointer<dirent>) -> [UInt8] {
    let name = (UnsafeRawPointer(entry) + MemoryLayout<dirent>.offset(of: \dirent.d_name)!)
        .assumingMemoryBound(to: CChar.self)
    return Array(UnsafeRawBufferPointer(start: name, count: strlen(name)))
}
