/// Errors from detecting, building, blending or running networks. Descriptions are one line
/// naming the source (file name or model) and the problem.
public struct NetworkError: Error, CustomStringConvertible, Equatable {
    /// The file or model the problem concerns.
    public var source: String
    /// What went wrong.
    public var problem: String

    public init(_ source: String, _ problem: String) {
        self.source = source
        self.problem = problem
    }

    public var description: String { "\(source): \(problem)" }
}
