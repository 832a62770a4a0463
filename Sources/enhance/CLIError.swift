import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-line user-facing error; ArgumentParser prints it and exits non-zero.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Checks done on an output path before any work starts, so nothing is computed for nothing.
enum OutputPath {
    /// Refuses an existing output (unless `force`), a directory, or a missing parent directory.
    static func checkWritable(_ path: String, force: Bool) throws {
        var isDir: ObjCBool = false
        let fm = FileManager.default
        if fm.fileExists(atPath: path, isDirectory: &isDir) {
            if isDir.boolValue { throw CLIError("\(path): is a directory") }
            if !force { throw CLIError("\(path): already exists (use --force to overwrite)") }
        }
        let parent = (path as NSString).deletingLastPathComponent
        let dir = parent.isEmpty ? "." : parent
        if !fm.fileExists(atPath: dir, isDirectory: &isDir) || !isDir.boolValue {
            throw CLIError("\(path): directory \(dir) does not exist")
        }
    }
}

/// Output folders, created with their missing parents; a failure is one line naming the folder
/// that could not be made and why, in the system's words (e.g. "Permission denied").
enum Folder {
    static func create(_ path: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            if isDir.boolValue { return }
            throw CLIError("\(path): cannot create the output folder: a file of that name exists")
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path { try create(parent) }
        guard mkdir(path, 0o777) == 0 || errno == EEXIST else {
            let cause = String(cString: strerror(errno))
            let place = parent.isEmpty ? "" : " in \(parent)"
            throw CLIError("\(path): cannot create the output folder\(place): \(cause)")
        }
    }
}
