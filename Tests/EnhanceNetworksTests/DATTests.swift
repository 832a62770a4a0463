import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// DAT against spandrel + PyTorch (scripts/oracles/spandrel_cases/dat.py): DAT-like (expansion 4,
/// split 2 × 4, two groups with both shift rules, a group of one block), DAT-S/DAT-2-like (expansion
/// 2, split 4 × 8), DAT-light-like (pixelshuffledirect, 3conv, no qkv bias), ×2/×3/×4, inputs that
/// need the reference's zero padding of `qkv`; read from safetensors (the int64 index buffers
/// included) and from the `.pth` PyTorch writes.
final class DATTests: XCTestCase {
    /// Fixture, scale, integer hyper-parameters and settings the shapes must give.
    private let cases: [SpandrelCase] = [
        ("dat_x4", 4, ["embed_dim": 32, "img_size": 16, "qkv_bias": 1, "num_feat": 8],
         ["depth": "3,1", "num_heads": "2,4", "split_size": "2,4", "expansion_factor": "4",
          "upsampler": "pixelshuffle", "resi_connection": "1conv"]),
        ("dat_s_x2", 2, ["embed_dim": 32, "num_feat": 8], ["depth": "3", "split_size": "4,8", "expansion_factor": "2"]),
        ("dat_light_x3", 3, ["embed_dim": 32, "qkv_bias": 0],
         ["depth": "3", "num_heads": "4", "upsampler": "pixelshuffledirect", "resi_connection": "3conv"]),
        // Split 4 × 2: a description from shapes says 2,4 (the order is in rpe_biases' values only);
        // the network reads the order when it is built.
        ("dat_desc_x2", 2, ["num_feat": 4], ["depth": "2", "split_size": "2,4"]),
    ]

    private let pool = ThreadPool(threads: 2)

    private func model(_ name: String) throws -> LoadedModel {
        try LoadedModel(stateDict: Fixture.safetensors(name + ".weights.safetensors"), name: name)
    }

    func testEveryVariantMatchesSpandrelFromSafetensorsAndPth() throws {
        try assertVariantsMatchSpandrel(cases, family: "DAT", pool: pool)
    }

    /// The parameter count is PyTorch's (the fixture script stores it): `rpe_biases`,
    /// `relative_position_index` and the masks are buffers, not parameters.
    func testParameterCountIsPyTorchs() throws {
        for name in cases.map(\.0) {
            let io = try Fixture.safetensors(name + ".io.safetensors")
            let want = try XCTUnwrap(io["parameters"]?.values.first, name)
            let path = try Fixture.url(name + ".weights.safetensors").path
            XCTAssertEqual(Float(try ModelInspection.describe(path: path).info.parameterCount), want, name)
            XCTAssertEqual(Float(try ModelLoader.load(path: path).info.parameterCount), want, name)
        }
    }

    /// `rpe_biases` (beyond the order of its last row), `relative_position_index` and the masks are
    /// derived, never read: other values give the same output.
    func testDerivedBuffersAreNotRead() throws {
        let name = "dat_x4", (x, _) = try Fixture.io(name)
        let sd = try Fixture.safetensors(name + ".weights.safetensors")
        let want = try model(name).network.forward(x, pool: pool, cancel: nil)
        var scrambled = sd
        for k in sd.keys where k.hasSuffix("relative_position_index") || k.contains("attn_mask") {
            let t = try XCTUnwrap(sd[k])
            scrambled[k] = WeightTensor(shape: t.shape, values: t.values.map { $0 * 0.5 + 3 }, dtype: t.dtype)
        }
        for k in sd.keys where k.hasSuffix("rpe_biases") {
            let t = try XCTUnwrap(sd[k])
            scrambled[k] = WeightTensor(shape: t.shape, values: t.values.indices.map { i in
                i >= t.values.count - 2 ? t.values[i] : 7 }, dtype: t.dtype)
        }
        let net = try NetworkRegistry.detect(scrambled, source: "scrambled").network
        XCTAssertEqual(try net.forward(x, pool: pool, cancel: nil), want)
    }

    /// The channel attention's weights and the interaction modules' means come from the whole image:
    /// tiles with a margin of the receptive radius replaying the image's first pass equal the untiled
    /// pass; taking their own differ.
    func testTilesReplayingTheFirstPassEqualTheUntiledPass() throws {
        let m = try model("dat_s_x2")
        XCTAssertEqual(m.network.tileMultiple, 8)
        let x = randomTensor(channels: 3, height: 100, width: 90, seed: 7)
        try assertWholeImageStatistics(m, x, tile: 16, minimum: 1e-4, "dat_s_x2")
    }

    /// Two random DATs of one configuration blended at α 0.3 (lazy and eager kernels) against
    /// PyTorch's forward of the blended state dict (make_blend_fixture.py dat): Linears, LayerNorms,
    /// the position-bias MLPs (their tables recomputed after blending), temperatures, convs and
    /// BatchNorms all blend; the written state dict keeps the derived buffers exactly.
    func testBlendedPairMatchesPyTorch() throws {
        let (p, alpha, a) = try assertBlendMatchesPyTorch(family: "dat", first: "dat_light_x3", pool: pool)
        let blended = try p.stateDict(alpha: alpha)
        for k in a.detected.stateDict.keys where k.hasSuffix("rpe_biases") || k.contains("attn_mask") {
            XCTAssertEqual(blended[k], a.detected.stateDict[k], k)
        }
    }

    /// DAT-2 ×4 (the bench entry) as `models inspect` describes it from shapes.
    func testDAT2Description() throws {
        let sd = try XCTUnwrap(try NetworkRegistry.benchmarkWeights("dat2", seed: 1))
        let d = try NetworkRegistry.describe(sd.shapes, source: "dat2")
        XCTAssertEqual([d.scale, d.hyperParameter("embed_dim"), d.hyperParameter("num_feat")], [4, 180, 64])
        XCTAssertEqual(d.settings.first { $0.name == "split_size" }?.value, "8,32")
        XCTAssertEqual(d.settings.first { $0.name == "expansion_factor" }?.value, "2")
        XCTAssertEqual(d.tileMultiple, 32)
        XCTAssertTrue(d.hasWholeImageStatistics)
        // 18 spatial blocks reach 31 px each, beyond the convolutions.
        XCTAssertGreaterThan(d.receptiveRadius, 18 * 31)
        XCTAssertEqual(d.parameterCount, 11_212_131)  // PyTorch's count of spandrel's DAT-2 ×4
    }

    /// Local check (not CI): DAT-2 ×4 written by `make_spandrel_fixtures.py --real-size dat2` to
    /// ENHANCE_REAL_SIZE_DIR with spandrel's initial weights (`dat2_real`) and with Linears at
    /// PyTorch's default init (`dat2_real_strong`), against spandrel on a 45×38 input, its parameter
    /// count against PyTorch's; and the seam error of 64 px tiles replaying the image's first pass
    /// (as the ``Upscaler`` runs them) against the untiled pass on a 128×128 picture-like input, per
    /// margin (`ENHANCE_DAT_MARGINS`, default 32,64: multiples of the tile multiple, 32). Slow in a
    /// debug build on two shared cores (it did not finish the first 45×38 pass in 8 minutes there);
    /// scripts/oracles/dat_real_size.sh measures the same with the release CLI.
    func testRealSizeDAT2MatchesSpandrel() throws {
        let env = ProcessInfo.processInfo.environment
        guard let dir = env["ENHANCE_REAL_SIZE_DIR"] else {
            throw XCTSkip("set ENHANCE_REAL_SIZE_DIR to the --real-size fixtures (e.g. /tmp/enhance-real-size)")
        }
        let margins = (env["ENHANCE_DAT_MARGINS"] ?? "32,64").split(separator: ",").compactMap { Int($0) }
        for name in ["dat2_real", "dat2_real_strong"] {
            let m = try ModelLoader.load(path: "\(dir)/\(name).pth")
            let d = m.detected.modelDescription
            XCTAssertEqual([d.scale, d.hyperParameter("embed_dim")], [4, 180])
            let io = try Safetensors.read(path: "\(dir)/\(name).io.safetensors").stateDict
            let (big, whole) = try assertRealSizeMatchesSpandrel(m, io: io, name: name, pool: pool)
            let replay = ForwardOptions(statistics: .replay(try m.network.recordStatistics(big, pool: pool,
                                                                                           cancel: nil)))
            for margin in margins {
                let tiled = try Tiler.run(m.network, big, tileSize: 64, margin: margin, pool: pool, options: replay)
                let diff = zip(tiled.data, whole.data).map { abs($0 - $1) }
                let apart = diff.filter { $0 * 255 > 0.5 }.count
                print(String(format: "%@: 64 px tiles, margin %d, vs untiled: max %.3g (%.3g of the output "
                             + "range), %d/255 in 8 bits, %.3f %% of values more than 0.5/255 apart", name, margin,
                             diff.max()!, PLKSRTests.errorOverRange(tiled, whole),
                             PLKSRTests.maxLevelDifference(tiled, whole), 100 * Double(apart) / Double(diff.count)))
            }
        }
    }
}
