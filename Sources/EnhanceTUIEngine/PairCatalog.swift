import EnhanceNetworks
import EnhanceTUI
import Foundation

/// Finds the pairs the picker offers: `NAME-psnr.EXT` + `NAME-gan.EXT` in each folder, and every
/// other checkpoint (`.safetensors`, `.pth`, ncnn `.param`, `.onnx`) as a single to pair by hand.
public enum PairCatalog {
    static let extensions = ["safetensors", "pth", "param", "onnx"]

    /// The user's model folder: `$ENHANCE_MODELS`, else `~/.local/share/enhance/models`.
    public static func userFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let e = environment["ENHANCE_MODELS"], !e.isEmpty { return e }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share/enhance/models"
    }

    /// The name of the pair used when none is chosen: the small pair bundled in `Models/`.
    public static let defaultName = "enhance-x4"

    /// The named pairs in `folders` (by folder, then name); a name found in two folders is the
    /// first folder's.
    public static func pairs(folders: [String]) -> [PairChoice] {
        var seen = Set<String>()
        return list(folders: folders).filter { $0.psnr != $0.gan && seen.insert($0.name).inserted }
    }

    /// The pair called `name` in `folders`; unknown names throw ``UnknownPair``.
    public static func pair(named name: String, folders: [String]) throws -> PairChoice {
        let all = pairs(folders: folders)
        guard let p = all.first(where: { $0.name == name }) else {
            throw UnknownPair(name: name, available: all.map(\.name))
        }
        return p
    }

    /// The pair used when none is named: ``defaultName`` if present, else the first pair found.
    public static func defaultPair(folders: [String]) -> PairChoice? {
        let all = pairs(folders: folders)
        return all.first { $0.name == defaultName } ?? all.first
    }

    /// `choices` with their ``PairChoice/problem`` from the checkpoints' headers (cheap: no tensor
    /// read): a pair must be blendable (``ModelInspection/checkPair(psnr:gan:)``), a
    /// single a recognised network, and either must upscale by `scale`.
    public static func checked(_ choices: [PairChoice], scale: Int) -> [PairChoice] {
        choices.map { c in
            var c = c
            do {
                let s = c.isSingle ? try ModelInspection.network(path: c.psnr).network.scale
                    : try ModelInspection.checkPair(psnr: c.psnr, gan: c.gan)
                if s != scale { c.problem = "\(c.name) upscales ×\(s); this session is ×\(scale)" }
            } catch {
                c.problem = "\(error)"
            }
            return c
        }
    }

    /// Pairs first (by folder, then name), then single checkpoints; duplicates dropped.
    public static func list(folders: [String]) -> [PairChoice] {
        var pairs: [PairChoice] = [], singles: [PairChoice] = []
        var seen = Set<String>()
        for dir in folders {
            let std = (dir as NSString).standardizingPath
            guard seen.insert(std).inserted,
                  let names = try? FileManager.default.contentsOfDirectory(atPath: std) else { continue }
            let files = names.filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            var paired = Set<String>()
            for f in files {
                let ext = (f as NSString).pathExtension, stem = (f as NSString).deletingPathExtension
                guard stem.hasSuffix("-psnr") else { continue }
                let base = String(stem.dropLast(5)), gan = base + "-gan." + ext
                guard files.contains(gan) else { continue }
                pairs.append(PairChoice(name: base, psnr: std + "/" + f, gan: std + "/" + gan))
                paired.formUnion([f, gan])
            }
            for f in files where !paired.contains(f) {
                singles.append(PairChoice(name: f, psnr: std + "/" + f, gan: std + "/" + f))
            }
        }
        return pairs + singles
    }
}

/// `--pair NAME` named no pair in the model folders.
public struct UnknownPair: Error, Equatable, CustomStringConvertible {
    /// The name asked for.
    public let name: String
    /// The names of the pairs that were found.
    public let available: [String]

    /// The error for `name` when the pairs found are `available`.
    public init(name: String, available: [String]) {
        (self.name, self.available) = (name, available)
    }

    /// One line: the unknown name and the pairs there are.
    public var description: String {
        let list = available.isEmpty ? "none found" : available.joined(separator: ", ")
        return "unknown model pair '\(name)'; available pairs: \(list)"
    }
}
