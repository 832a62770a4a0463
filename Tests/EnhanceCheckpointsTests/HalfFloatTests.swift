import XCTest
@testable import EnhanceCheckpoints

final class HalfFloatTests: XCTestCase {
    /// Known IEEE binary16 bit patterns (from the IEEE 754 definition).
    func testKnownHalfPatterns() {
        let table: [(UInt16, Float)] = [
            (0x0000, 0), (0x3C00, 1), (0xC000, -2), (0x7BFF, 65504), (0x0001, 0x1p-24),
            (0x03FF, 0x1.FF8p-15), (0x0400, 0x1p-14), (0x3555, 0.333251953125), (0x7C00, .infinity), (0xFC00, -.infinity),
        ]
        for (bits, value) in table {
            XCTAssertEqual(HalfFloat.float(fromHalfBits: bits), value, "0x\(String(bits, radix: 16))")
            XCTAssertEqual(HalfFloat.halfBits(from: value), bits, "\(value)")
        }
        XCTAssertTrue(HalfFloat.float(fromHalfBits: 0x7E00).isNaN)
        XCTAssertEqual(HalfFloat.halfBits(from: 65520), 0x7C00, "rounds to infinity")
        XCTAssertEqual(HalfFloat.halfBits(from: 1 + 0x1p-11), 0x3C00, "tie to even (down)")
        XCTAssertEqual(HalfFloat.halfBits(from: 1 + 3 * 0x1p-11), 0x3C02, "tie to even (up)")
        XCTAssertEqual(HalfFloat.halfBits(from: 0x1p-25), 0x0000, "tie to even at the smallest subnormal")
        XCTAssertEqual(HalfFloat.halfBits(from: 0x1.8p-25), 0x0001)
    }

    func testAllHalfValuesRoundTrip() {
        for bits in UInt16.min ... UInt16.max {
            let f = HalfFloat.float(fromHalfBits: bits)
            if f.isNaN { continue }
            XCTAssertEqual(HalfFloat.halfBits(from: f), bits)
        }
    }

    func testBFloat16() {
        XCTAssertEqual(HalfFloat.float(fromBFloat16Bits: 0x3F80), 1)
        XCTAssertEqual(HalfFloat.float(fromBFloat16Bits: 0xC040), -3)
        XCTAssertEqual(HalfFloat.bfloat16Bits(from: 1 + 0x1p-8), 0x3F80, "tie to even")
        XCTAssertEqual(HalfFloat.bfloat16Bits(from: 1 + 3 * 0x1p-8), 0x3F82)
    }

    /// The vectorised decoders against the scalar definitions, bit for bit: every binary16 and
    /// bfloat16 pattern (NaN payloads, subnormals, ±0, ±∞), at an unaligned offset with a tail.
    func testDecodeFloatsMatchesScalarForEveryPattern() {
        var bytes: [UInt8] = [0x5A]
        for h in 0...0xFFFF { bytes.appendLE(UInt16(h)) }
        for count in [65536, 13] {
            let half = decodeFloats(bytes, offset: 1, count: count, dtype: .float16)
            let bf = decodeFloats(bytes, offset: 1, count: count, dtype: .bfloat16)
            XCTAssertEqual(half.count, count)
            let h = (0..<count).map { UInt16($0) }
            XCTAssertEqual(half.map(\.bitPattern), h.map { HalfFloat.float(fromHalfBits: $0).bitPattern })
            XCTAssertEqual(bf.map(\.bitPattern), h.map { HalfFloat.float(fromBFloat16Bits: $0).bitPattern })
        }
        let words: [UInt32] = [0, 0x8000_0000, 0x3F80_0000, 0x7FC0_1234, 0x0000_0001, 0xFF80_0000, 0x1234_5678]
        var le: [UInt8] = [1, 2, 3]
        for w in words { le.appendLE(w) }
        XCTAssertEqual(decodeFloats(le, offset: 3, count: words.count, dtype: .float32).map(\.bitPattern), words)
        XCTAssertEqual(decodeFloats(le, offset: 3, count: 0, dtype: .float32), [])
    }
}
