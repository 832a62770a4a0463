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
            ("bad_int_dtype.safetensors", "unsupported dtype I32"),
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
