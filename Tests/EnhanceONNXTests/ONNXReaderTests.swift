import EnhanceCheckpoints
import Foundation
import XCTest

@testable import EnhanceONNX

/// The reader against the onnx Python package's view of the same files (`manifest.json`, written by
/// scripts/oracles/make_onnx_fixtures.py), and every bad file refused on one line.
final class ONNXReaderTests: XCTestCase {
    static let fixtures = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")

    static func path(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    static func manifest() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("manifest.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: [String: Any]]
    }

    func testEveryFixtureMatchesTheONNXPackage() throws {
        let manifest = try Self.manifest()
        XCTAssertGreaterThan(manifest.count, 15)
        for (file, facts) in manifest {
            let m = try ONNXReader.read(path: Self.path(file))
            XCTAssertEqual(m.producer, facts["producer"] as? String, file)
            XCTAssertEqual(m.opset, facts["opset"] as? Int, file)
            XCTAssertEqual(m.parameterCount, facts["parameters"] as? Int, file)
            XCTAssertEqual(m.initializers.count, facts["initializers"] as? Int, file)
            var ops: [String: Int] = [:]
            for n in m.nodes { ops[n.opType, default: 0] += 1 }
            XCTAssertEqual(ops, facts["ops"] as? [String: Int], file)
            let dims = (facts["input_dims"] as! [Any]).map { $0 as? Int }
            XCTAssertEqual(m.input.dims, dims, file)
            XCTAssertNoThrow(try ONNXGraphOrder.order(m), file)
        }
    }

    func testFloat16InitializersAreTheFloat32OnesRounded() throws {
        let a = try ONNXReader.read(path: Self.path("compact_x4_o17_dyn.onnx"))
        let b = try ONNXReader.read(path: Self.path("compact_x4_o17_fp16.onnx"))
        XCTAssertEqual(b.weightTypes, "float16")
        XCTAssertEqual(a.weightTypes, "float")
        // The same model exported twice: the weights in file order, fp16 the fp32 ones rounded.
        let wa = a.initializerNames.compactMap { a.initializers[$0] }.filter { $0.count > 1 && $0.isFloat }
        let wb = b.initializerNames.compactMap { b.initializers[$0] }.filter { $0.count > 1 && $0.isFloat }
        XCTAssertEqual(wa.map(\.shape), wb.map(\.shape))
        for (x, y) in zip(wa, wb) {
            XCTAssertEqual(x.floats.map { Float(Float16($0)) }, y.floats)
        }
    }

    func testRawAndTypedDataAndExternalFiles() throws {
        let m = try ONNXReader.read(path: Self.path("helper_tokens_o17.onnx"))
        XCTAssertEqual(m.initializers["gb"]?.shape, [3])  // float_data
        XCTAssertEqual(m.initializers["idx23"]?.values, .int([2, 3]))  // raw int64
        let e = try ONNXReader.read(path: Self.path("external_ok.onnx"))
        XCTAssertEqual(e.externalFiles, ["external_ok.weights"])
        XCTAssertEqual(e.initializers["w"]?.floats, [Float](repeating: 0.125, count: 81))
        XCTAssertGreaterThan(e.fileBytes, 81 * 4)
    }

    func testUnsortedNodesAreOrdered() throws {
        let m = try ONNXReader.read(path: Self.path("helper_tokens_o17.onnx"))
        let order = try ONNXGraphOrder.order(m)
        var made = Set(m.initializerNames + [m.input.name])
        for i in order {
            for input in m.nodes[i].inputs where !input.isEmpty { XCTAssertTrue(made.contains(input), input) }
            made.formUnion(m.nodes[i].outputs)
        }
        XCTAssertNotEqual(order, Array(m.nodes.indices))
    }

    /// Each bad file: one line naming the file and the problem.
    func testBadFilesAreRefusedOnOneLine() throws {
        let cases: [(String, String)] = [
            ("opset9", "operator set 9; Enhance reads opsets 11–21"),
            ("cycle", "cycle through node"),
            ("missing_input", "node 'add' (Add) reads 'nowhere', which no node, initializer or input provides"),
            ("short_raw_data",
             "initializer 'w' [4096, 4096, 3, 3] float declares 603979776 bytes but its raw_data holds 64"),
            ("external_too_large", "over the budget"),
            ("external_parent", "in external file '../weights.bin', outside the model's folder"),
            ("external_absolute", "in external file '/etc/passwd', outside the model's folder"),
            ("string_weights", "element type string, which Enhance does not read"),
            ("truncated", "not an ONNX model (malformed protobuf"),
            ("garbage", "not an ONNX model"),
        ]
        for (name, expected) in cases {
            let path = Self.path("bad/\(name).onnx")
            XCTAssertThrowsError(try ONNXGraphOrder.order(try ONNXReader.read(path: path)), name) { error in
                let line = "\(error)"
                XCTAssertTrue(line.hasPrefix(path + ": "), line)
                XCTAssertTrue(line.contains(expected), "\(name): \(line)")
                XCTAssertFalse(line.contains("\n"), line)
            }
        }
    }

    func testTheBudgetIsCheckedBeforeDecoding() throws {
        let path = Self.path("rrdb_x4_o17_dyn.onnx")
        let size = try FileIO.size(path)
        // Over the budget: the file fits, its weights as float32 plus kernels do not.
        XCTAssertThrowsError(try ONNXReader.read(path: path, budget: LoadBudget(maxBytes: size + 1000))) { error in
            XCTAssertTrue("\(error)".contains("over the budget"), "\(error)")
        }
        XCTAssertThrowsError(try ONNXReader.read(path: path, budget: LoadBudget(maxBytes: size / 2))) { error in
            XCTAssertTrue("\(error)".contains("reading the ONNX file needs"), "\(error)")
        }
    }
}
