import Foundation
import XCTest
@testable import EnhanceImaging

/// Locating committed fixtures and comparing images sample by sample.
enum Fixtures {
    static func url(_ relative: String) throws -> URL {
        guard let base = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw XCTSkip("Fixtures bundle missing")
        }
        return base.appendingPathComponent(relative)
    }

    static func path(_ relative: String) throws -> String { try url(relative).path }

    static func json<T: Decodable>(_ relative: String, as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(contentsOf: url(relative)))
    }

    /// Largest |a − b| over all samples, in units of `levels` (255 for 8-bit LSBs).
    static func maxDeviation(_ a: Image, _ b: Image, levels: Float = 255) -> Float {
        precondition(a.pixels.count == b.pixels.count)
        var worst: Float = 0
        for i in a.pixels.indices { worst = max(worst, abs(a.pixels[i] - b.pixels[i]) * levels) }
        return worst
    }

    /// A scratch directory removed at the end of the test.
    static func scratchDirectory(_ test: XCTestCase) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("enhance-imaging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.path
    }
}
