import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// HAT against spandrel + PyTorch (scripts/oracles/spandrel_cases/hat.py): HAT-S-like (a large
/// compress ratio) and HAT-like structures, HAT-L-like (more groups), ×1/×2/×3/×4/×8, windows 4 and
/// 6 on sides that need the reference's reflect padding, overlap ratios 0.5 and 0.4, identity
/// residual connections, no `patch_norm`, no `qkv` bias; read from safetensors (the int64 index
/// buffers included) and from the `.pth` PyTorch writes.
final class HATTests: XCTestCase {
    /// Fixture, scale, integer hyper-parameters and settings the shapes must give.
    private let cases: [SpandrelCase] = [
        ("hat_s_x4", 4, ["embed_dim": 12, "window_size": 4, "overlap_window": 6, "num_feat": 4, "patch_norm": 1,
                         "qkv_bias": 1],
         ["depths": "2,2", "num_heads": "2,3", "mlp_ratio": "2", "compress_ratio": "6", "squeeze_factor": "6",
          "overlap_ratio": "0.5", "conv_scale": "0.01", "upsampler": "pixelshuffle", "resi_connection": "1conv"]),
        ("hat_x2", 2, ["embed_dim": 12], ["depths": "3", "compress_ratio": "3", "squeeze_factor": "4"]),
        ("hat_l_x3_w6", 3, ["embed_dim": 8, "window_size": 6, "overlap_window": 8, "num_feat": 3],
         ["depths": "2,1,1", "num_heads": "1,2,2", "overlap_ratio": "0.4"]),
        ("hat_x1_identity", 1, ["patch_norm": 0, "qkv_bias": 0],
         ["mlp_ratio": "1.5", "resi_connection": "identity"]),
        ("hat_x8", 8, ["num_feat": 2], ["depths": "1"]),
    ]

    private let pool = ThreadPool(threads: 2)

    private func model(_ name: String) throws -> LoadedModel {
        try LoadedModel(stateDict: Fixture.safetensors(name + ".weights.safetensors"), name: name)
    }

    func testEveryVariantMatchesSpandrelFromSafetensorsAndPth() throws {
        try assertVariantsMatchSpandrel(cases, family: "HAT", pool: pool)
    }

    /// The parameter count is PyTorch's `sum(p.numel() for p in model.parameters())` (the fixture
    /// script stores it): the index buffers (and SwinIR's attention masks) are not parameters.
    func testParameterCountIsPyTorchs() throws {
        for name in cases.map(\.0) + ["swinir_x2_direct"] {
            let io = try Fixture.safetensors(name + ".io.safetensors")
            let want = try XCTUnwrap(io["parameters"]?.values.first, name)
            let path = try Fixture.url(name + ".weights.safetensors").path
            XCTAssertEqual(Float(try ModelInspection.describe(path: path).info.parameterCount), want, name)
            XCTAssertEqual(Float(try ModelLoader.load(path: path).info.parameterCount), want, name)
            let file = try Safetensors.describe(path: path).parameterCount
            XCTAssertGreaterThan(Float(file), want, "\(name): the file holds buffers besides the parameters")
        }
    }

    /// `relative_position_index_SA` and `_OCA` are derived, never read: other values give the same output.
    func testIndexBuffersAreNotRead() throws {
        let name = "hat_x2", (x, _) = try Fixture.io(name)
        let sd = try Fixture.safetensors(name + ".weights.safetensors")
        let want = try model(name).network.forward(x, pool: pool, cancel: nil)
        var scrambled = sd
        for k in ["relative_position_index_SA", "relative_position_index_OCA"] {
            let t = try XCTUnwrap(sd[k])
            scrambled[k] = WeightTensor(shape: t.shape, values: t.values.map { $0 * 0.5 + 3 }, dtype: t.dtype)
        }
        let net = try NetworkRegistry.detect(scrambled, source: "scrambled").network
        XCTAssertEqual(try net.forward(x, pool: pool, cancel: nil), want)
    }

    /// An absolute position embedding (fixed to the training size) and an overlap window that the
    /// reference's unfold cannot tile are refused by name; without its index buffer a checkpoint is
    /// not HAT (spandrel's rule) and no longer named as unsupported.
    func testRefusals() throws {
        let sd = try Fixture.safetensors("hat_x2.weights.safetensors")
        var ape = sd
        ape["absolute_pos_embed"] = WeightTensor(shape: [1, 4096, 12], values: [Float](repeating: 0, count: 49152))
        XCTAssertThrowsError(try NetworkRegistry.detect(ape, source: "a.pth")) { e in
            XCTAssertEqual("\(e)", "a.pth: HAT with an absolute position embedding (ape, fixed to the training "
                           + "img_size) is not supported")
        }
        var odd = sd
        let table = "layers.0.residual_group.overlap_attn.relative_position_bias_table"
        odd[table] = WeightTensor(shape: [64, 2], values: [Float](repeating: 0, count: 128))  // overlap window 5
        XCTAssertThrowsError(try NetworkRegistry.detect(odd, source: "o.pth")) { e in
            XCTAssertTrue("\(e)".hasPrefix("o.pth: tensor '\(table)' has 64 rows"), "\(e)")
        }
        // qkv_bias is one flag: a bias on some qkv Linear of a model whose first has none is refused.
        var stray = try Fixture.safetensors("hat_x1_identity.weights.safetensors")
        let zeros = [Float](repeating: 0, count: 24)
        stray["layers.0.residual_group.overlap_attn.qkv.bias"] = WeightTensor(shape: [24], values: zeros)
        XCTAssertThrowsError(try NetworkRegistry.detect(stray, source: "q.pth")) { e in
            XCTAssertTrue("\(e)".hasPrefix("q.pth: tensor 'layers.0.residual_group.overlap_attn.qkv.bias' is not "
                                           + "used"), "\(e)")
        }
        var stripped = sd
        stripped["relative_position_index_SA"] = nil
        XCTAssertThrowsError(try NetworkRegistry.detect(stripped, source: "i.pth")) { e in
            XCTAssertTrue("\(e)".contains("unrecognised network layout"), "\(e)")
        }
    }

    /// The tail runs in strips of rows: any strip height gives the whole-tail result.
    func testTailStripsEqualTheWholeTail() throws {
        for name in ["hat_s_x4", "hat_l_x3_w6", "hat_x8"] {
            let net = try model(name).network
            let (x, expected) = try Fixture.io(name)
            let whole = try net.forward(x, pool: pool, cancel: nil, options: .init(tailStripRows: 1 << 20))
            for rows in [1, 4, 5] {
                let y = try net.forward(x, pool: pool, cancel: nil, options: .init(tailStripRows: rows))
                XCTAssertLessThan(maxRelativeError(y, whole), 2e-6, "\(name) strips of \(rows)")
                XCTAssertLessThan(PLKSRTests.errorOverRange(y, expected), 1e-4, "\(name) strips of \(rows)")
            }
        }
    }

    /// The channel attention's means come from the whole image: tiles with a margin of the receptive
    /// radius replaying the image's first pass equal the untiled pass; taking their own differ.
    func testTilesReplayingTheFirstPassEqualTheUntiledPass() throws {
        let m = try model("hat_x2")
        XCTAssertEqual(m.network.tileMultiple, 4)
        // 3 blocks × 3 px, the overlapping block's 3 + 1 px, the convs' (3 × 2 CAB convs, conv_first, the
        // group's conv, conv_after_body, the tail's 1 + 1 + ½: 11.5, rounded up) + 1.
        XCTAssertEqual(m.network.receptiveRadius, 9 + 4 + 13)
        let x = randomTensor(channels: 3, height: 70, width: 61, seed: 7)
        // The channel attention is weighted by conv_scale 0.01, so per-tile statistics move the output
        // little (5e-6) on these weights, still 7 times the replayed tiles' rounding.
        try assertWholeImageStatistics(m, x, tile: 16, minimum: 3e-6, "hat_x2")
        let whole = try m.network.forward(x, pool: pool, cancel: nil)
        let record = try m.network.recordStatistics(x, pool: pool, cancel: nil)
        let narrow = try Tiler.run(m.network, x, tileSize: 16, margin: 4, pool: pool,
                                   options: ForwardOptions(statistics: .replay(record)))
        XCTAssertGreaterThan(maxRelativeError(narrow, whole), 1e-3, "one window of margin is not enough")
    }

    /// HAT-S ×4 (the bench entry), counted by hand per input pixel: per token and block the Linears
    /// (qkv 144·432, proj 144², fc1 and fc2 144·288), the CAB convs (144·6·9 twice) and the attention
    /// (2 · 256 · 144); per token and group the overlapping block's Linears (the same) and attention
    /// (2 · 576 · 144); the convs (conv_first, six group convs and conv_after_body, conv_before_upsample
    /// at 1×, upsample.0 at 1×, upsample.2 at 2×, conv_last at 4×).
    func testHATSDescription() throws {
        let sd = try XCTUnwrap(try NetworkRegistry.benchmarkWeights("hat", seed: 1))
        let d = try NetworkRegistry.describe(sd.shapes, source: "hat")
        XCTAssertEqual(d.family, "HAT")
        XCTAssertEqual(d.scale, 4)
        let linears = 144 * 432 + 144 * 144 + 2 * 144 * 288
        let block = linears + 2 * 144 * 6 * 9 + 2 * 256 * 144, overlap = linears + 2 * 576 * 144
        let convs = 3 * 144 * 9 + 7 * 144 * 144 * 9 + 144 * 64 * 9 + 64 * 256 * 9 * (1 + 4) + 64 * 3 * 9 * 16
        XCTAssertEqual(d.macsPerInputPixel, Double(36 * block + 6 * overlap + convs))
        // 36 blocks × 15 px, 6 overlapping blocks × 19 px, the convs' (36 × 2 CAB convs, conv_first, six group
        // convs, conv_after_body, the tail's 1 + 1 + ½ + ¼: 82.75, rounded up) + 1.
        XCTAssertEqual(d.receptiveRadius, 36 * 15 + 6 * 19 + 84)
        XCTAssertEqual(d.tileMultiple, 16)
        XCTAssertTrue(d.hasWholeImageStatistics)
        XCTAssertEqual(d.settings.first { $0.name == "compress_ratio" }?.value, "24")
        XCTAssertEqual(d.settings.first { $0.name == "overlap_ratio" }?.value, "0.5")
    }

    /// Two random HATs of one configuration blended at α 0.3 (lazy and eager kernels) against
    /// PyTorch's forward of the blended state dict (make_blend_fixture.py hat): Linears, LayerNorms,
    /// both position bias tables, the convs and the channel attention's 1×1 convs all blend.
    func testBlendedPairMatchesPyTorch() throws {
        let (p, alpha, a) = try assertBlendMatchesPyTorch(family: "hat", first: "hat_s_x4", pool: pool)
        // The blended state dict keeps the ends' integer index buffers (indices are not weights).
        for k in ["relative_position_index_SA", "relative_position_index_OCA"] {
            XCTAssertEqual(try p.stateDict(alpha: alpha)[k], a.detected.stateDict[k], k)
        }
    }

    /// Local check (not CI): HAT-S ×4 written by `make_spandrel_fixtures.py --real-size hat` to
    /// ENHANCE_REAL_SIZE_DIR with spandrel's initial weights (`hat_real`) and with branches of the
    /// stream's size (`hat_real_strong`), against spandrel on a 45×38 input (padded to 48×48), its
    /// parameter count against PyTorch's; and the seam error of 64 px tiles replaying the image's
    /// first pass (as the ``Upscaler`` runs them) against the untiled pass on a 128×128
    /// picture-like input, per margin (rounded up to the window, 16).
    func testRealSizeHATMatchesSpandrel() throws {
        guard let dir = ProcessInfo.processInfo.environment["ENHANCE_REAL_SIZE_DIR"] else {
            throw XCTSkip("set ENHANCE_REAL_SIZE_DIR to the --real-size fixtures (e.g. /tmp/enhance-real-size)")
        }
        for name in ["hat_real", "hat_real_strong"] {
            let m = try ModelLoader.load(path: "\(dir)/\(name).pth")
            let d = m.detected.modelDescription
            XCTAssertEqual([d.scale, d.hyperParameter("embed_dim"), d.hyperParameter("window_size")], [4, 144, 16])
            let io = try Safetensors.read(path: "\(dir)/\(name).io.safetensors").stateDict
            let (big, whole) = try assertRealSizeMatchesSpandrel(m, io: io, name: name, pool: pool)
            let replay = ForwardOptions(statistics: .replay(try m.network.recordStatistics(big, pool: pool,
                                                                                           cancel: nil)))
            for margin in [16, 32, 48] {
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
