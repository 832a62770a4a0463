import EnhanceCheckpoints
import EnhanceImaging
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// Real-CUGAN against spandrel + PyTorch (scripts/oracles/spandrel_cases/realcugan.py): UpCunet 2×,
/// 3×, 4× and a `pro` model. The weights are real-size (the architecture fixes the widths; about
/// 5 MB each), so only the `.safetensors` are committed, not the `.pth` copies.
final class RealCUGANTests: XCTestCase {
    /// Fixture, scale, pro, input multiple.
    private let cases: [(String, Int, Int, Int)] = [
        ("realcugan_x2", 2, 0, 2), ("realcugan_x2_pro", 2, 1, 2), ("realcugan_x3", 3, 0, 4), ("realcugan_x4", 4, 0, 2),
    ]

    func testEveryVariantMatchesSpandrel() throws {
        for (name, scale, pro, multiple) in cases {
            let (x, expected) = try Fixture.io(name)
            let m = try ModelLoader.load(path: try Fixture.url("\(name).weights.safetensors").path)
            let d = m.detected.modelDescription
            XCTAssertEqual(d.family, "RealCUGAN", name)
            XCTAssertEqual(d.scale, scale, name)
            XCTAssertEqual(d.keyLayout, "RealCUGAN", name)
            XCTAssertEqual(d.hyperParameter("pro"), pro, name)
            XCTAssertEqual(d.inputMultiple, multiple, name)
            let y = try m.network.forward(x, pool: ThreadPool(threads: 2), cancel: nil)
            XCTAssertEqual([y.channels, y.height, y.width], [3, x.height * scale, x.width * scale], name)
            let err = PLKSRTests.errorOverRange(y, expected), levels = PLKSRTests.maxLevelDifference(y, expected)
            print("\(name): max error \(err) of the output range vs spandrel, \(levels)/255 in 8 bits")
            XCTAssertLessThan(err, 1e-4, name)
            XCTAssertLessThanOrEqual(levels, 1, name)
        }
    }

    /// The receptive radius covers the reference's own reflect padding (how far the unpadded convs
    /// reach: 18 px for 2×, 14 for 3×, 19 for 4×), and sides that are not multiples of the input
    /// multiple are refused.
    func testTilingConstraints() throws {
        for (name, padding) in [("realcugan_x2", 18), ("realcugan_x3", 14), ("realcugan_x4", 19)] {
            let net = try model(name)
            XCTAssertGreaterThanOrEqual(net.receptiveRadius, padding, name)
            XCTAssertLessThanOrEqual(net.receptiveRadius, 48, name)
            let odd = randomTensor(channels: 3, height: 2 * net.inputMultiple + 1, width: 20, seed: 1)
            XCTAssertThrowsError(try net.forward(odd, pool: ThreadPool(threads: 1), cancel: nil), name)
        }
    }

    /// The squeeze-excitation means are each tile's own (as chaiNNer runs spandrel's model): a tile
    /// of the tiled output equals its context window run alone, cut to the core; tiles differ from
    /// the untiled pass however wide the margin; one tile covering the image is the untiled pass.
    func testSqueezeExcitationStatisticsArePerTile() throws {
        for name in ["realcugan_x2", "realcugan_x3"] {
            let x = randomTensor(channels: 3, height: 72, width: 48, seed: 9)
            try assertStatisticsArePerTile(try model(name), x, tile: 24, whole: 96, minimum: 1e-4, name)
        }
    }

    /// With every squeeze-excitation gate saturated at 1 (`seblock.conv2` weights 0, biases 1e4) the
    /// network has no whole-map statistic left, and tiles with a margin of the receptive radius give
    /// the untiled result up to float rounding: the stride-2 grids of the tiles line up with the
    /// image's (input multiple) and the margin covers the unpadded convs' reach.
    func testWithoutSEScalingTilesAreExact() throws {
        let pool = ThreadPool(threads: 2)
        for name in ["realcugan_x2", "realcugan_x3", "realcugan_x4"] {
            var dict = try Fixture.safetensors(name + ".weights.safetensors")
            for key in dict.keys where key.hasSuffix("seblock.conv2.weight") || key.hasSuffix("seblock.conv2.bias") {
                let t = dict[key]!
                dict[key] = WeightTensor(shape: t.shape, values: [Float](repeating: key.hasSuffix("bias") ? 1e4 : 0,
                                                                          count: t.values.count))
            }
            let net = try NetworkRegistry.detect(dict, source: name).network
            let x = randomTensor(channels: 3, height: 64, width: 48, seed: 4)
            let whole = try net.forward(x, pool: pool, cancel: nil)
            let r = net.receptiveRadius
            let tiled = try Tiler.run(net, x, tileSize: 16, margin: r, pool: pool)
            let short = try Tiler.run(net, x, tileSize: 16, margin: r / 2, pool: pool)
            let (exact, cut) = (maxRelativeError(tiled, whole), maxRelativeError(short, whole))
            print("\(name) without SE scaling: tiles with margin \(r) vs untiled \(exact), margin \(r / 2) \(cut)")
            // Float rounding (the convs' Winograd tiling follows the map size); the reach is O(1).
            XCTAssertLessThan(exact, 1e-3, name)
            XCTAssertGreaterThan(cut, 1e-2, name)
        }
    }

    /// Odd sides: the upscaler reflect-pads the image to the input multiple, then the network pads
    /// its 18 px by reflection again, where the reference reflects the odd-sided image once; the
    /// two paddings differ past the added row and column, and so do outputs within the receptive
    /// radius of the right and bottom edges (here, a 21×23 image, nearly all of it).
    func testOddSidesThroughTheUpscaler() throws {
        let (x, expected) = try Fixture.io("realcugan_x2_odd")
        let m = try ModelLoader.load(path: try Fixture.url("realcugan_x2.weights.safetensors").path)
        let image = Image(width: x.width, height: x.height, channelCount: 3, pixels: x.data, bitDepth: 16)
        let out = try Upscaler(.model(m), options: UpscaleOptions()).upscale(image)
        XCTAssertEqual([out.width, out.height], [2 * x.width, 2 * x.height])
        let want = expected.data.map { min(1, max(0, $0)) }
        var worst: Float = 0, worstAt = 0
        for (i, (a, b)) in zip(out.pixels, want).enumerated() where abs(a - b) > worst {
            (worst, worstAt) = (abs(a - b), i)
        }
        let plane = out.width * out.height
        // Further from the right and bottom edges (more than 12 input pixels) the difference is smaller.
        var inner: Float = 0
        for c in 0..<3 { for y in 0..<(2 * (x.height - 12)) { for xx in 0..<(2 * (x.width - 12)) {
            let i = c * plane + y * out.width + xx
            inner = max(inner, abs(out.pixels[i] - want[i]))
        } } }
        print("realcugan_x2_odd through the upscaler: max |Δ| \(worst) (clamped output) at row "
              + "\(worstAt % plane / out.width), column \(worstAt % out.width) of \(out.height)×\(out.width); "
              + "\(inner) more than 12 input pixels from the right and bottom edges")
        XCTAssertGreaterThan(worst, 1e-2, "the known difference at odd edges is gone: update the docs")
        XCTAssertLessThan(inner, worst)
    }

    /// UpCunet2x_fast (input pixel-unshuffled: `unet1` reads 12 channels, `conv_final` writes 12)
    /// is named and refused.
    func testFastVariantIsRefused() throws {
        var dict = try Fixture.safetensors("realcugan_x4.weights.safetensors")
        dict["unet1.conv1.conv.0.weight"] = WeightTensor(shape: [32, 12, 3, 3],
                                                         values: [Float](repeating: 0.01, count: 32 * 12 * 9))
        XCTAssertThrowsError(try NetworkRegistry.detect(dict, source: "fast.pth")) { e in
            XCTAssertTrue("\(e)".contains("UpCunet2x_fast"), "\(e)")
        }
    }

    private func model(_ name: String) throws -> any SuperResolutionNetwork {
        try NetworkRegistry.detect(Fixture.safetensors(name + ".weights.safetensors"), source: name).network
    }

    /// Local check (not CI): the `realcugan_x2_real` case that `make_spandrel_fixtures.py --real-size`
    /// writes to ENHANCE_REAL_SIZE_DIR (a 128×96 input), from its `.pth`, against spandrel; and the
    /// difference per-tile SE statistics make on a picture-like input.
    func testRealSizeMatchesSpandrel() throws {
        guard let dir = ProcessInfo.processInfo.environment["ENHANCE_REAL_SIZE_DIR"] else {
            throw XCTSkip("set ENHANCE_REAL_SIZE_DIR to the --real-size fixtures (e.g. /tmp/enhance-real-size)")
        }
        let m = try ModelLoader.load(path: dir + "/realcugan_x2_real.pth")
        XCTAssertEqual(m.detected.modelDescription.family, "RealCUGAN")
        let io = try Safetensors.read(path: dir + "/realcugan_x2_real.io.safetensors").stateDict
        func chw(_ k: String) -> Tensor {
            let t = io[k]!
            return Tensor(channels: t.shape[1], height: t.shape[2], width: t.shape[3], data: t.values)
        }
        let x = chw("input"), pool = ThreadPool(threads: 2)
        let y = try m.network.forward(x, pool: pool, cancel: nil)
        let err = PLKSRTests.errorOverRange(y, chw("output"))
        print(String(format: "realcugan_x2_real: max error %.3g of the output range vs spandrel, %d/255", err,
                     PLKSRTests.maxLevelDifference(y, chw("output"))))
        XCTAssertLessThan(err, 1e-4)
        let big = PLKSRTests.synthetic(height: 160, width: 192)
        let whole = try m.network.forward(big, pool: pool, cancel: nil)
        for tile in [64, 96] {
            let margin = min(m.network.receptiveRadius, 48)
            let tiled = try Tiler.run(m.network, big, tileSize: tile, margin: margin, pool: pool)
            let far = zip(tiled.data, whole.data).filter { abs($0 - $1) > 0.5 / 255 }.count
            print(String(format: "realcugan_x2_real: %d px tiles, margin %d, vs untiled: max %.3g of the output "
                         + "range [%.2f, %.2f], %d/255 in 8 bits, %.1f %% of values > 0.5/255 apart", tile, margin,
                         PLKSRTests.errorOverRange(tiled, whole), whole.data.min()!, whole.data.max()!,
                         PLKSRTests.maxLevelDifference(tiled, whole), 100 * Double(far) / Double(whole.data.count)))
        }
    }
}
