import Foundation
import XCTest
@testable import EnhanceCheckpoints

final class CheckpointFileTests: XCTestCase {
    func testDetectsFormatsByContent() throws {
        let expectations: [(String, CheckpointFormat)] = [
            ("st_f16.safetensors", .safetensors), ("pth_zip_plain.pth", .pytorchZip), ("pth_legacy_plain.pth", .pytorchLegacy),
        ]
        for (name, format) in expectations {
            // Copy under a misleading extension: detection must use the content.
            let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).bin").path
            try FileManager.default.copyItem(atPath: try Fixtures.path(name), toPath: tmp)
            defer { try? FileManager.default.removeItem(atPath: tmp) }
            guard case let .stateDict(sd, detected) = try CheckpointFile.load(path: tmp) else { XCTFail(name); continue }
            XCTAssertEqual(detected, format, name)
            XCTAssertGreaterThan(sd.count, 0)
        }
        Fixtures.assertRefused("/nonexistent.pth", "no such file") { _ = try CheckpointFile.load(path: "/nonexistent.pth") }
        let short = try Fixtures.path("bad_short.safetensors")
        Fixtures.assertRefused(short, "truncated") { _ = try CheckpointFile.load(path: short) }
        let evil = try Fixtures.path("evil_zip_system.pth")
        Fixtures.assertRefused(evil, "refused global 'posix.system'") { _ = try CheckpointFile.load(path: evil) }
        let expected = try Fixtures.path("st_f32.expected.json")
        Fixtures.assertRefused(expected, "unrecognised") { _ = try CheckpointFile.load(path: expected) }
    }

    /// A checkpoint reached through a symbolic link (as people link downloads into a model folder)
    /// is read as the file it names, for each format.
    func testSymbolicLinksAreFollowed() throws {
        for name in ["st_f16.safetensors", "pth_zip_plain.pth", "pth_legacy_plain.pth"] {
            let target = try Fixtures.path(name)
            let link = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
            defer { try? FileManager.default.removeItem(atPath: link) }
            guard case let .stateDict(viaLink, _) = try CheckpointFile.load(path: link),
                  case let .stateDict(direct, _) = try CheckpointFile.load(path: target) else { XCTFail(name); continue }
            XCTAssertEqual(viaLink, direct, name)
            XCTAssertEqual(try CheckpointFile.describe(path: link).fileBytes, try FileIO.size(target), name)
        }
    }

    func testLoadsSharedNcnnAndSRGAN() throws {
        let param = try Fixtures.shared("weights/realesrgan-x4plus-ncnn/realesrgan-x4plus.param")
        guard case let .ncnn(net) = try CheckpointFile.load(path: param) else { return XCTFail("expected ncnn") }
        XCTAssertEqual(net.layers.count, 999)
        let bin = NCNN.defaultBinPath(forParam: param)
        Fixtures.assertRefused(bin, ".param") { _ = try CheckpointFile.load(path: bin) }

        let srgan = try Fixtures.shared("weights/srgan-leftthomas/netG_epoch_4_100.pth")
        guard case let .stateDict(sd, format) = try CheckpointFile.load(path: srgan) else { return XCTFail("expected state dict") }
        XCTAssertEqual(format, .pytorchLegacy)
        try Fixtures.assertMatches(sd, Fixtures.expected("srgan_shared.expected.json"))
        XCTAssertEqual(try CheckpointFile.sha256Hex(path: srgan), "f4c381640826a48d2440583e4920c6bb4041804f4e285c3c6d585f03961fe87c")
    }

    /// Whole-file reads: a regular file in one read, an empty one, and a file that reports no size.
    func testReadAllReadsEveryByte() throws {
        let path = try Fixtures.path("pth_zip_plain.pth")
        XCTAssertEqual(try FileIO.readAll(path), [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        let empty = NSTemporaryDirectory() + "empty-\(getpid())"
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        defer { try? FileManager.default.removeItem(atPath: empty) }
        XCTAssertEqual(try FileIO.readAll(empty), [])
        // procfs files report size 0 but have contents.
        let status = try FileIO.readAll("/proc/self/status")
        XCTAssertTrue(String(decoding: status, as: UTF8.self).contains("VmRSS"))
        XCTAssertThrowsError(try FileIO.readAll(empty + "-missing"))
    }

    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Streaming in uneven pieces gives the same digest.
        var s = SHA256()
        let msg = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        for chunk in [0 ..< 3, 3 ..< 50, 50 ..< msg.count] { s.update(msg[chunk]) }
        XCTAssertEqual(s.finalize().map { String(format: "%02x", $0) }.joined(),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// The SHA-NI and portable block functions against FIPS 180-4 digests, at lengths around the
    /// 64-byte block and 1 MiB chunk boundaries (digests from Python's hashlib).
    func testSHA256AcceleratedAndPortableAgree() {
        let expected: [(Int, String)] = [
            (0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (1, "ca358758f6d27e6cf45272937977a748fd88391db679ceda7dc7bf1f005ee879"),
            (55, "8aa994584139d128848eeebc4e815639ba5ab6e6e39574195a63ac4f14f7c43b"),
            (56, "ad574708f75c044c9b85de64cb568ee7711ff4f36448c6242f053ba8f6cc2b63"),
            (63, "280ed3e8ff1df845b2e7dfe6ac6cee817bef20e783cc65abc41b818b4d2fe076"),
            (64, "c6ab9724ade5b6a7a1edfffb12f3aa9181351355af8fd08c919952ad211339dd"),
            (65, "788367c73c7ddf4c53f65e68cc0d943e6227ab55b0e78ba63ace822b1c6301c0"),
            (127, "192409cd280e14b743642ad1343fbd3e82d9305de72c078117745a679210cc3d"),
            (128, "cc548ca2dec1f6fe4f58b2e27aa9c7521607df1130d140b55a4dad0665302356"),
            (1000, "5097e7d587352f5097062ae679f37bda5802d9f875aba14c8cb4d1a188ada179"),
            ((1 << 20) + 17, "4127c61cb879e78b603e0b3e807c6a4127b1ec5a56630c8fb6a279043649e99a"),
        ]
        for (length, digest) in expected {
            // bytes[i] = (31·i + 7) mod 256, as hashed by: hashlib.sha256(bytes(...)).hexdigest()
            let bytes = (0 ..< length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            for accelerated in [true, false] {
                var s = SHA256(accelerated: accelerated)
                for chunk in stride(from: 0, to: length, by: 4099) {
                    s.update(bytes[chunk ..< min(chunk + 4099, length)])
                }
                XCTAssertEqual(s.finalize().map { String(format: "%02x", $0) }.joined(), digest,
                               "length \(length), accelerated \(accelerated)")
            }
        }
    }

    func testSHA256MatchesSha256sum() throws {
        let tool = "/usr/bin/sha256sum"
        guard FileManager.default.isExecutableFile(atPath: tool) else { throw XCTSkip("sha256sum not installed") }
        // A sparse file — data, a 10 MB hole, data, a hole to the end — exercises the SEEK_DATA path.
        let sparse = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).bin").path
        defer { try? FileManager.default.removeItem(atPath: sparse) }
        let fd = open(sparse, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let chunk = (0 ..< 5000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        _ = chunk.withUnsafeBytes { pwrite(fd, $0.baseAddress, 5000, 0) }
        _ = chunk.withUnsafeBytes { pwrite(fd, $0.baseAddress, 3000, 10_005_000) }
        XCTAssertEqual(ftruncate(fd, 30_000_000), 0)
        close(fd)
        for path in try ["pth_zip_ema_f16.pth", "st_f32.safetensors", "realesrgan_ncnn_oracle.json"].map({
            try Fixtures.path($0)
        }) + [sparse] {
            let name = (path as NSString).lastPathComponent
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = [path]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            p.waitUntilExit()
            let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            XCTAssertEqual(try CheckpointFile.sha256Hex(path: path), String(out.prefix(64)), name)
        }
    }
}
