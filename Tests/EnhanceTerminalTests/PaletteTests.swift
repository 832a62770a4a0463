import XCTest
@testable import EnhanceTerminal

final class PaletteTests: XCTestCase {
    func testKnownIndices() {
        XCTAssertEqual(Palette256.nearest(RGB8(0, 0, 0)), 16)
        XCTAssertEqual(Palette256.nearest(RGB8(255, 255, 255)), 231)
        XCTAssertEqual(Palette256.nearest(RGB8(255, 0, 0)), 196)      // 16 + 36·5
        XCTAssertEqual(Palette256.nearest(RGB8(0, 255, 0)), 46)       // 16 + 6·5
        XCTAssertEqual(Palette256.nearest(RGB8(95, 135, 175)), 67)    // 16 + 36 + 12 + 3
        XCTAssertEqual(Palette256.nearest(RGB8(128, 128, 128)), 244)  // grey 8 + 10·12
        XCTAssertEqual(Palette256.nearest(RGB8(238, 238, 238)), 255)
        // 47 is nearer 0 than 95 (47 vs 48); 48 is nearer 95? no: |48−0| = 48 > |48−95| = 47.
        XCTAssertEqual(Palette256.nearestLevel(47), 0)
        XCTAssertEqual(Palette256.nearestLevel(48), 1)
        // (10, 10, 10): grey 232 (8) has error 3·4 = 12, cube black 3·100 = 300.
        XCTAssertEqual(Palette256.nearest(RGB8(10, 10, 10)), 232)
    }

    func testColorOfIndex() {
        XCTAssertEqual(Palette256.color(of: 16), RGB8(0, 0, 0))
        XCTAssertEqual(Palette256.color(of: 67), RGB8(95, 135, 175))
        XCTAssertEqual(Palette256.color(of: 231), RGB8(255, 255, 255))
        XCTAssertEqual(Palette256.color(of: 232), RGB8(8, 8, 8))
        XCTAssertEqual(Palette256.color(of: 255), RGB8(238, 238, 238))
    }

    func testNearestMatchesBruteForce() {
        var rng = XorShift(state: 42)
        for _ in 0..<2000 {
            let c = RGB8(UInt8.random(in: 0...255, using: &rng), UInt8.random(in: 0...255, using: &rng),
                         UInt8.random(in: 0...255, using: &rng))
            let best = (16...255).map { Palette256.dist2(c, Palette256.color(of: UInt8($0))) }.min()!
            XCTAssertEqual(Palette256.dist2(c, Palette256.color(of: Palette256.nearest(c))), best, "\(c)")
        }
    }

    func testColorModeDetection() {
        XCTAssertEqual(ColorMode.detect(environment: ["NO_COLOR": "", "COLORTERM": "truecolor"]), ColorMode.none)
        XCTAssertEqual(ColorMode.detect(environment: ["COLORTERM": "truecolor"]), .trueColor)
        XCTAssertEqual(ColorMode.detect(environment: ["COLORTERM": "24bit"]), .trueColor)
        XCTAssertEqual(ColorMode.detect(environment: ["TERM": "xterm-256color"]), .ansi256)
    }

    func testColorOptionOverridesTheEnvironment() {
        let truecolor = ["COLORTERM": "truecolor"]
        XCTAssertEqual(ColorMode.resolve(option: "none", environment: truecolor), ColorMode.none)
        XCTAssertEqual(ColorMode.resolve(option: "256", environment: truecolor), .ansi256)
        XCTAssertEqual(ColorMode.resolve(option: "TrueColor", environment: ["NO_COLOR": "1"]), .trueColor)
        XCTAssertEqual(ColorMode.resolve(option: "24bit", environment: [:]), .trueColor)
        XCTAssertEqual(ColorMode.resolve(option: nil, environment: truecolor), .trueColor)
        XCTAssertEqual(ColorMode.resolve(option: nil, environment: ["NO_COLOR": ""]), ColorMode.none)
    }

    /// One parse of colour names (the commands' validation and the UI's resolve both use it): the
    /// names the help text lists and `24bit`, nothing else (not the case name `ansi256`).
    func testColorOptionNames() {
        XCTAssertEqual(["truecolor", "TRUECOLOR", "24bit", "256", "None"].map { ColorMode(option: $0) },
                       [.trueColor, .trueColor, .trueColor, .ansi256, ColorMode.none])
        for bad in ["ansi256", "trueColour", "16", "", " 256"] {
            XCTAssertNil(ColorMode(option: bad), bad)
        }
        // An unknown name falls back to the environment (the commands reject it before).
        XCTAssertEqual(ColorMode.resolve(option: "ansi256", environment: ["COLORTERM": "truecolor"]), .trueColor)
    }

    func testQuantize() {
        XCTAssertEqual(RGB8.quantize(-0.1), 0)
        XCTAssertEqual(RGB8.quantize(1.2), 255)
        XCTAssertEqual(RGB8.quantize(0.5), 128)  // 127.5 rounds half away from zero
        XCTAssertEqual(RGB8.quantize(.nan), 0)
    }
}
