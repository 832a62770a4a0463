import Foundation
#if canImport(Glibc)
import Glibc
/// The system call (the name `read` is also ``FileIO/read(_:at:count:_:)``).
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif

/// Whole-file reads and writes with one-line ``CheckpointError``s. Writes are plain: the files users
/// see are created through EnhanceImaging's `AtomicFile` (the one atomic-write helper), which hands
/// this a temporary path.
public enum FileIO {
    /// The whole file at `path` (one-line errors: missing, a directory, unreadable).
    public static func readAll(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError(file: path, "no such file")
        }
        guard !isDirectory.boolValue else { throw CheckpointError(file: path, "is a directory, not a checkpoint file") }
        // Straight into the array (no Data in between): checkpoints are tens of megabytes.
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CheckpointError(file: path, "cannot read file") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw CheckpointError(file: path, "cannot read file") }
        func fill(_ p: UnsafeMutableRawPointer, _ count: Int) throws -> Int {
            var got = 0
            while got < count {
                let n = systemRead(fd, p + got, count - got)
                if n < 0 && errno == EINTR { continue }
                guard n >= 0 else {
                    throw CheckpointError(file: path, "cannot read file (\(String(cString: strerror(errno))))")
                }
                if n == 0 { break }
                got += n
            }
            return got
        }
        let expected = max(0, Int(st.st_size))
        var bytes = try [UInt8](unsafeUninitializedCapacity: expected) { buf, count in
            count = expected == 0 ? 0 : try fill(UnsafeMutableRawPointer(buf.baseAddress!), expected)
        }
        // A file that grew since fstat (or one without a size): the rest in chunks.
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try fill($0.baseAddress!, $0.count) }
            bytes += chunk[0 ..< n]
            if n < chunk.count { return bytes }
        }
    }

    /// Size in bytes of the regular file at `path` (stat only; a symbolic link is followed to the
    /// file it names).
    public static func size(_ path: String) throws -> Int {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointError(file: path, "no such file")
        }
        guard !isDirectory.boolValue else { throw CheckpointError(file: path, "is a directory, not a checkpoint file") }
        // stat, not attributesOfItem: a symbolic link's size is that of the file it points to.
        var info = stat()
        guard stat(path, &info) == 0 else { throw CheckpointError(file: path, "cannot read file size") }
        return Int(info.st_size)
    }

    /// Reads at most `count` leading bytes (for format sniffing).
    static func readPrefix(_ path: String, count: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw CheckpointError(file: path, exists ? "cannot open file" : "no such file")
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
    public static func read(_ path: String, at offset: Int, count: Int, _ what: String) throws -> [UInt8] {
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
