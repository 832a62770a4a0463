import Foundation
import XCTest
@testable import EnhanceTensor

/// The onnxruntime / numpy oracle fixtures of `scripts/oracles/make_op_fixtures.py`: `ops.bin`
/// (float32 little-endian) indexed by `ops.json` (`case → tensors: name → [offset, shape], attrs`).
struct OpFixtures: @unchecked Sendable {  // immutable after init
    static let shared = OpFixtures()
    /// `packed_tail.bin` / `.json` of `scripts/oracles/make_packed_tail_fixtures.py` (same format).
    static let packedTail = OpFixtures(name: "packed_tail")
    private let data: [Float]
    private let index: [String: [String: Any]]

    private init(name: String = "ops") {
        let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        let raw = try! Data(contentsOf: dir.appendingPathComponent(name + ".bin"))
        data = raw.withUnsafeBytes { b in (0..<(raw.count / 4)).map { Float(bitPattern: UInt32(littleEndian:
            b.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) } }
        let json = try! Data(contentsOf: dir.appendingPathComponent(name + ".json"))
        index = try! JSONSerialization.jsonObject(with: json) as! [String: [String: Any]]
    }

    /// Shape and values of tensor `name` of `testCase`.
    func array(_ testCase: String, _ name: String) -> (shape: [Int], values: [Float]) {
        let tensors = index[testCase]!["tensors"] as! [String: [Any]]
        guard let entry = tensors[name] else { fatalError("fixture \(testCase).\(name) missing") }
        let offset = entry[0] as! Int, shape = entry[1] as! [Int]
        return (shape, Array(data[offset..<(offset + shape.reduce(1, *))]))
    }

    /// The values of `name` in `testCase`.
    func values(_ testCase: String, _ name: String) -> [Float] { array(testCase, name).values }

    /// `name` of `testCase` as a CHW tensor (shape `[1, C, H, W]`, `[C, H, W]` or `[H, W]`).
    func tensor(_ testCase: String, _ name: String) -> Tensor {
        var (chw, v) = array(testCase, name)
        if chw.count == 4 { chw.removeFirst() }
        while chw.count < 3 { chw.insert(1, at: 0) }
        return Tensor(channels: chw[0], height: chw[1], width: chw[2], data: v)
    }

    /// `name` of `testCase` (shape `[rows, columns]`, leading dimensions folded into rows) as a Matrix.
    func matrix(_ testCase: String, _ name: String) -> Matrix {
        let (s, v) = array(testCase, name)
        return Matrix(rows: v.count / s.last!, columns: s.last!, data: v)
    }

    /// Integer attribute `name` of `testCase`.
    func attr(_ testCase: String, _ name: String) -> Int {
        (index[testCase]!["attrs"] as! [String: Any])[name] as! Int
    }
}

/// `|got − want| ≤ rtol · |want| + atol` element-wise (shapes by count); reports the worst element.
func assertClose(_ got: [Float], _ want: [Float], rtol: Float = 1e-5, atol: Float = 1e-6, _ what: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.count, want.count, "\(what): count", file: file, line: line)
    guard got.count == want.count else { return }
    var worst: (excess: Float, i: Int) = (0, -1)
    for i in 0..<got.count {
        let excess = abs(got[i] - want[i]) - (rtol * abs(want[i]) + atol)
        if excess > worst.excess || got[i].isNaN { worst = (got[i].isNaN ? .infinity : excess, i) }
    }
    if worst.i >= 0 {
        XCTFail("\(what): element \(worst.i) is \(got[worst.i]), want \(want[worst.i])", file: file, line: line)
    }
}

/// The largest magnitude in `xs` (a scale for absolute tolerances of sums).
func peak(_ xs: [Float]) -> Float { xs.reduce(0) { max($0, abs($1)) } }
