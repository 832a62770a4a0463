import ArgumentParser

struct TUICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui",
        abstract: "Open the terminal UI on a file or directory (the default command).")

    @Argument(help: "Image file or directory to open.")
    var path: String = "."

    func run() throws {
        throw CLIError("the terminal UI is not available in this build yet; try `enhance upscale`")
    }
}
