import Foundation

/// Whole-file reads and writes with one-line ``CheckpointError``s. Writes are plain: the files users
/// see are created through EnhanceImaging's `AtomicFile` (the one atomic-write helper), which hands
/// this a temporary path.
enum FileIO {
    static func readAll(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError(file: path, "no such file")
        }
        guard !isDirectory.boolValue else { throw CheckpointError(file: path, "is a directory, not a checkpoint file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError(file: path, "cannot read file")
        }
        return [UInt8](data)
    }

    /// Size in bytes of the regular file at `path` (stat only).
    static func size(_ path: String) throws -> Int {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError(file: path, "no such file")
        }
        guard !isDirectory.boolValue else { throw CheckpointError(file: path, "is a directory, not a checkpoint file") }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = (attributes[.size] as? NSNumber)?.intValue else {
            throw CheckpointError(file: path, "cannot read file size")
        }
        return size
    }

    /// Reads at most `count` leading bytes (for format sniffing).
    static func readPrefix(_ path: String, count: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CheckpointError(file: path, FileManager.default.fileExists(atPath: path) ? "cannot open file" : "no such file")
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw CheckpointError(file: path, "cannot read file (is it a directory?)")
        }
    }

    /// Reads exactly `count` bytes at byte `offset` of `path` (for headers inside large files);
    /// a short read is a truncation error naming `what`.
    static func read(_ path: String, at offset: Int, count: Int, _ what: String) throws -> [UInt8] {
        guard offset >= 0, count >= 0 else { throw CheckpointError(file: path, "bad offset for \(what)") }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let missing = !FileManager.default.fileExists(atPath: path)
            throw CheckpointError(file: path, missing ? "no such file" : "cannot open file")
        }
        defer { close(fd) }
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw CheckpointError(file: path, n == 0
                                      ? "truncated: \(what) at offset \(offset) runs past the end of the file"
                                      : "cannot read file (\(String(cString: strerror(errno))))")
            }
            done += n
        }
        return out
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        } catch {
            throw CheckpointError(file: path, "cannot write file: \(error.localizedDescription)")
        }
    }
}
