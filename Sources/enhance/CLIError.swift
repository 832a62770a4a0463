import Foundation

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
