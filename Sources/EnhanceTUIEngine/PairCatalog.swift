import EnhanceTUI
import Foundation

/// Finds the pairs the picker offers: `NAME-psnr.EXT` + `NAME-gan.EXT` in each folder, and every
/// other checkpoint (`.safetensors`, `.pth`, ncnn `.param`) as a single to pair by hand.
public enum PairCatalog {
    static let extensions = ["safetensors", "pth", "param"]

    /// The user's model folder: `$ENHANCE_MODELS`, else `~/.local/share/enhance/models`.
    public static func userFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let e = environment["ENHANCE_MODELS"], !e.isEmpty { return e }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share/enhance/models"
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
