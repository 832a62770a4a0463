import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// SwinIR against spandrel + PyTorch (scripts/oracles/spandrel_cases/swinir.py and
/// make_blend_fixture.py swinir): every upsampler and scale, `patch_norm` on and off, `1conv` and
/// `3conv`, windows 4, 7 and 8 on sides that need the reference's reflect padding, read from
/// safetensors (the int64 index buffers included) and from the `.pth` PyTorch writes.
final class SwinIRTests: XCTestCase {
    /// Fixture, scale, integer hyper-parameters and settings the shapes must give.
    private let cases: [SpandrelCase] = [
        ("swinir_x2_direct", 2, ["embed_dim": 12, "window_size": 4, "img_size": 8, "img_range": 1, "patch_norm": 1],
         ["depths": "2,2", "num_heads": "2,3", "mlp_ratio": "2", "upsampler": "pixelshuffledirect",
          "resi_connection": "1conv"]),
        ("swinir_x3_direct_3conv", 3, ["embed_dim": 8], ["depths": "3", "resi_connection": "3conv"]),
        ("swinir_x1_w7", 1, ["window_size": 7, "img_size": 14, "img_range": 255],
         ["depths": "2,1", "num_heads": "1,2", "upsampler": "none"]),
        ("swinir_x4_ps", 4, ["num_feat": 4, "patch_norm": 1], ["upsampler": "pixelshuffle"]),
        ("swinir_x3_ps_nopatchnorm", 3, ["patch_norm": 0, "num_feat": 4], ["upsampler": "pixelshuffle"]),
        ("swinir_x2_ps_3conv", 2, [:], ["mlp_ratio": "1.5", "resi_connection": "3conv"]),
        ("swinir_x8_ps", 8, ["window_size": 8, "img_size": 16], ["upsampler": "pixelshuffle"]),
        ("swinir_x4_nearest", 4, ["num_feat": 4], ["upsampler": "nearest+conv"]),
        ("swinir_x2_nearest_nopatchnorm", 2, ["patch_norm": 0], ["num_heads": "2,2", "upsampler": "nearest+conv"]),
        ("swinir_x8_nearest", 8, ["num_feat": 3], ["upsampler": "nearest+conv"]),
    ]

    private let pool = ThreadPool(threads: 2)

    private func model(_ name: String) throws -> DetectedModel {
        try NetworkRegistry.detect(Fixture.safetensors(name + ".weights.safetensors"), source: name)
    }

    func testEveryVariantMatchesSpandrelFromSafetensorsAndPth() throws {
        try assertVariantsMatchSpandrel(cases, family: "SwinIR", pool: pool)
    }

    /// `relative_position_index` and `attn_mask` are derived, never read: other values, or none at all
    /// (spandrel then assumes img_size 64, which shifts the same windows here), give the same output.
    func testIndexAndMaskBuffersAreNotRead() throws {
        let name = "swinir_x2_direct", (x, expected) = try Fixture.io(name)
        let sd = try Fixture.safetensors(name + ".weights.safetensors")
        let want = try model(name).network.forward(x, pool: pool, cancel: nil)
        XCTAssertLessThan(PLKSRTests.errorOverRange(want, expected), 1e-4)
        var scrambled = sd, stripped = sd
        for k in sd.keys where k.hasSuffix("attn_mask") || k.hasSuffix("relative_position_index") {
            let t = sd[k]!
            scrambled[k] = WeightTensor(shape: t.shape, values: t.values.map { $0 * 0.5 + 3 }, dtype: t.dtype)
            if k.hasSuffix("attn_mask") { stripped[k] = nil }
        }
        XCTAssertLessThan(stripped.count, sd.count)
        for (what, dict) in [("scrambled", scrambled), ("no attn_mask", stripped)] {
            let net = try NetworkRegistry.detect(dict, source: what).network
            XCTAssertEqual(try net.forward(x, pool: pool, cancel: nil), want, what)
        }
    }

    /// A pixel-unshuffle head (spandrel's `start_unshuffle`) is refused by name; a wrong-shaped table
    /// names the tensor; a checkpoint without the blocks' index buffer is not SwinIR (spandrel's rule).
    func testRefusals() throws {
        var sd = try Fixture.safetensors("swinir_x2_direct.weights.safetensors")
        var unshuffled = sd
        unshuffled["conv_first.1.weight"] = WeightTensor(shape: [12, 12, 3, 3],
                                                         values: [Float](repeating: 0, count: 1296))
        unshuffled["conv_first.1.bias"] = sd["conv_first.bias"]
        unshuffled["conv_first.weight"] = nil
        unshuffled["conv_first.bias"] = nil
        XCTAssertThrowsError(try NetworkRegistry.detect(unshuffled, source: "u.pth")) { e in
            XCTAssertEqual("\(e)", "u.pth: SwinIR with a pixel-unshuffle head (conv_first.1, spandrel's "
                           + "start_unshuffle) is not supported")
        }
        let table = "layers.1.residual_group.blocks.0.attn.relative_position_bias_table"
        var wrong = sd
        wrong[table] = WeightTensor(shape: [48, 3], values: [Float](repeating: 0, count: 144))
        XCTAssertThrowsError(try NetworkRegistry.detect(wrong, source: "w.pth")) { e in
            XCTAssertTrue("\(e)".hasPrefix("w.pth: tensor '\(table)' has shape [48, 3]"), "\(e)")
        }
        sd["layers.0.residual_group.blocks.0.attn.relative_position_index"] = nil
        XCTAssertThrowsError(try NetworkRegistry.detect(sd, source: "i.pth")) { e in
            XCTAssertTrue("\(e)".contains("unrecognised network layout"), "\(e)")
        }
    }

    /// The pixelshuffle and nearest+conv tails run in strips of rows: any strip height gives the
    /// whole-tail result (up to float rounding).
    func testTailStripsEqualTheWholeTail() throws {
        for name in ["swinir_x4_ps", "swinir_x3_ps_nopatchnorm", "swinir_x8_nearest", "swinir_x2_nearest_nopatchnorm"] {
            let net = try model(name).network
            let (x, expected) = try Fixture.io(name)
            let whole = try net.forward(x, pool: pool, cancel: nil, options: .init(tailStripRows: 1 << 20))
            for rows in [1, 4, 5] {
                let y = try net.forward(x, pool: pool, cancel: nil, options: .init(tailStripRows: rows))
                // Float rounding only (a strip's small convs may take another kernel than the whole map's).
                XCTAssertLessThan(maxRelativeError(y, whole), 2e-6, "\(name) strips of \(rows)")
                XCTAssertLessThan(PLKSRTests.errorOverRange(y, expected), 1e-4, "\(name) strips of \(rows)")
            }
        }
    }

    /// Two random SwinIRs of one configuration blended at α 0.3 (lazy and eager kernels) against
    /// PyTorch's forward of the blended state dict.
    func testBlendedPairMatchesPyTorch() throws {
        let (p, alpha, a) = try assertBlendMatchesPyTorch(family: "swinir", first: "swinir_x2_direct", pool: pool)
        // The blended state dict keeps the ends' integer index buffers (indices are not weights).
        let index = "layers.0.residual_group.blocks.0.attn.relative_position_index"
        XCTAssertEqual(try p.stateDict(alpha: alpha)[index], a.detected.stateDict[index])
    }

    /// Tiles and margins are rounded up to the window (so every tile's windows are the untiled
    /// pass's); with a margin of the receptive radius the tiles give the untiled result (float
    /// rounding), with one window of margin they do not.
    func testTilesWithTheReceptiveRadiusEqualTheUntiledPass() throws {
        let net = try model("swinir_x2_direct").network
        XCTAssertEqual(net.tileMultiple, 4)
        // 4 blocks × 3 px (window − 1) + the convs' 5 px, rounded up, + 1.
        XCTAssertEqual(net.receptiveRadius, 18)
        let grid = Tiler.Grid(net, width: 38, height: 45, tileWidth: 10, tileHeight: 10, margin: 5)
        XCTAssertEqual([grid.tileWidth, grid.tileHeight, grid.margin], [12, 12, 8])
        let x = randomTensor(channels: 3, height: 70, width: 61, seed: 7)
        let whole = try net.forward(x, pool: pool, cancel: nil)
        let tiled = try Tiler.run(net, x, tileSize: 16, margin: net.receptiveRadius, pool: pool)
        let narrow = try Tiler.run(net, x, tileSize: 16, margin: 4, pool: pool)
        print("swinir_x2_direct: 16 px tiles vs untiled, margin \(net.receptiveRadius): "
              + "\(maxRelativeError(tiled, whole)), margin 4: \(maxRelativeError(narrow, whole))")
        XCTAssertLessThan(maxRelativeError(tiled, whole), 1e-5)
        XCTAssertGreaterThan(maxRelativeError(narrow, whole), 1e-3)
    }

    /// SwinIR-M ×4 nearest+conv (the bench entry, the real-world models' configuration), counted by
    /// hand: per token and block the Linears (qkv 180·540, proj 180², fc1 and fc2 180·360) and the
    /// attention (2 · 64 · 180); the convs (conv_first, six RSTB convs and conv_after_body at 1×,
    /// conv_before_upsample, conv_up1 at 2×, conv_up2, conv_hr and conv_last at 4×).
    func testSwinIRMDescription() throws {
        let sd = try XCTUnwrap(try NetworkRegistry.benchmarkWeights("swinir-m", seed: 1))
        let d = try NetworkRegistry.describe(sd.shapes, source: "swinir-m")
        XCTAssertEqual(d.family, "SwinIR")
        XCTAssertEqual(d.scale, 4)
        let block = 180 * 540 + 180 * 180 + 2 * 180 * 360 + 2 * 64 * 180
        let convs = 3 * 180 * 9 + 7 * 180 * 180 * 9 + 180 * 64 * 9 + 64 * 64 * 9 * (4 + 16 + 16) + 64 * 3 * 9 * 16
        XCTAssertEqual(d.macsPerInputPixel, Double(36 * block + convs))
        // 36 blocks × 7 px, plus the convs' 10.25 px rounded up and 1 for the nearest upsampling.
        XCTAssertEqual(d.receptiveRadius, 36 * 7 + 12)
        XCTAssertEqual(d.tileMultiple, 8)
        XCTAssertEqual(d.hyperParameter("embed_dim"), 180)
        XCTAssertEqual(d.hyperParameter("img_size"), 64)
        XCTAssertEqual(d.settings.first { $0.name == "depths" }?.value, "6,6,6,6,6,6")
        XCTAssertEqual(d.settings.first { $0.name == "mlp_ratio" }?.value, "2")
    }

    /// Local check (not CI): SwinIR-M ×4 nearest+conv (the real-world models' configuration), written
    /// by `make_spandrel_fixtures.py --real-size swinir` to ENHANCE_REAL_SIZE_DIR with spandrel's
    /// initial weights (`swinir_real`) and with branches of the stream's size (`swinir_real_strong`),
    /// against spandrel on a 45×38 input (padded to 48×40); and the seam error of 64 px tiles against
    /// the untiled pass on a 128×128 picture-like input, per margin.
    func testRealSizeSwinIRMatchesSpandrel() throws {
        guard let dir = ProcessInfo.processInfo.environment["ENHANCE_REAL_SIZE_DIR"] else {
            throw XCTSkip("set ENHANCE_REAL_SIZE_DIR to the --real-size fixtures (e.g. /tmp/enhance-real-size)")
        }
        for name in ["swinir_real", "swinir_real_strong"] {
            let m = try ModelLoader.load(path: "\(dir)/\(name).pth")
            let d = m.detected.modelDescription
            XCTAssertEqual(d.family, "SwinIR")
            XCTAssertEqual(d.scale, 4)
            XCTAssertEqual(d.hyperParameter("embed_dim"), 180)
            XCTAssertEqual(d.settings.first { $0.name == "upsampler" }?.value, "nearest+conv")
            let io = try Safetensors.read(path: "\(dir)/\(name).io.safetensors").stateDict
            // PyTorch's count (11 715 559): the attn_mask and index buffers are not parameters.
            let (big, whole) = try assertRealSizeMatchesSpandrel(m, io: io, name: name, pool: pool)
            for margin in [16, 32, 48] {
                let tiled = try Tiler.run(m.network, big, tileSize: 64, margin: margin, pool: pool)
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
