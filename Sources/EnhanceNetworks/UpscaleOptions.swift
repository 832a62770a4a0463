import Foundation

/// How the alpha plane of an RGBA image is upscaled.
public enum AlphaUpscaling: String, Sendable, Equatable, CaseIterable {
    /// Alpha replicated to RGB, run through the model, channel mean taken.
    case model
    /// Bicubic resampling of the alpha plane.
    case bicubic
}

/// Tiling, threading and alpha settings for ``Upscaler``.
public struct UpscaleOptions: Sendable, Equatable {
    /// Core tile edge in input pixels; nil picks one from available memory (``defaultTileSize``).
    public var tileSize: Int?
    /// Context margin around each tile in input pixels; nil uses
    /// `min(network.receptiveRadius, 48)`: exact for small networks; for RealESRGAN_x4plus
    /// (radius 350) a 40 px margin measured ≤ 2/255 difference at the seam, 24 px up to 20/255.
    /// A margin ≥ the receptive radius makes tiled output equal untiled output.
    public var tileOverlap: Int?
    /// Worker threads for convolutions.
    public var threads: Int
    /// Alpha plane handling for RGBA input.
    public var alpha: AlphaUpscaling
    /// Passed to every forward pass (its ``ForwardOptions/statistics`` are replaced by the image's
    /// first pass for networks with whole-map statistics).
    public var forward = ForwardOptions()
    /// The longest side (input pixels) of the image a network with whole-map statistics (GroupNorm,
    /// channel means) takes them from in its first pass (``Upscaler/statistics(of:cancel:node:)``):
    /// larger images are reduced to it first. 256: on real-size random models it halved 128's
    /// difference from the image's own statistics, at a cost of one forward pass over at most
    /// 256 × 256 pixels (docs/architectures.md, section 6).
    public var statisticsSide = 256

    public init(tileSize: Int? = nil, tileOverlap: Int? = nil,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount, alpha: AlphaUpscaling = .model) {
        self.tileSize = tileSize
        self.tileOverlap = tileOverlap
        self.threads = max(1, threads)
        self.alpha = alpha
    }

    /// Context margin for `network` under these options.
    public func margin(for network: any SuperResolutionNetwork) -> Int {
        tileOverlap ?? min(network.receptiveRadius, 48)
    }

    /// Tile size for `network`: the explicit one, else the largest square tile (margins included)
    /// whose estimated activations fit a quarter of available memory (capped at 3 GiB), clamped
    /// to 32…1024. Images no larger than one tile run untiled (no seams at all).
    public func tileSize(for network: any SuperResolutionNetwork) -> Int {
        if let t = tileSize { return max(network.inputMultiple, t) }
        return Self.defaultTileSize(for: network, margin: margin(for: network),
                                    availableBytes: Self.availableMemoryBytes())
    }

    /// The memory-derived tile size (see ``tileSize(for:)``).
    public static func defaultTileSize(for network: any SuperResolutionNetwork, margin: Int,
                                       availableBytes: Int) -> Int {
        let budget = Double(min(availableBytes / 4, 3 << 30))
        let bytesPerPixel = network.peakFloatsPerInputPixel * 4 * 1.5
        let side = Int(budget / bytesPerPixel).squareRootFloor - 2 * margin
        let m = network.inputMultiple
        return max(32, min(1024, side)) / m * m
    }

    /// `MemAvailable` from /proc/meminfo, or 4 GiB when unknown.
    public static func availableMemoryBytes() -> Int {
        if let s = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = s.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kb = Int(line.split(separator: " ").dropFirst().first ?? "") {
            return kb * 1024
        }
        return 4 << 30
    }
}

extension Int {
    var squareRootFloor: Int { self <= 0 ? 0 : Int(Double(self).squareRoot()) }
}
