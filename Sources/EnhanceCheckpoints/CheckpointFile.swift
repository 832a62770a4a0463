import Foundation

/// How a state dict was stored.
public enum CheckpointFormat: String, Sendable, Equatable {
    case safetensors
    /// torch.save zip archive (torch ≥ 1.6 default).
    case pytorchZip
    /// torch.save legacy non-zip pickle stream.
    case pytorchLegacy
}

/// The result of ``CheckpointFile/load(path:)``.
public enum LoadedCheckpoint: Sendable {
    /// Flat PyTorch-style tensors (row-major float32, conv weights OIHW).
    case stateDict(StateDict, format: CheckpointFormat)
    /// An ncnn graph with per-layer weights (see ``NCNNNet``).
    case ncnn(NCNNNet)
}

/// Format-detecting entry point for every checkpoint kind EnhanceCheckpoints reads.
public enum CheckpointFile {
    /// Loads `path`, detecting the format from its content: zip magic `PK\3\4` → torch zip;
    /// pickle `0x80` → torch legacy; first line `7767517` → ncnn `.param` (weights from the
    /// `.bin` beside it); a u64 header length followed by `{` (or a `.safetensors` name, so that
    /// damaged files get a precise error) → safetensors.
    public static func load(path: String) throws -> LoadedCheckpoint {
        let head = try FileIO.readPrefix(path, count: 16)
        if ZipArchive.isZip(head) {
            return .stateDict(try PyTorchCheckpoint.read(path: path).stateDict, format: .pytorchZip)
        }
        if head.first == 0x80 {
            return .stateDict(try PyTorchCheckpoint.read(path: path).stateDict, format: .pytorchLegacy)
        }
        if head.starts(with: Array(NCNNParamParser.magic.utf8)) {
            return .ncnn(try NCNN.read(paramPath: path))
        }
        if (head.count >= 9 && head[8] == UInt8(ascii: "{")) || path.lowercased().hasSuffix(".safetensors") {
            return .stateDict(try Safetensors.read(path: path).stateDict, format: .safetensors)
        }
        if head.count >= 4, [0x47, 0x6B, 0x30, 0x01] == Array(head.prefix(4)) || head.prefix(4).allSatisfy({ $0 == 0 }) {
            throw CheckpointError(file: path, "looks like an ncnn .bin; load the .param file beside it instead")
        }
        throw CheckpointError(file: path, "unrecognised checkpoint format (expected safetensors, torch .pth or ncnn .param)")
    }

    /// Lowercase hex SHA-256 of the file's bytes (streamed in 1 MiB chunks).
    public static func sha256Hex(path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CheckpointError(file: path, FileManager.default.fileExists(atPath: path) ? "cannot open file" : "no such file")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(chunk) }
        } catch {
            throw CheckpointError(file: path, "cannot read file")
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
