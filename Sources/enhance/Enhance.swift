import ArgumentParser

/// `enhance`: terminal ×4 super-resolution — compare bicubic, a PSNR network and a GAN network,
/// blend the two networks' weights, and export what you chose.
@main
struct Enhance: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "enhance",
        abstract: "Terminal x4 image upscaler: compare bicubic, PSNR and GAN networks, blend them live, export.",
        discussion: """
            With no subcommand, `enhance [PATH]` opens the terminal UI on PATH (a file or directory; \
            default: the current directory).
            """,
        version: version,
        subcommands: [TUICommand.self, UpscaleCommand.self, PreviewCommand.self, InterpolateCommand.self,
                      ModelsCommand.self, EvalCommand.self, BenchCommand.self],
        defaultSubcommand: TUICommand.self
    )
}
