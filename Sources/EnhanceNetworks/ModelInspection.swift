import EnhanceCheckpoints
import Foundation

/// What `enhance models inspect` prints for a checkpoint, in memory bounded by the budget
/// whatever the file's size: a checkpoint that fits the ``LoadBudget`` is loaded and built (for
/// MACs and the receptive field); a safetensors file that does not is described from its header
/// alone. The SHA-256 is always streamed.
public enum ModelInspection {
    /// Label/value rows for the checkpoint at `path`.
    public static func rows(path: String, budget: LoadBudget = .default) throws -> [(String, String)] {
        if try CheckpointFile.detectFormat(path: path) == .safetensors {
            let header = try SafetensorsHeader.read(path: path)
            let need = LoadBudget.need(fileBytes: header.fileSize, parameters: header.parameterCount)
            if need > budget.maxBytes { return try headerRows(header, path: path, need: need, budget: budget) }
            return try ModelLoader.load(path: path, budget: budget).info.rows + [("load need", LoadBudget.format(need))]
        }
        return try ModelLoader.load(path: path, budget: budget).info.rows
    }

    static func headerRows(_ header: SafetensorsHeader, path: String, need: Int,
                           budget: LoadBudget) throws -> [(String, String)] {
        let all = header.entries.map(\.name)
        var ignored = header.entries.filter { $0.isInertCounter }.map(\.name)
        var shapes: [String: [Int]] = [:]
        let prefix = NetworkRegistry.wrapperPrefix(all) ?? ""
        for e in header.entries where !e.isInertCounter {
            if e.name.hasPrefix(prefix) {
                shapes[String(e.name.dropFirst(prefix.count))] = e.shape
            } else {
                ignored.append(e.name)
            }
        }
        let family = NetworkRegistry.architecture { shapes[$0] }
        let dtypes = Set(header.entries.filter { !$0.isInertCounter }.map(\.dtype)).sorted()
        return [
            ("architecture", family.map { "\($0.rawValue) (from key names; not built)" } ?? "unrecognised layout"),
            ("tensors", "\(header.entries.count - ignored.count)"),
            ("parameters", "\(header.parameterCount)"),
            ("dtype", dtypes.isEmpty ? "-" : dtypes.joined(separator: "+")),
            ("format", "safetensors"),
            ("file size", LoadBudget.format(header.fileSize)),
            ("load need", "\(LoadBudget.format(need)), over the budget of \(LoadBudget.format(budget.maxBytes))"),
            ("sha256", try CheckpointFile.sha256Hex(path: path)),
            ("ignored keys", ModelInfo.keyList(ignored)),
        ]
    }
}
