import Foundation
import XCTest
@testable import EnhanceCheckpoints

/// Locates committed fixtures and the shared data folder, and compares decoded tensors with the
/// `*.expected.json` files written by scripts/checkpoints/make_fixtures.py (numpy/torch values).
enum Fixtures {
    static func path(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let base = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        guard let url = Bundle.module.url(forResource: base, withExtension: ext, subdirectory: "Fixtures") else {
            XCTFail("missing fixture \(name); run scripts/checkpoints/make_fixtures.py", file: file, line: line)
            throw CheckpointError(file: name, "missing fixture")
        }
        return url.path
    }

    /// `<repo root>/../shared/<relative>`, or XCTSkip when absent.
    static func shared(_ relative: String) throws -> String {
        let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = repoRoot.deletingLastPathComponent().appendingPathComponent("shared").appendingPathComponent(relative).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("shared data absent: \(path) (tests using ../shared are skipped)")
        }
        return path
    }

    static func expected(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: try path(name)))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Checks keys (order), shapes, dtype, leading values (exact), last value, sums.
    static func assertMatches(_ dict: StateDict, _ expected: [String: Any], checkDType: Bool = true,
                              file: StaticString = #filePath, line: UInt = #line) throws {
        let keys = try XCTUnwrap(expected["keys"] as? [String])
        let tensors = try XCTUnwrap(expected["tensors"] as? [String: [String: Any]])
        XCTAssertEqual(dict.keys, keys, "key order", file: file, line: line)
        for key in keys {
            guard let t = dict[key], let e = tensors[key] else {
                XCTFail("missing \(key)", file: file, line: line); continue
            }
            XCTAssertEqual(t.shape, e["shape"] as? [Int], "\(key) shape", file: file, line: line)
            if checkDType { XCTAssertEqual(t.dtype.rawValue, e["dtype"] as? String, "\(key) dtype", file: file, line: line) }
            let first = (e["first"] as? [Double]) ?? []
            XCTAssertEqual(Array(t.values.prefix(first.count)), first.map { Float($0) }, "\(key) leading values", file: file, line: line)
            if let last = e["last"] as? Double, let v = t.values.last {
                XCTAssertEqual(v, Float(last), "\(key) last value", file: file, line: line)
            }
            let sum = t.values.reduce(0.0) { $0 + Double($1) }
            let absSum = t.values.reduce(0.0) { $0 + abs(Double($1)) }
            let expectedSum = try XCTUnwrap(e["sum"] as? Double)
            let expectedAbs = try XCTUnwrap(e["abs_sum"] as? Double)
            XCTAssertEqual(sum, expectedSum, accuracy: 1e-9 * max(1, expectedAbs), "\(key) sum", file: file, line: line)
            XCTAssertEqual(absSum, expectedAbs, accuracy: 1e-9 * max(1, expectedAbs), "\(key) abs sum", file: file, line: line)
        }
    }

    /// Asserts `body` throws a ``CheckpointError`` with a one-line description naming `path` and
    /// containing `fragment`.
    static func assertRefused(_ path: String, _ fragment: String, file: StaticString = #filePath, line: UInt = #line,
                              _ body: () throws -> Void) {
        do {
            try body()
            XCTFail("\(path) was accepted; expected an error containing '\(fragment)'", file: file, line: line)
        } catch let error as CheckpointError {
            let text = error.description
            XCTAssertFalse(text.contains("\n"), "error must be one line: \(text)", file: file, line: line)
            XCTAssertTrue(text.contains((path as NSString).lastPathComponent), "error must name the file: \(text)", file: file, line: line)
            XCTAssertTrue(text.lowercased().contains(fragment.lowercased()), "'\(text)' lacks '\(fragment)'", file: file, line: line)
        } catch {
            XCTFail("unexpected error type \(type(of: error)): \(error)", file: file, line: line)
        }
    }
}
