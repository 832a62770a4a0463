/// A checkpoint could not be read or written.
///
/// ``description`` is one line: `<file>: <problem>`.
public struct CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Path (or a label such as `archive/data.pkl` inside a zip) of the offending file.
    public var file: String
    /// What is wrong, in one line.
    public var problem: String

    public init(file: String, _ problem: String) {
        self.file = file
        self.problem = problem
    }

    public var description: String {
        let oneLine = problem.replacingOccurrences(of: "\n", with: " ")
        return "\(file): \(oneLine)"
    }
}
