import EnhanceCheckpoints
import EnhanceTensor
import Foundation
import XCTest

@testable import EnhanceONNX

/// The wire scanner behind ``ONNXReader/scan(path:budget:)`` against the onnx package and its
/// protobuf runtime (`wire.json` and `bad/wire_*.onnx`, written by
/// scripts/oracles/make_onnx_wire_fixtures.py): what it declares without reading the weights, and
/// every malformed input refused on one line.
final class ONNXWireScanTests: XCTestCase {
    static func oracle() throws -> [String: Any] {
        let data = try Data(contentsOf: ONNXReaderTests.fixtures.appendingPathComponent("wire.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// Each fixture's initializers in file order (name, dims, type) as the onnx package reads them;
    /// those in raw_data or an external file are left there until decoded.
    func testScanDeclaresWhatTheONNXPackageReads() throws {
        let declared = try Self.oracle()["declared"] as! [String: [[Any]]]
        XCTAssertGreaterThan(declared.count, 15)
        for (file, tensors) in declared {
            var m = try ONNXReader.scan(path: ONNXReaderTests.path(file))
            XCTAssertEqual(m.declared.map(\.name), tensors.map { $0[0] as! String }, file)
            XCTAssertEqual(m.declared.map(\.shape), tensors.map { $0[1] as! [Int] }, file)
            XCTAssertEqual(m.declared.map(\.storedType), tensors.map { $0[2] as! String }, file)
            let inFile = Set(tensors.filter { $0[3] as! String != "typed" }.map { $0[0] as! String })
            XCTAssertEqual(Set(m.pending.keys), inFile, file)
            XCTAssertEqual(Set(m.initializers.keys), Set(m.initializerNames).subtracting(inFile), file)
            XCTAssertEqual(m.isDecoded, inFile.isEmpty, file)
            try m.decode()
            XCTAssertTrue(m.isDecoded, file)
            XCTAssertEqual(m.initializerNames.map { m.initializers[$0]?.shape }, m.declared.map(\.shape), file)
        }
    }

    /// Every prefix of two fixtures: those protobuf parses are not refused as malformed protobuf
    /// (they may still be no ONNX model), every other one is, on one line.
    func testEveryPrefixIsRefusedAsProtobufRefusesIt() throws {
        let prefixes = try Self.oracle()["prefixes"] as! [String: [Int]]
        XCTAssertEqual(prefixes.count, 2)
        for (file, parsed) in prefixes {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: ONNXReaderTests.path(file))))
            let parses = Set(parsed)
            XCTAssertTrue(parses.contains(bytes.count), file)
            for n in 0...bytes.count {
                let path = "/nonexistent/\(file)"
                do {
                    _ = try ONNXReader.decode(Array(bytes[..<n]), path: path)
                    XCTAssertEqual(n, bytes.count, "\(file) prefix \(n) read")
                } catch {
                    let line = "\(error)"
                    XCTAssertTrue(line.hasPrefix(path + ": "), line)
                    XCTAssertFalse(line.contains("\n"), line)
                    XCTAssertEqual(line.contains("malformed protobuf"), !parses.contains(n), "prefix \(n): \(line)")
                }
            }
        }
    }

    /// One fault each, on one line naming it; the two that protobuf itself parses (a known field of
    /// the wrong wire type, which protobuf keeps as an unknown field) are refused too.
    func testWireFaultsAreRefusedOnOneLine() throws {
        let bad = try Self.oracle()["bad"] as! [String: [String: Any]]
        let expected: [String: String] = [
            "wire_truncated_varint": "truncated field tag",
            "wire_varint_11_bytes": "over 64 bits",
            "wire_field_zero": "field number 0",
            "wire_past_end": "field 14 of 100 bytes runs past the end of its message",
            "wire_initializer_past_graph": "field 5 of",
            "wire_raw_past_tensor": "field 9 of",
            "wire_graph_as_varint": "ModelProto.graph (field 7) has wire type 0",
            "wire_raw_as_fixed32": "TensorProto.raw_data (field 9) has wire type 5",
            "wire_unterminated_group": "wire type 3 of field 20",
            "wire_type_7": "wire type 7 of field 20",
        ]
        XCTAssertEqual(Set(bad.keys), Set(expected.keys).union(["wire_ok"]))
        for (name, fragment) in expected {
            XCTAssertEqual(bad[name]?["protobuf_parses"] as? Bool, name == "wire_graph_as_varint"
                           || name == "wire_raw_as_fixed32", name)
            let path = ONNXReaderTests.path("bad/\(name).onnx")
            XCTAssertThrowsError(try ONNXReader.read(path: path), name) { error in
                let line = "\(error)"
                XCTAssertTrue(line.hasPrefix(path + ": not an ONNX model (malformed protobuf: "), line)
                XCTAssertTrue(line.contains(fragment), "\(name): \(line)")
                XCTAssertFalse(line.contains("\n"), line)
            }
        }
    }

    /// The same tiny Conv with its tensor's fields in an unusual order (raw_data first) and an
    /// unknown field: read as the script wrote it (weight arange(54) / 64, bias [0.5, -0.25]).
    func testFieldOrderAndUnknownFieldsDoNotMatter() throws {
        let m = try ONNXReader.read(path: ONNXReaderTests.path("bad/wire_ok.onnx"))
        XCTAssertEqual(m.producer, "wire-oracle")
        XCTAssertEqual(m.initializers["w"]?.shape, [2, 3, 3, 3])
        XCTAssertEqual(m.initializers["w"]?.floats, (0..<54).map { Float($0) / 64 })
        XCTAssertEqual(m.initializers["b"]?.floats, [0.5, -0.25])
    }

    /// A program for probes decodes no convolution weight, probes as the full program does, and
    /// refuses to run.
    func testProbesOnlyProgramsLeaveConvolutionWeightsInTheFile() throws {
        let path = ONNXReaderTests.path("rrdb_x4_o17_dyn.onnx")
        let manifest = try ONNXReaderTests.manifest()["rrdb_x4_o17_dyn.onnx"]!
        let probing = try ONNXProgram(try ONNXReader.scan(path: path), probesOnly: true)
        let full = try ONNXProgram(try ONNXReader.read(path: path))
        XCTAssertEqual(probing.model.parameterCount, manifest["parameters"] as? Int)
        let convInputs = Set(probing.model.nodes.filter { $0.opType == "Conv" }.flatMap { $0.inputs.dropFirst() })
        XCTAssertFalse(probing.model.pending.isEmpty)
        XCTAssertTrue(Set(probing.model.pending.keys).isSubset(of: convInputs))
        XCTAssertTrue(full.model.isDecoded)
        let (a, b) = (try probing.probe(height: 12, width: 10), try full.probe(height: 12, width: 10))
        XCTAssertEqual(a.output, b.output)
        XCTAssertEqual(a.convs.map(\.macs), b.convs.map(\.macs))
        XCTAssertEqual(a.peakFloats, b.peakFloats)
        let x = Tensor(channels: 3, height: 12, width: 10)
        XCTAssertThrowsError(try probing.run(x, pool: ThreadPool(threads: 1))) {
            XCTAssertTrue("\($0)".contains("weights were not read"), "\($0)")
        }
    }
}
