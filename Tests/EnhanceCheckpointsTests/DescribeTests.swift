import Foundation
import XCTest
@testable import EnhanceCheckpoints

/// ``CheckpointFile/describe(path:)``: names, shapes and element types from headers alone, checked
/// against what torch, the safetensors package and ncnn wrote (the `*.expected.json` oracles).
final class DescribeTests: XCTestCase {
    private func tensors(_ d: CheckpointDescription) throws -> TensorShapes {
        guard case let .tensors(s) = d.content else { throw XCTSkip("expected tensors, got an ncnn graph") }
        return s
    }

    private func size(_ path: String) throws -> Int {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
    }

    func testShapesMatchTheWritersOfEveryFormat() throws {
        let cases: [(String, String, CheckpointFormat)] = [
            ("pth_zip_plain.pth", "pth_plain", .pytorchZip), ("pth_legacy_plain.pth", "pth_plain", .pytorchLegacy),
            ("pth_zip64_plain.pth", "pth_plain", .pytorchZip), ("pth_zip_ema_f16.pth", "pth_ema_f16", .pytorchZip),
            ("pth_legacy_ema_f16.pth", "pth_ema_f16", .pytorchLegacy), ("pth_zip_views.pth", "pth_views", .pytorchZip),
            ("pth_legacy_views.pth", "pth_views", .pytorchLegacy), ("st_f32.safetensors", "st_f32", .safetensors),
            ("st_f16.safetensors", "st_f16", .safetensors), ("st_bf16.safetensors", "st_bf16", .safetensors),
        ]
        for (file, oracle, format) in cases {
            let path = try Fixtures.path(file)
            let d = try CheckpointFile.describe(path: path)
            let shapes = try tensors(d)
            let expected = try Fixtures.expected(oracle + ".expected.json")
            let keys = try XCTUnwrap(expected["keys"] as? [String])
            let entries = try XCTUnwrap(expected["tensors"] as? [String: [String: Any]])
            XCTAssertEqual(d.format, format, file)
            XCTAssertEqual(shapes.keys, keys, "\(file) key order")
            var count = 0
            for key in keys {
                let e = try XCTUnwrap(entries[key])
                XCTAssertEqual(shapes[key]?.shape, e["shape"] as? [Int], "\(file) \(key) shape")
                XCTAssertEqual(shapes[key]?.dtype.rawValue, e["dtype"] as? String, "\(file) \(key) dtype")
                count += try XCTUnwrap(e["count"] as? Int)
            }
            XCTAssertEqual(shapes.parameterCount, count, file)
            XCTAssertEqual(d.budgetParameters, count, file)
            XCTAssertEqual(d.fileBytes, try size(path), file)
            XCTAssertEqual(d.weightsPath, path)
        }
        // torch.save keeps BatchNorm's int64 counter: listed, not a tensor.
        let plain = try tensors(CheckpointFile.describe(path: Fixtures.path("pth_zip_plain.pth")))
        XCTAssertEqual(plain.ignoredKeys, ["1.num_batches_tracked"])
    }

    /// Storage bytes are never read: a corrupted storage entry fails a load's CRC check but not a
    /// description, which needs only the archive's directory, data.pkl and local headers.
    func testDescribeReadsNoStorageData() throws {
        let source = try Fixtures.path("pth_zip_plain.pth")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        let zip = try ZipArchive(bytes: bytes, file: source)
        let storage = try XCTUnwrap(zip.entries.first { $0.name.contains("/data/") && $0.size > 0 })
        bytes[try zip.dataStart(of: storage)] ^= 0xFF
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID()).pth").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        Fixtures.assertRefused(path, "CRC mismatch") { _ = try CheckpointFile.load(path: path) }
        XCTAssertEqual(try tensors(CheckpointFile.describe(path: path)),
                       try tensors(CheckpointFile.describe(path: source)))
    }

    func testTruncatedLegacyStorageIsReportedInOneLine() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("pth_legacy_plain.pth"))))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cut-\(UUID()).pth").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes.dropLast(7)).write(to: URL(fileURLWithPath: path))
        Fixtures.assertRefused(path, "truncated") { _ = try CheckpointFile.describe(path: path) }
    }

    /// The real RealESRGAN x4plus ncnn model: shapes and tags from the .param and the .bin's tags.
    func testRealNcnnShapes() throws {
        let param = try Fixtures.shared("weights/realesrgan-x4plus-ncnn/realesrgan-x4plus.param")
        let d = try CheckpointFile.describe(path: param)
        guard case let .ncnn(net) = d.content else { return XCTFail("expected an ncnn graph") }
        let bin = NCNN.defaultBinPath(forParam: param)
        XCTAssertEqual(d.weightsPath, bin)
        XCTAssertEqual(d.budgetParameters, try size(bin))
        XCTAssertEqual(d.fileBytes, try size(param) + size(bin))
        let convs = net.layers.filter { $0.type == "Convolution" }
        XCTAssertEqual(convs.count, 351)
        XCTAssertTrue(net.layers.allSatisfy { $0.weights.isEmpty }, "no weight decoded")
        let oracle = try Fixtures.expected("realesrgan_ncnn_oracle.json")
        for name in ["Conv_0", "Conv_1186"] {
            let layer = try XCTUnwrap(net.layer(named: name))
            let e = try XCTUnwrap(oracle[name] as? [String: Any])
            XCTAssertEqual(layer.weightShapes.first?.shape, e["shape"] as? [Int], name)
        }
        XCTAssertEqual(Set(convs.map { $0.weightShapes.map(\.dtype) }), [[.float16, .float32]])
        XCTAssertEqual(convs.reduce(0) { $0 + $1.weightShapes.reduce(0) { $0 + $1.elementCount } }, 16_697_987)
    }

    /// A .bin whose size does not match what the .param declares is refused naming the .bin.
    func testNcnnBinOfTheWrongSize() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ncnn-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let param = dir.appendingPathComponent("t.param").path, bin = dir.appendingPathComponent("t.bin").path
        try "7767517\n2 2\nInput in 0 1 data\nConvolution conv 1 1 data c 0=2 1=1 5=1 6=2\n"
            .write(toFile: param, atomically: true, encoding: .utf8)
        // fp32 tag, 2 weights, 2 biases: 20 bytes.
        for (length, fragment) in [(20, ""), (19, "truncated"), (24, "4 unused trailing bytes")] {
            XCTAssertTrue(FileManager.default.createFile(atPath: bin, contents: Data(count: length)))
            if fragment.isEmpty {
                guard case let .ncnn(net) = try CheckpointFile.describe(path: param).content else { return XCTFail() }
                let want = [TensorShape(shape: [2, 1, 1, 1], dtype: .float32), TensorShape(shape: [2], dtype: .float32)]
                XCTAssertEqual(net.layer(named: "conv")?.weightShapes, want)
            } else {
                Fixtures.assertRefused(bin, fragment) { _ = try CheckpointFile.describe(path: param) }
            }
        }
    }
}
