import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// PLKSR and RealPLKSR against spandrel + PyTorch (scripts/oracles/spandrel_cases/plksr.py): every
/// variant spandrel detects, read from safetensors and from the `.pth` PyTorch writes.
final class PLKSRTests: XCTestCase {
    /// Fixture, family, scale and the hyper-parameters the shapes must give.
    private let cases: [(String, String, Int, [String: Int])] = [
        ("plksr_x4_ccm", "PLKSR", 4, ["dim": 8, "n_blocks": 2, "kernel_size": 7, "split_channels": 2,
                                      "mixer_kernels": 31, "use_ea": 1]),
        ("plksr_x2_iccm_noea", "PLKSR", 2, ["kernel_size": 5, "split_channels": 4, "mixer_kernels": 13, "use_ea": 0]),
        ("plksr_x3_dccm", "PLKSR", 3, ["n_blocks": 1, "kernel_size": 9, "mixer_kernels": 33, "lk_type": 0]),
        ("plksr_x2_sparse", "PLKSR", 2, ["n_blocks": 1, "kernel_size": 17, "split_channels": 2, "lk_type": 1]),
        ("plksr_x4_rectsparse", "PLKSR", 4, ["kernel_size": 9, "split_channels": 2, "lk_type": 2]),
        ("realplksr_x4", "RealPLKSR", 4, ["dim": 8, "n_blocks": 2, "kernel_size": 7, "split_channels": 2,
                                          "use_ea": 1, "layer_norm": 0, "dysample": 0]),
        ("realplksr_x4_ln", "RealPLKSR", 4, ["layer_norm": 1, "dysample": 0]),
        ("realplksr_x2_dysample", "RealPLKSR", 2, ["layer_norm": 0, "dysample": 1, "kernel_size": 5]),
        ("realplksr_x3_dysample_ln_noea", "RealPLKSR", 3, ["layer_norm": 1, "dysample": 1, "use_ea": 0,
                                                           "split_channels": 4]),
        ("realplksr_x1_dysample", "RealPLKSR", 1, ["n_blocks": 1, "dysample": 1]),
        ("realplksr_x2_packed", "RealPLKSR", 2, ["dim": 32, "n_blocks": 1, "split_channels": 16, "layer_norm": 0]),
    ]

    /// Max |a − b| over the range of `b`.
    static func errorOverRange(_ a: Tensor, _ b: Tensor) -> Float {
        let range = max(b.data.max()! - b.data.min()!, 1e-6)
        return zip(a.data, b.data).reduce(0) { max($0, abs($1.0 - $1.1)) } / range
    }

    /// Max difference in 8-bit levels after clamping to [0, 1].
    static func maxLevelDifference(_ a: Tensor, _ b: Tensor) -> Int {
        func level(_ v: Float) -> Int { Int((min(1, max(0, v)) * 255).rounded()) }
        return zip(a.data, b.data).reduce(0) { max($0, abs(level($1.0) - level($1.1))) }
    }

    func testEveryVariantMatchesSpandrelFromSafetensorsAndPth() throws {
        for (name, family, scale, params) in cases {
            let (x, expected) = try Fixture.io(name)
            for ext in ["weights.safetensors", "pth"] {
                let m = try ModelLoader.load(path: try Fixture.url("\(name).\(ext)").path)
                let d = m.detected.modelDescription
                XCTAssertEqual(d.family, family, name)
                XCTAssertEqual(d.scale, scale, name)
                XCTAssertEqual(d.keyLayout, "PLKSR", name)
                for (k, v) in params { XCTAssertEqual(d.hyperParameter(k), v, "\(name) \(k)") }
                let y = try m.network.forward(x, pool: ThreadPool(threads: 2), cancel: nil)
                XCTAssertEqual([y.channels, y.height, y.width], [3, x.height * scale, x.width * scale], name)
                let err = Self.errorOverRange(y, expected), levels = Self.maxLevelDifference(y, expected)
                print("\(name).\(ext): max error \(err) of the output range vs spandrel, \(levels)/255 in 8 bits")
                XCTAssertLessThan(err, 1e-4, "\(name).\(ext)")
                XCTAssertLessThanOrEqual(levels, 1, "\(name).\(ext)")
            }
        }
    }

    /// A trunk whose partial conv takes whole 16-channel groups runs channel-packed (the fixture above
    /// checks it against spandrel); others, and the LayerNorm variant, run CHW.
    func testTrunkLayoutFollowsThePartialChannels() throws {
        func layout(_ name: String) throws -> TensorLayout? {
            try model(name).layers.first { $0.name == "feats.1.channel_mixer.0" }?.layout
        }
        XCTAssertEqual(try layout("realplksr_x2_packed"), .packed16)
        XCTAssertEqual(try layout("realplksr_x4"), .chw)
        XCTAssertEqual(try layout("realplksr_x4_ln"), .chw)
    }

    /// DySample runs in strips of input rows: any strip height gives the whole-tail result.
    func testDySampleStripsEqualTheWholeTail() throws {
        let pool = ThreadPool(threads: 2)
        for name in ["realplksr_x2_dysample", "realplksr_x3_dysample_ln_noea", "realplksr_x1_dysample"] {
            let net = try model(name)
            let (x, expected) = try Fixture.io(name)
            let whole = try net.forward(x, pool: pool, cancel: nil, options: .init(tailStripRows: 1 << 20))
            for rows in [1, 2, 5] {
                let y = try net.forward(x, pool: pool, cancel: nil, options: .init(tailStripRows: rows))
                XCTAssertEqual(y, whole, "\(name) strips of \(rows)")
                XCTAssertLessThan(Self.errorOverRange(y, expected), 1e-4, "\(name) strips of \(rows)")
            }
        }
    }

    /// Spandrel's conditions tell the two apart; sparse large kernels that are not 5×5 are refused.
    func testDetectionAndRefusals() throws {
        let real = try Fixture.safetensors("realplksr_x4.weights.safetensors")
        let plain = try Fixture.safetensors("plksr_x4_ccm.weights.safetensors")
        XCTAssertEqual(try NetworkRegistry.describe(real.shapes, source: "r").family, "RealPLKSR")
        XCTAssertEqual(try NetworkRegistry.describe(plain.shapes, source: "p").family, "PLKSR")
        var sparse = plain
        for b in 1...2 {
            let w = sparse["feats.\(b).lk.conv.weight"]!, bias = sparse["feats.\(b).lk.conv.bias"]!
            sparse["feats.\(b).lk.conv.weight"] = nil
            sparse["feats.\(b).lk.conv.bias"] = nil
            sparse["feats.\(b).lk.convs.0.weight"] = w
            sparse["feats.\(b).lk.convs.0.bias"] = bias
        }
        XCTAssertThrowsError(try NetworkRegistry.detect(sparse, source: "s.pth")) { e in
            XCTAssertTrue("\(e)".hasPrefix("s.pth: PLKSR SparsePLK conv lk.convs.0 is not 5×5"), "\(e)")
        }
    }

    private func model(_ name: String) throws -> any SuperResolutionNetwork {
        try NetworkRegistry.detect(Fixture.safetensors(name + ".weights.safetensors"), source: name).network
    }

    /// Without GroupNorm (PLKSR, RealPLKSR with LayerNorm, DySample included) tiles with a margin of
    /// the receptive radius give the untiled result.
    func testVariantsWithoutGroupNormTileExactly() throws {
        let pool = ThreadPool(threads: 2)
        for name in ["plksr_x4_ccm", "realplksr_x4_ln", "realplksr_x3_dysample_ln_noea"] {
            let net = try model(name)
            let x = randomTensor(channels: 3, height: 40, width: 36, seed: 5)
            let whole = try net.forward(x, pool: pool, cancel: nil)
            let tiled = try Tiler.run(net, x, tileSize: 12, margin: net.receptiveRadius, pool: pool)
            XCTAssertLessThan(maxRelativeError(tiled, whole), 1e-5, name)
        }
    }

    /// GroupNorm's statistics come from a first pass over the whole image and every tile replays
    /// them: tiles equal the untiled pass (where tiles with their own statistics, as chaiNNer runs
    /// the model, differ), and the upscaler's output does not depend on its tiles
    /// (``assertWholeImageStatistics``). The LayerNorm variant has no such statistics.
    func testGroupNormStatisticsComeFromTheWholeImage() throws {
        for name in ["realplksr_x4", "realplksr_x2_dysample", "realplksr_x2_packed"] {
            let x = randomTensor(channels: 3, height: 30, width: 28, seed: 9)
            let m = try LoadedModel(stateDict: Fixture.safetensors(name + ".weights.safetensors"), name: name)
            try assertWholeImageStatistics(m, x, tile: 10, minimum: 1e-3, name)
        }
        XCTAssertFalse(try model("realplksr_x4_ln").hasWholeImageStatistics)
        XCTAssertFalse(try model("plksr_x4_ccm").hasWholeImageStatistics)
    }

    /// Local check (not CI): the real-size RealPLKSR (dim 64, 28 blocks, kernel 17, ×4) that
    /// `make_spandrel_fixtures.py --real-size` writes to ENHANCE_REAL_SIZE_DIR, against spandrel;
    /// and the difference per-tile GroupNorm statistics make on it.
    func testRealSizeRealPLKSRMatchesSpandrel() throws {
        guard let dir = ProcessInfo.processInfo.environment["ENHANCE_REAL_SIZE_DIR"] else {
            throw XCTSkip("set ENHANCE_REAL_SIZE_DIR to the --real-size fixtures (e.g. /tmp/enhance-real-size)")
        }
        let m = try ModelLoader.load(path: dir + "/realplksr_real.pth")
        XCTAssertEqual(m.detected.modelDescription.family, "RealPLKSR")
        XCTAssertEqual(m.detected.modelDescription.hyperParameter("n_blocks"), 28)
        let io = try Safetensors.read(path: dir + "/realplksr_real.io.safetensors").stateDict
        func chw(_ k: String) -> Tensor {
            let t = io[k]!
            return Tensor(channels: t.shape[1], height: t.shape[2], width: t.shape[3], data: t.values)
        }
        let x = chw("input"), pool = ThreadPool(threads: 2)
        let start = Date()
        let y = try m.network.forward(x, pool: pool, cancel: nil)
        let err = Self.errorOverRange(y, chw("output"))
        print(String(format: "realplksr_real: max error %.3g of the output range vs spandrel (%.1f s)", err,
                     Date().timeIntervalSince(start)))
        XCTAssertLessThan(err, 1e-4)
        // Per-tile GroupNorm statistics on a 192×160 picture-like input (gradients, discs, stripes) in
        // 96 px tiles with the default margin (48).
        let big = Self.synthetic(height: 160, width: 192)
        let whole = try m.network.forward(big, pool: pool, cancel: nil)
        let tiled = try Tiler.run(m.network, big, tileSize: 96, margin: 48, pool: pool)
        print(String(format: "realplksr_real: 96 px tiles, margin 48, vs untiled: max %.3g of the output range "
                     + "[%.1f, %.1f], %d/255 in 8 bits", Self.errorOverRange(tiled, whole), whole.data.min()!,
                     whole.data.max()!, Self.maxLevelDifference(tiled, whole)))
    }

    /// A deterministic picture-like CHW image in [0, 1]: colour gradients, two discs and stripes.
    static func synthetic(height h: Int, width w: Int) -> Tensor {
        var t = Tensor(channels: 3, height: h, width: w)
        for y in 0..<h { for x in 0..<w {
            let u = Float(x) / Float(w), v = Float(y) / Float(h)
            let disc = (u - 0.3) * (u - 0.3) + (v - 0.4) * (v - 0.4) < 0.04 ? Float(0.5) : 0
            let ring = (u - 0.7) * (u - 0.7) + (v - 0.6) * (v - 0.6) < 0.02 ? Float(-0.3) : 0
            let stripes: Float = u > 0.5 && v < 0.3 ? 0.2 * Float((x / 3) % 2) : 0
            t[0, y, x] = min(1, max(0, 0.2 + 0.6 * u + disc + stripes))
            t[1, y, x] = min(1, max(0, 0.3 + 0.4 * v + ring + stripes))
            t[2, y, x] = min(1, max(0, 0.6 - 0.4 * u * v + disc * 0.5))
        } }
        return t
    }
}
