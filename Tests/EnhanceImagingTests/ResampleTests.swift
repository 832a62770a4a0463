import XCTest
@testable import EnhanceImaging

/// Bicubic resampling against Pillow and basicsr's MATLAB-imresize port
/// (fixtures: scripts/imaging/make_bicubic_fixtures.py).
final class ResampleTests: XCTestCase {
    struct Manifest: Decodable {
        struct PillowCase: Decodable { let input: String; let expected: String; let width: Int; let height: Int }
        struct MatlabCase: Decodable { let input: String; let scale: Double; let width: Int; let height: Int; let chw: [Float] }
        let pillowCases: [PillowCase]
        let matlabCases: [MatlabCase]
    }

    func manifest() throws -> Manifest { try Fixtures.json("bicubic/manifest.json", as: Manifest.self) }

    func testPillowBicubicWithinOneLSB() throws {
        let cases = try manifest().pillowCases
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        var overall: Float = 0
        for c in cases {
            let input = try ImageFile.read(path: Fixtures.path("bicubic/\(c.input)"))
            let expected = try ImageFile.read(path: Fixtures.path("bicubic/\(c.expected)"))
            let ours = Resample.bicubic(input, width: c.width, height: c.height).quantized(bits: 8)
            XCTAssertEqual(ours.width, expected.width)
            XCTAssertEqual(ours.height, expected.height)
            let dev = Fixtures.maxDeviation(ours, expected)
            overall = max(overall, dev)
            XCTAssertLessThanOrEqual(dev, 1.001, "\(c.expected): max deviation \(dev) LSB")
        }
        print("Pillow bicubic: max deviation over \(cases.count) cases = \(overall) LSB")
    }

    func testMatlabBicubicMatchesBasicsrImresize() throws {
        let cases = try manifest().matlabCases
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        XCTAssertTrue(cases.contains { $0.scale < 1 } && cases.contains { $0.scale > 1 })
        var overall: Float = 0
        for c in cases {
            let input = try ImageFile.read(path: Fixtures.path("bicubic/\(c.input)"))
            let ours = Resample.matlabBicubic(input, scale: c.scale)
            XCTAssertEqual(ours.width, c.width, "scale \(c.scale)")
            XCTAssertEqual(ours.height, c.height, "scale \(c.scale)")
            guard ours.pixels.count == c.chw.count else { continue }
            let expected = Image(width: c.width, height: c.height, channelCount: 3, pixels: c.chw)
            let dev = Fixtures.maxDeviation(ours, expected)
            overall = max(overall, dev)
            XCTAssertLessThan(dev, 0.01, "\(c.input) scale \(c.scale): max deviation \(dev) LSB")
        }
        print("MATLAB-style bicubic vs basicsr: max deviation over \(cases.count) cases = \(overall) LSB (float)")
    }

    func testResamplesAlphaLikeColour() {
        // A ramp copied into every plane must come out identical in every plane, alpha included.
        let w = 9, h = 7
        let ramp = (0..<(w * h)).map { Float($0 % w) / Float(w - 1) * 0.8 + Float($0 / w) * 0.02 }
        let image = Image(width: w, height: h, channelCount: 4, pixels: ramp + ramp + ramp + ramp)
        for out in [Resample.bicubic(image, width: 20, height: 5), Resample.matlabBicubic(image, scale: 0.5)] {
            XCTAssertEqual(out.channelCount, 4)
            let p = out.planeSize
            XCTAssertEqual(Array(out.pixels[(3 * p)...]), Array(out.pixels[0..<p]))
        }
    }

    func testConstantImageStaysConstant() {
        let image = Image(width: 10, height: 6, channelCount: 3, pixels: [Float](repeating: 0.3, count: 180))
        for out in [Resample.bicubic(image, width: 3, height: 17), Resample.matlabBicubic(image, scale: 2.5),
                    Resample.matlabBicubic(image, scale: 0.3)] {
            for v in out.pixels { XCTAssertEqual(v, 0.3, accuracy: 1e-5) }
        }
    }
}
