import Foundation

/// A one-line progress bar on standard error: overall fraction, file count, the current file's
/// fraction and ETAs for the file and the whole run (from the rate so far). Redrawn at most 10
/// times a second.
final class ProgressBar {
    private let totalWork: Double
    private let files: Int
    private let start = Date()
    private var fileStart = Date()
    private var fileIndex = -1
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(totalWork: Double, files: Int) {
        self.totalWork = max(totalWork, 1)
        self.files = files
    }

    /// `file`: fraction of the current file; `done`: work units done overall (inputs' pixels).
    func update(file: Double, done: Double, index: Int, name: String) {
        let now = Date()
        if index != fileIndex { fileIndex = index; fileStart = now }
        guard now.timeIntervalSince(lastDraw) >= 0.1 || file >= 1 else { return }
        lastDraw = now
        let total = min(1, max(0, files == 1 ? file : done / totalWork))
        let width = 24, filled = Int(total * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        var line = String(format: "\r[%@] %3d%%", bar, Int(total * 100))
        if files > 1 { line += " file \(index + 1)/\(files) \(Int(file * 100))% ETA \(eta(file, since: fileStart))," }
        line += " total ETA \(eta(total, since: start))"
        FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
        drawn = true
    }

    /// Erases the bar so that a message can be printed on its line.
    func clearLine() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }

    func finish() { clearLine() }

    private func eta(_ fraction: Double, since: Date) -> String {
        guard fraction > 0.001 else { return "--:--" }
        let left = Int((Date().timeIntervalSince(since) * (1 - fraction) / fraction).rounded())
        return String(format: "%d:%02d", left / 60, left % 60)
    }
}
