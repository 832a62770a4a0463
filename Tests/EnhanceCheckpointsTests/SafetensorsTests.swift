import Foundation
import XCTest
@testable import EnhanceCheckpoints

final class SafetensorsTests: XCTestCase {
    func testReadsOfficialWriterFiles() throws {
        for tag in ["f32", "f16", "bf16"] {
            let file = try Safetensors.read(path: Fixtures.path("st_\(tag).safetensors"))
            let expected = try Fixtures.expected("st_\(tag).expected.json")
            try Fixtures.assertMatches(file.stateDict, expected)
            XCTAssertEqual(file.metadata, expected["metadata"] as? [String: String], tag)
            XCTAssertEqual(file.stateDict["conv.weight"]?.shape, [4, 3, 3, 3])
            XCTAssertEqual(file.stateDict["body.0.scale"]?.shape, [])
        }
    }

    func testRefusesMalformedFiles() throws {
        let cases: [(String, String)] = [
            ("bad_truncated.safetensors", "out of range"),
            ("bad_truncated_header.safetensors", "truncated"),
            ("bad_oversized_header.safetensors", "exceeds"),
            ("bad_short.safetensors", "truncated"),
            ("bad_unknown_dtype.safetensors", "unknown dtype 'F17'"),
            ("bad_wrong_dtype.safetensors", "needs"),
            ("bad_offset_out_of_range.safetensors", "out of range"),
            ("bad_overlap.safetensors", "overlap"),
            ("bad_json.safetensors", "invalid header JSON"),
        ]
        for (name, fragment) in cases {
            let path = try Fixtures.path(name)
            Fixtures.assertRefused(path, fragment) { _ = try Safetensors.read(path: path) }
        }
        Fixtures.assertRefused("/nonexistent/x.safetensors", "no such file") {
            _ = try Safetensors.read(path: "/nonexistent/x.safetensors")
        }
    }

    func testIntegerTensorsAreReadAsData() throws {
        // The generator relabels conv.weight as I32 (same byte size): read as integers, not refused.
        let relabelled = try Safetensors.read(path: Fixtures.path("bad_int_dtype.safetensors"))
        let t = try XCTUnwrap(relabelled.stateDict["conv.weight"])
        XCTAssertEqual(t.dtype, .int32)
        XCTAssertEqual(t.shape, [4, 3, 3, 3])
        // Little-endian I64/I16/U8/BOOL bytes, as numpy's tobytes() lays them out.
        func encoded(_ dtype: String, _ shape: Int, _ bytes: [UInt8]) -> [UInt8] {
            let header = #"{"a":{"dtype":"\#(dtype)","shape":[\#(shape)],"data_offsets":[0,\#(bytes.count)]}}"#
            var out: [UInt8] = []
            out.appendLE(UInt64(header.utf8.count))
            return out + Array(header.utf8) + bytes
        }
        let cases: [(String, Int, [UInt8], [Float])] = [
            ("I64", 2, [7, 0, 0, 0, 0, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [7, -2]),
            ("I16", 2, [0x00, 0x01, 0xFF, 0xFF], [256, -1]),
            ("U8", 2, [200, 3], [200, 3]),
            ("BOOL", 2, [1, 0], [1, 0]),
        ]
        for (dtype, n, bytes, values) in cases {
            let sd = try Safetensors.decode(encoded(dtype, n, bytes), file: "mem.safetensors").stateDict
            XCTAssertEqual(sd["a"]?.values, values, dtype)
            XCTAssertEqual(sd["a"]?.dtype.rawValue, dtype)
        }
    }

    func testRefusesGapsDuplicatesAndBadFields() {
        func file(_ header: String, data: [UInt8]) -> [UInt8] {
            var out: [UInt8] = []
            out.appendLE(UInt64(header.utf8.count))
            return out + Array(header.utf8) + data
        }
        let four = [UInt8](repeating: 0, count: 8)
        let cases: [(String, String)] = [
            (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, "gap"),
            (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, "duplicate key"),
            (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, "cover only 4"),
            (#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, "negative"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, "reversed"),
            (#"{"a":{"dtype":"F32","shape":[2]}}"#, "missing"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}"#, "unexpected field"),
            (#"{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, "not a string"),
            (#"[1]"#, "not a JSON object"),
            (#"{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#, "unsupported dtype F64"),
        ]
        for (header, fragment) in cases {
            Fixtures.assertRefused("mem.safetensors", fragment) {
                _ = try Safetensors.decode(file(header, data: four), file: "mem.safetensors")
            }
        }
    }

    /// For a single-dtype dict with sorted keys the official writer's bytes are canonical; ours must match.
    func testWriterMatchesOfficialBytes() throws {
        for (tag, dtype) in [("f32", DType.float32), ("f16", DType.float16)] {
            let path = try Fixtures.path("st_canonical_\(tag).safetensors")
            let official = try FileIO.readAll(path)
            let loaded = try Safetensors.read(path: path)
            XCTAssertEqual(loaded.metadata, ["format": "pt"])
            XCTAssertEqual(Safetensors.encode(loaded.stateDict, dtype: dtype, metadata: loaded.metadata), official, tag)
        }
    }

    func testWriteReadRoundTrip() throws {
        let source = try Safetensors.read(path: Fixtures.path("st_f32.safetensors"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for dtype in [DType.float32, .float16, .bfloat16] {
            let out = dir.appendingPathComponent("rt_\(dtype.rawValue).safetensors").path
            try Safetensors.write(source.stateDict, to: out, dtype: dtype, metadata: ["k": "v \"quoted\"\n"])
            let back = try Safetensors.read(path: out)
            XCTAssertEqual(back.metadata, ["k": "v \"quoted\"\n"])
            XCTAssertEqual(back.stateDict.keys, source.stateDict.keys)
            for key in source.stateDict.keys {
                let a = source.stateDict[key]!, b = back.stateDict[key]!
                XCTAssertEqual(b.shape, a.shape)
                XCTAssertEqual(b.dtype, dtype)
                for (x, y) in zip(a.values, b.values) {
                    let tolerance: Float = dtype == .float32 ? 0 : (dtype == .float16 ? 1e-3 : 8e-3) * max(abs(x), 6.2e-5)
                    XCTAssertEqual(y, x, accuracy: tolerance, "\(key) \(dtype)")
                }
            }
        }
    }
}
