import EnhanceCheckpoints
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of an `.onnx` file or of its external data file, read by offset where they are needed:
/// from the open file with `pread` (never held whole: a 67 MB model's weights are read once, into
/// their tensors), or from memory (``ONNXReader/decode(_:path:budget:)``).
///
/// The file stays open while a model has tensors left to decode from it (``ONNXModel/isDecoded``).
final class ONNXBytes: @unchecked Sendable {
    /// The path errors name.
    let path: String
    /// Size in bytes (the file's at open).
    let count: Int
    private let fd: Int32
    private let memory: [UInt8]

    /// Opens the file at `path` (one-line errors: missing, a directory, unreadable).
    init(path: String) throws {
        _ = try FileIO.size(path)
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CheckpointError(file: path, "cannot open file") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw CheckpointError(file: path, "cannot read file")
        }
        (self.path, self.fd, count, memory) = (path, fd, max(0, Int(st.st_size)), [])
    }

    /// `bytes`, the contents of the file at `path`.
    init(_ bytes: [UInt8], path: String) {
        (self.path, fd, count, memory) = (path, -1, bytes.count, bytes)
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Fills `buffer` with the bytes at `offset`; a range past the end (or a file that shrank) is a
    /// one-line truncation error naming `what`.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer, _ what: String) throws {
        guard offset >= 0, offset <= count, buffer.count <= count - offset else {
            throw CheckpointError(file: path, "truncated: \(what) at offset \(offset) runs past the end of the file")
        }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        if fd < 0 {
            memory.withUnsafeBytes { base.copyMemory(from: $0.baseAddress! + offset, byteCount: buffer.count) }
            return
        }
        var done = 0
        while done < buffer.count {
            let n = pread(fd, base + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw CheckpointError(file: path, n == 0
                                      ? "truncated: \(what) at offset \(offset) runs past the end of the file"
                                      : "cannot read file (\(String(cString: strerror(errno))))")
            }
            done += n
        }
    }

    /// Appends the `length` bytes at `offset` to `out`.
    func append(at offset: Int, length: Int, to out: inout [UInt8], _ what: String) throws {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: length))
        try out.withUnsafeMutableBytes { try read(at: offset, into: .init(rebasing: $0[start...]), what) }
    }

    /// The bytes of `range`.
    func bytes(_ range: Range<Int>, _ what: String) throws -> [UInt8] {
        var out: [UInt8] = []
        try append(at: range.lowerBound, length: range.count, to: &out, what)
        return out
    }
}
