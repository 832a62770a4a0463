import Foundation

/// How a state dict was stored.
public enum CheckpointFormat: String, Sendable, Equatable {
    case safetensors
    /// torch.save zip archive (torch ≥ 1.6 default).
    case pytorchZip
    /// torch.save legacy non-zip pickle stream.
    case pytorchLegacy
    /// ncnn text `.param` graph (weights in the `.bin` beside it).
    case ncnn
    /// An ONNX model (`.onnx`), read by EnhanceONNX, not by ``CheckpointFile``.
    case onnx
}

/// The result of ``CheckpointFile/load(path:budget:)``.
public enum LoadedCheckpoint: Sendable {
    /// Flat PyTorch-style tensors (row-major float32, conv weights OIHW).
    case stateDict(StateDict, format: CheckpointFormat)
    /// An ncnn graph with per-layer weights (see ``NCNNNet``).
    case ncnn(NCNNNet)
}

#if os(Linux)
/// `lseek` whence values (glibc hides them without _GNU_SOURCE).
private let seekData: Int32 = 3, seekHole: Int32 = 4
#else
private let seekData: Int32 = SEEK_DATA, seekHole: Int32 = SEEK_HOLE
#endif

/// Format-detecting entry point for every checkpoint kind EnhanceCheckpoints reads.
public enum CheckpointFile {
    /// Leading bytes ``detectFormat(head:size:)`` looks at.
    public static let sniffBytes = 16

    /// `torch.save` legacy stream start: PROTO 2, LONG1 of 10 bytes, the magic number, STOP.
    static let legacyTorchPrefix: [UInt8] = [0x80, 0x02, 0x8A, 0x0A] + PyTorchCheckpoint.legacyMagic + [0x2E]

    /// The format whose signature `head` (the first ``sniffBytes`` of a file of `size` bytes) carries,
    /// each checked fully: safetensors — a u64 LE header length `N` with `2 ≤ N ≤ 100 MB` and
    /// `8 + N ≤ size`, then `{` at offset 8; zip — local file header magic `PK\3\4`; legacy torch —
    /// the pickled magic-number sequence ``legacyTorchPrefix``; ncnn — the magic line `7767517`.
    /// A safetensors header is validated in full by ``load(path:budget:)`` before it is believed.
    public static func detectFormat(head: [UInt8], size: UInt64) -> CheckpointFormat? {
        if looksLikeSafetensors(head: head, size: size) { return .safetensors }
        if ZipArchive.isZip(head) { return .pytorchZip }
        if head.starts(with: legacyTorchPrefix) { return .pytorchLegacy }
        let magic = Array(NCNNParamParser.magic.utf8)
        if head.starts(with: magic), head.count > magic.count, [0x0A, 0x0D].contains(head[magic.count]) { return .ncnn }
        return nil
    }

    static func looksLikeSafetensors(head: [UInt8], size: UInt64) -> Bool {
        guard head.count >= 9, size >= 10 else { return false }
        let n = ByteReader.u64(head, at: 0)
        return n >= 2 && n <= UInt64(Safetensors.maxHeaderBytes) && n <= size - 8 && head[8] == UInt8(ascii: "{")
    }

    /// The format of the file at `path` by structure (``detectFormat(head:size:)``), nil when it
    /// fits none. A safetensors-like prefix must lead to a valid header: else its error is thrown,
    /// unless the file is also a zip.
    public static func detectFormat(path: String) throws -> CheckpointFormat? {
        let size = try FileIO.size(path)
        let head = try FileIO.readPrefix(path, count: sniffBytes)
        let format = detectFormat(head: head, size: UInt64(size))
        guard format == .safetensors else { return format }
        do {
            _ = try SafetensorsHeader.read(path: path)
            return .safetensors
        } catch {
            guard ZipArchive.isZip(head) else { throw error }
            return .pytorchZip
        }
    }

    /// Loads `path`, detecting its format by structure (``detectFormat(path:)``). The file is first
    /// described from its headers (``describe(path:)``) and refused, before its tensors are read,
    /// when the estimated need (``LoadBudget``) exceeds `budget`.
    public static func load(path: String, budget: LoadBudget = .default) throws -> LoadedCheckpoint {
        let description = try describe(path: path)
        try budget.check(file: description.weightsPath, need: description.need)
        return try load(description, path: path)
    }

    /// Loads `path`, which ``describe(path:)`` described as `description`, without checking a budget
    /// (for a caller that has checked its own need from the description, e.g. a network's).
    public static func load(_ description: CheckpointDescription, path: String) throws -> LoadedCheckpoint {
        switch description.format {
        case .safetensors:
            return .stateDict(try Safetensors.read(path: path).stateDict, format: .safetensors)
        case .pytorchZip, .pytorchLegacy:
            return .stateDict(try PyTorchCheckpoint.read(path: path).stateDict, format: description.format)
        case .ncnn:
            return .ncnn(try NCNN.read(paramPath: path))
        case .onnx:
            throw CheckpointError(file: path, "an ONNX model is run as a graph (EnhanceONNX), not read as a checkpoint")
        }
    }

    static func unrecognised(_ path: String, head: [UInt8]) -> Error {
        if path.lowercased().hasSuffix(".safetensors") {
            // Named as safetensors: the header parser says precisely what is wrong.
            do { _ = try SafetensorsHeader.read(path: path) } catch { return error }
        }
        if head.count >= 4,
           [0x47, 0x6B, 0x30, 0x01] == Array(head.prefix(4)) || head.prefix(4).allSatisfy({ $0 == 0 }) {
            return CheckpointError(file: path, "looks like an ncnn .bin; load the .param file beside it instead")
        }
        if head.first == 0x80 {
            return CheckpointError(file: path, "a Python pickle without the torch.save magic number; "
                                       + "not a checkpoint (not unpickled)")
        }
        return CheckpointError(file: path, "unrecognised checkpoint format: no safetensors header, zip, torch pickle "
                               + "or ncnn magic (expected .safetensors, torch .pth, ncnn .param or .onnx)")
    }

    /// Lowercase hex SHA-256 of the file's bytes, streamed through one 4 MiB buffer. Holes of a
    /// sparse file (SEEK_DATA/SEEK_HOLE) are hashed as zeros without being read.
    public static func sha256Hex(path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw CheckpointError(file: path, exists ? "cannot open file" : "no such file")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw CheckpointError(file: path, "cannot read file") }
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
        defer { buffer.deallocate() }
        func failRead() -> CheckpointError {
            CheckpointError(file: path, "cannot read file (\(String(cString: strerror(errno))))")
        }
        // Hashes `count` bytes from `offset` (nil: zeros).
        func feed(from offset: off_t?, count: Int) throws {
            var done = 0
            if offset == nil { buffer.initializeMemory(as: UInt8.self, repeating: 0) }
            while done < count {
                let want = min(buffer.count, count - done)
                var n = want
                if let offset {
                    n = pread(fd, buffer.baseAddress, want, offset + off_t(done))
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw failRead() }
                }
                hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<n]).bindMemory(to: UInt8.self))
                done += n
            }
        }
        if (st.st_mode & S_IFMT) == S_IFREG {
            let size = off_t(st.st_size)
            var at: off_t = 0
            while at < size {
                var data = lseek(fd, at, seekData)
                if data < 0 {
                    guard errno == ENXIO else { break }  // no SEEK_DATA here: read the rest plainly
                    data = size
                }
                if data > at { try feed(from: nil, count: Int(data - at)) }
                if data >= size { at = size; break }
                var hole = lseek(fd, data, seekHole)
                if hole < 0 { hole = size }
                try feed(from: data, count: Int(hole - data))
                at = hole
            }
            if at >= size { return hasher.finalize().map { String(format: "%02x", $0) }.joined() }
            guard lseek(fd, at, SEEK_SET) == at else { throw failRead() }
        }
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw failRead()
            }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<n]).bindMemory(to: UInt8.self))
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
