/// How an image is upscaled: the one method enum of the CLI (`--method`) and the TUI (panes, keys,
/// cache keys, exports). The blend's α travels beside it (e.g. the TUI's `MethodKey`).
public enum Method: String, CaseIterable, Sendable {
    /// Bicubic resampling.
    case bicubic
    /// The PSNR (fidelity) network of the pair.
    case psnr
    /// The GAN network of the pair.
    case gan
    /// The weight blend θ = (1−α)·θ_PSNR + α·θ_GAN of the pair.
    case blend

    /// Display name ("bicubic", "PSNR", "GAN", "blend").
    public var title: String {
        switch self {
        case .bicubic: return "bicubic"
        case .psnr: return "PSNR"
        case .gan: return "GAN"
        case .blend: return "blend"
        }
    }

    /// Whether the method needs the PSNR/GAN pair.
    public var isNetwork: Bool { self != .bicubic }
}
