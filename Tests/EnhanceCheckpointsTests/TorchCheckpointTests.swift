import Foundation
import XCTest
@testable import EnhanceCheckpoints

final class TorchCheckpointTests: XCTestCase {
    func testPlainStateDictBothContainers() throws {
        let expected = try Fixtures.expected("pth_plain.expected.json")
        for container in ["zip", "legacy"] {
            let ckpt = try PyTorchCheckpoint.read(path: Fixtures.path("pth_\(container)_plain.pth"))
            XCTAssertEqual(ckpt.container.rawValue, container)
            XCTAssertEqual(ckpt.wrapperPath, [])
            XCTAssertEqual(ckpt.skippedKeys, ["1.num_batches_tracked"], "int64 counter kept out")
            try Fixtures.assertMatches(ckpt.stateDict, expected)
            XCTAssertEqual(ckpt.stateDict["0.weight"]?.shape, [4, 3, 3, 3])
            XCTAssertNotNil(ckpt.stateDict["1.running_var"])
        }
    }

    /// Python's zipfile re-packing with zip64 extra fields and end records reads the same.
    func testZip64Container() throws {
        let ckpt = try PyTorchCheckpoint.read(path: Fixtures.path("pth_zip64_plain.pth"))
        XCTAssertEqual(ckpt.container, .zip)
        try Fixtures.assertMatches(ckpt.stateDict, Fixtures.expected("pth_plain.expected.json"))
        let deflated = try Fixtures.path("bad_deflated.pth")
        Fixtures.assertRefused(deflated, "compression method 8") { _ = try PyTorchCheckpoint.read(path: deflated) }
    }

    func testParamsEmaPreferredFloat16() throws {
        let expected = try Fixtures.expected("pth_ema_f16.expected.json")
        for container in ["zip", "legacy"] {
            let ckpt = try PyTorchCheckpoint.read(path: Fixtures.path("pth_\(container)_ema_f16.pth"))
            XCTAssertEqual(ckpt.wrapperPath, ["params_ema"])
            XCTAssertEqual(ckpt.stateDict["0.weight"]?.dtype, .float16)
            try Fixtures.assertMatches(ckpt.stateDict, expected)
        }
    }

    func testViewsOffsetsStridesParameterBFloat16() throws {
        let expected = try Fixtures.expected("pth_views.expected.json")
        for container in ["zip", "legacy"] {
            let ckpt = try PyTorchCheckpoint.read(path: Fixtures.path("pth_\(container)_views.pth"))
            XCTAssertEqual(ckpt.wrapperPath, ["state_dict"])
            XCTAssertEqual(ckpt.skippedKeys, ["step"])
            try Fixtures.assertMatches(ckpt.stateDict, expected)
            XCTAssertEqual(ckpt.stateDict["shared.transposed"]?.shape, [4, 3])
        }
    }

    func testMaliciousPicklesRefusedAndNothingRuns() throws {
        let marker = "/tmp/enhance_checkpoints_pwned_marker"
        try? FileManager.default.removeItem(atPath: marker)
        let cases = [
            ("evil_zip_system.pth", "posix.system"),
            ("evil_legacy_system.pth", "posix.system"),
            ("evil_system_proto2.pkl", "posix.system"),
            ("evil_eval_proto4.pkl", "builtins.eval"),
        ]
        for (name, global) in cases {
            let path = try Fixtures.path(name)
            Fixtures.assertRefused(path, "refused global '\(global)'") { _ = try PyTorchCheckpoint.read(path: path) }
            // A bare pickle lacks the torch.save magic: format detection refuses it without unpickling.
            let viaLoad = name.hasSuffix(".pkl") ? "without the torch.save magic number" : "refused global"
            Fixtures.assertRefused(path, viaLoad) { _ = try CheckpointFile.load(path: path) }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "payload must never run")
    }

    func testRefusesOtherDangerousOpcodesAndGlobals() {
        func pickle(_ body: [UInt8]) -> [UInt8] { [0x80, 2] + body + [UInt8(ascii: ".")] }
        let cases: [([UInt8], String)] = [
            (Array("csubprocess\nPopen\n".utf8), "refused global 'subprocess.Popen'"),
            (Array("cos\nsystem\n".utf8), "refused global 'os.system'"),
            (Array("ctorch.storage\n_load_from_bytes\n".utf8), "refused global 'torch.storage._load_from_bytes'"),
            (Array("ctorch\nFloatStorage\n)R".utf8), "refused call of torch.FloatStorage"),
            (Array("(ibuiltins\nobject\n".utf8), "refused opcode"),
            ([0x82, 1], "extension-registry"),
            (Array("N)R".utf8), "REDUCE on a None"),
            ([0x8A, 10] + PyTorchCheckpoint.legacyMagic + [UInt8(ascii: ".")] + [0x80, 2, 0x4D, 0xE9, 0x03], "truncated"),
            (Array("q".utf8), "memo put on an empty stack"),
            (Array("h\u{05}".utf8), "memo key 5 not found"),
        ]
        for (body, fragment) in cases {
            Fixtures.assertRefused("mem.pth", fragment) {
                _ = try PyTorchCheckpoint.decode(pickle(body), file: "mem.pth")
            }
        }
        // A legacy stream whose tensor claims 2^31 × 2^31 elements over a 1-element storage via zero strides.
        func str(_ text: String) -> [UInt8] { [UInt8(ascii: "X"), UInt8(text.utf8.count), 0, 0, 0] + Array(text.utf8) }
        let big: [UInt8] = [UInt8(ascii: "J"), 0xFF, 0xFF, 0xFF, 0x7F]
        let pid: [UInt8] = Array("((".utf8) + str("storage") + Array("ctorch\nFloatStorage\n".utf8) + str("0") + str("cpu")
            + Array("K\u{01}tQ".utf8)
        let tensor: [UInt8] = Array("}".utf8) + str("w") + Array("ctorch._utils\n_rebuild_tensor_v2\n".utf8) + pid
            + Array("K\u{00}".utf8) + big + big + [0x86] + Array("K\u{00}K\u{00}".utf8) + [0x86, 0x89] + Array("NtRs".utf8)
        let expanded = pickle([0x8A, 10] + PyTorchCheckpoint.legacyMagic) + pickle([0x4D, 0xE9, 0x03]) + pickle(Array("}".utf8))
            + pickle(tensor) + pickle(Array("(".utf8) + str("0") + Array("l".utf8)) + [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x3F]
        Fixtures.assertRefused("mem.pth", "expands storage") { _ = try PyTorchCheckpoint.decode(expanded, file: "mem.pth") }
        // A well-formed legacy stream whose payload is a list, not a dict.
        let legacyList = pickle([0x8A, 10] + PyTorchCheckpoint.legacyMagic) + pickle([0x4D, 0xE9, 0x03])
            + pickle(Array("}".utf8)) + pickle(Array("]".utf8)) + pickle(Array("]".utf8))
        Fixtures.assertRefused("mem.pth", "holds a list, not a state dict") {
            _ = try PyTorchCheckpoint.decode(legacyList, file: "mem.pth")
        }
    }

    func testRefusesTruncatedAndCorruptZip() throws {
        let good = try FileIO.readAll(Fixtures.path("pth_zip_plain.pth"))
        Fixtures.assertRefused("cut.pth", "end-of-central-directory") {
            _ = try PyTorchCheckpoint.decode(Array(good.prefix(good.count / 2)), file: "cut.pth")
        }
        var corrupt = good
        let data = ZipArchive.isZip(good) ? try ZipArchive(bytes: good, file: "x") : nil
        let storage = try XCTUnwrap(data?.entries.first { $0.name.hasSuffix("/data/0") })
        let range = try XCTUnwrap(data).dataRange(of: storage)
        corrupt[range.lowerBound] ^= 0xFF
        Fixtures.assertRefused("corrupt.pth", "CRC mismatch") { _ = try PyTorchCheckpoint.decode(corrupt, file: "corrupt.pth") }
        let legacy = try FileIO.readAll(Fixtures.path("pth_legacy_plain.pth"))
        Fixtures.assertRefused("cut.pth", "truncated") {
            _ = try PyTorchCheckpoint.decode(Array(legacy.dropLast(7)), file: "cut.pth")
        }
    }

    /// The shared SRGAN generator (legacy pickle from an old torch) loads with its BatchNorm buffers.
    func testSharedSRGANGenerator() throws {
        let path = try Fixtures.shared("weights/srgan-leftthomas/netG_epoch_4_100.pth")
        let ckpt = try PyTorchCheckpoint.read(path: path)
        XCTAssertEqual(ckpt.container, .legacy)
        let sd = ckpt.stateDict
        XCTAssertEqual(sd["block1.0.weight"]?.shape, [64, 3, 9, 9])
        XCTAssertEqual(sd["block1.0.bias"]?.shape, [64])
        XCTAssertEqual(sd["block1.1.weight"]?.shape, [1], "PReLU slope")
        XCTAssertEqual(sd["block2.conv1.weight"]?.shape, [64, 64, 3, 3])
        XCTAssertEqual(sd["block2.bn1.running_mean"]?.shape, [64])
        XCTAssertEqual(sd["block2.bn1.running_var"]?.shape, [64])
        XCTAssertTrue(sd["block2.bn1.running_var"]!.values.allSatisfy { $0 > 0 })
        XCTAssertEqual(sd["block8.2.weight"]?.shape, [3, 64, 9, 9])
        for key in sd.keys { XCTAssertTrue(sd[key]!.values.allSatisfy(\.isFinite), key) }
        XCTAssertEqual(sd.count, 79)
        try Fixtures.assertMatches(sd, Fixtures.expected("srgan_shared.expected.json"))
        XCTAssertFalse(sd.keys.contains { $0.hasSuffix("num_batches_tracked") })
    }
}
