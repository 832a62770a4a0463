import Foundation
import XCTest
@testable import EnhanceCheckpoints

/// Corrupted inputs must produce thrown errors, never traps: every truncation and a few thousand
/// seeded random byte flips of each fixture are decoded (a crash fails the whole test run).
final class RobustnessTests: XCTestCase {
    /// Deterministic xorshift generator so failures reproduce.
    struct XorShift {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
    }

    private func exercise(_ name: String, decode: ([UInt8]) throws -> Void) throws {
        let good = try FileIO.readAll(Fixtures.path(name))
        XCTAssertNoThrow(try decode(good), name)
        var rejected = 0
        for length in 0 ..< good.count {
            do { try decode(Array(good.prefix(length))) } catch { rejected += 1 }
        }
        XCTAssertEqual(rejected, good.count, "\(name): every strict prefix must be refused")
        var rng = XorShift(state: 0x9E37_79B9_7F4A_7C15 ^ UInt64(good.count))
        for _ in 0 ..< 1500 {
            var bytes = good
            for _ in 0 ..< 1 + Int(rng.next() % 4) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            _ = try? decode(bytes)
        }
    }

    /// Hostile, extremely deep nesting must be refused without overflowing the stack (also when
    /// the nested values are released).
    func testDeeplyNestedPicklesDoNotOverflowTheStack() {
        let depth = 400_000
        let tuples: [UInt8] = [0x80, 2, UInt8(ascii: "N")] + [UInt8](repeating: 0x85, count: depth) + [UInt8(ascii: ".")]
        let lists: [UInt8] = [0x80, 2] + [UInt8](repeating: UInt8(ascii: "("), count: depth) + [UInt8(ascii: "]")]
            + [UInt8](repeating: UInt8(ascii: "l"), count: depth) + [UInt8(ascii: ".")]
        // {None: {None: … {}}} built with MARK … DICT.
        let dicts: [UInt8] = [0x80, 2] + Array([[UInt8]](repeating: Array("(N".utf8), count: depth).joined())
            + [UInt8(ascii: "}")] + [UInt8](repeating: UInt8(ascii: "d"), count: depth) + [UInt8(ascii: ".")]
        for (name, bytes) in [("tuples", tuples), ("lists", lists), ("dicts", dicts)] {
            Fixtures.assertRefused("\(name).pth", "not a PyTorch legacy checkpoint") {
                _ = try PyTorchCheckpoint.decode(bytes, file: "\(name).pth")
            }
        }
    }

    func testSafetensorsCorruption() throws {
        for name in ["st_f32.safetensors", "st_bf16.safetensors"] {
            try exercise(name) { _ = try Safetensors.decode($0, file: name) }
        }
    }

    func testTorchCorruption() throws {
        for name in ["pth_zip_views.pth", "pth_legacy_views.pth", "pth_legacy_ema_f16.pth", "pth_zip64_plain.pth"] {
            try exercise(name) { _ = try PyTorchCheckpoint.decode($0, file: name) }
        }
    }

    func testNCNNCorruption() throws {
        let param = """
        7767517
        5 6
        Input in 0 1 data
        Convolution conv 1 1 data c 0=2 1=1 5=1 6=4
        PReLU act 1 1 c p 0=2
        Split sp 1 2 p a b
        BinaryOp add 2 1 a b out 0=0 -23301=2,1.5,2
        """
        var blob: [UInt8] = []
        blob.appendLE(UInt32(0x0130_6B47))
        for h: UInt16 in [0x3C00, 0xC000, 0x3555, 0x0001] { blob.appendLE(h) }
        for f: Float in [0.5, -0.5, 0.25, 0.125] { blob.appendLE(f.bitPattern) }
        let net = try NCNN.decode(paramText: param, paramFile: "t.param", binBytes: blob, binFile: "t.bin")
        XCTAssertEqual(net.layer(named: "conv")?.weights.first?.values, [1, -2, 0.333251953125, 0x1p-24])
        XCTAssertEqual(net.layer(named: "conv")?.weights.first?.shape, [2, 2, 1, 1])
        var rng = XorShift(state: 42)
        let text = Array(param.utf8)
        for _ in 0 ..< 3000 {
            var p = text, b = blob
            p[Int(rng.next() % UInt64(p.count))] = UInt8(truncatingIfNeeded: rng.next() % 128)
            b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next())
            _ = try? NCNN.decode(paramText: String(decoding: p, as: UTF8.self), paramFile: "t.param", binBytes: b, binFile: "t.bin")
            _ = try? NCNN.decode(paramText: param, paramFile: "t.param", binBytes: Array(b.prefix(Int(rng.next() % UInt64(b.count)))), binFile: "t.bin")
        }
    }
}
