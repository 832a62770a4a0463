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

    /// A compact-kernel blend keeps every conv on CHW paths (F(4×4) on planes, rounding otherwise
    /// than the packed F(6×6)): at α = 0 and 1 (both ends the same model) it is spandrel's output
    /// too, as the packed path is.
    func testCHWPathOfACompactKernelBlendMatchesSpandrel() throws {
        let (x, expected) = try Fixture.io("realcugan_x2")
        let m = try LoadedModel(stateDict: Fixture.safetensors("realcugan_x2.weights.safetensors"), name: "x2")
        XCTAssertTrue(m.network.layers.contains { $0.layout == .packed16 })
        let pool = ThreadPool(threads: 2), packed = try m.network.forward(x, pool: pool, cancel: nil)
        let blender = try ModelBlender(psnr: m, gan: m, compactKernels: true)
        for alpha: Float in [0, 1] {
            let y = try blender.network(alpha: alpha).forward(x, pool: pool, cancel: nil)
            XCTAssertNotEqual(y, packed, "α=\(alpha): the same path as the packed build")
            XCTAssertLessThan(PLKSRTests.errorOverRange(y, expected), 1e-4, "α=\(alpha)")
        }
    }

    /// The receptive radius covers the reference's own reflect padding (how far the unpadded convs
    /// reach: 18 px for 2×, 14 for 3×, 19 for 4×); tiles start on multiples of the stride-2
    /// levels' multiple, and windows of any side are taken (the network pads them to it as the
    /// reference does: ``testOddSidesMatchSpandrel``).
    func testTilingConstraints() throws {
        for (name, padding, multiple) in [("realcugan_x2", 18, 2), ("realcugan_x3", 14, 4), ("realcugan_x4", 19, 2)] {
            let net = try model(name)
            XCTAssertGreaterThanOrEqual(net.receptiveRadius, padding, name)
            XCTAssertLessThanOrEqual(net.receptiveRadius, 48, name)
            XCTAssertEqual(net.inputMultiple, multiple, name)
            XCTAssertEqual(net.windowMultiple, 1, name)
        }
    }

    /// The squeeze-excitation means come from a first pass over the whole image and every tile
    /// replays them: tiles equal the untiled pass (where tiles with their own means, as chaiNNer
    /// runs spandrel's model, differ), and the upscaler's output does not depend on its tiles.
    func testSqueezeExcitationStatisticsComeFromTheWholeImage() throws {
        for name in ["realcugan_x2", "realcugan_x3"] {
            let x = randomTensor(channels: 3, height: 72, width: 48, seed: 9)
            let m = try LoadedModel(stateDict: Fixture.safetensors(name + ".weights.safetensors"), name: name)
            try assertWholeImageStatistics(m, x, tile: 24, minimum: 1e-4, name)
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

    /// Sides that are not multiples of the stride-2 levels' multiple: the reference reflect-pads
    /// them to it in the same step as its own padding (18 + 1 px on the right of a 2× input of odd
    /// width). The network does the same, and the upscaler passes windows that end at the image's
    /// right or bottom edge as they are, so the whole image, untiled or in tiles of 8 px (the last
    /// ones odd), is spandrel's output.
    func testOddSidesMatchSpandrel() throws {
        let pool = ThreadPool(threads: 2)
        for (name, weights) in [("realcugan_x2_odd", "realcugan_x2"), ("realcugan_x3_odd", "realcugan_x3"),
                                ("realcugan_x4_odd", "realcugan_x4")] {
            let (x, expected) = try Fixture.io(name)
            let m = try LoadedModel(stateDict: Fixture.safetensors(weights + ".weights.safetensors"), name: weights)
            XCTAssertNotEqual(x.height % m.network.inputMultiple, 0, name)
            let y = try m.network.forward(x, pool: pool, cancel: nil)
            XCTAssertLessThan(PLKSRTests.errorOverRange(y, expected), 1e-4, name)
            let image = Image(width: x.width, height: x.height, channelCount: 3, pixels: x.data, bitDepth: 16)
            let want = expected.data.map { min(1, max(0, $0)) }
            for tile in [nil, 8] {
                let u = try Upscaler(.model(m), options: UpscaleOptions(tileSize: tile, threads: 2))
                let out = try u.upscale(image)
                XCTAssertEqual([out.width, out.height], [m.scale * x.width, m.scale * x.height], name)
                let worst = zip(out.pixels, want).map { abs($0 - $1) }.max() ?? 1
                print("\(name) through the upscaler, tiles \(tile.map(String.init) ?? "none"): max |Δ| \(worst) "
                      + "(clamped) vs spandrel")
                XCTAssertLessThan(worst, 1e-4, "\(name), tiles \(String(describing: tile))")
            }
        }
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
