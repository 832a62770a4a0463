import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// RCAN against spandrel + PyTorch (scripts/oracles/spandrel_cases/rcan.py): the tails spandrel
/// builds (×2, ×3, ×4, ×8), with and without the mean shift, the unshuffle head (×2, ×1), a 5×5
/// kernel and the channel-packed width (32), read from safetensors and from the `.pth` PyTorch writes.
final class RCANTests: XCTestCase {
    /// Fixture, scale and the hyper-parameters the shapes must give.
    private let cases: [(String, Int, [String: Int])] = [
        ("rcan_x4", 4, ["n_feats": 8, "n_resgroups": 2, "n_resblocks": 2, "reduction": 4, "kernel_size": 3,
                        "norm": 1, "downscale_factor": 1]),
        ("rcan_x2_nonorm", 2, ["n_resgroups": 2, "n_resblocks": 1, "reduction": 2, "norm": 0]),
        ("rcan_x3_k5", 3, ["n_resgroups": 1, "n_resblocks": 2, "kernel_size": 5, "norm": 1]),
        ("rcan_x8", 8, ["n_feats": 4, "n_resgroups": 1, "n_resblocks": 1, "reduction": 2]),
        ("rcan_x2_unshuffle", 2, ["n_resblocks": 2, "downscale_factor": 2]),
        ("rcan_x1_unshuffle", 1, ["n_resblocks": 1, "downscale_factor": 4]),
        ("rcan_x2_nf32", 2, ["n_feats": 32, "reduction": 16, "norm": 1]),
    ]

    func testEveryVariantMatchesSpandrelFromSafetensorsAndPth() throws {
        for (name, scale, params) in cases {
            let (x, expected) = try Fixture.io(name)
            for ext in ["weights.safetensors", "pth"] {
                let m = try ModelLoader.load(path: try Fixture.url("\(name).\(ext)").path)
                let d = m.detected.modelDescription
                XCTAssertEqual(d.family, "RCAN", name)
                XCTAssertEqual(d.scale, scale, name)
                XCTAssertEqual(d.keyLayout, "RCAN", name)
                for (k, v) in params { XCTAssertEqual(d.hyperParameter(k), v, "\(name) \(k)") }
                let y = try m.network.forward(x, pool: ThreadPool(threads: 2), cancel: nil)
                XCTAssertEqual([y.channels, y.height, y.width], [3, x.height * scale, x.width * scale], name)
                let err = PLKSRTests.errorOverRange(y, expected), levels = PLKSRTests.maxLevelDifference(y, expected)
                print("\(name).\(ext): max error \(err) of the output range vs spandrel, \(levels)/255 in 8 bits")
                XCTAssertLessThan(err, 1e-4, "\(name).\(ext)")
                XCTAssertLessThanOrEqual(levels, 1, "\(name).\(ext)")
            }
        }
    }

    private func model(_ name: String) throws -> any SuperResolutionNetwork {
        try NetworkRegistry.detect(Fixture.safetensors(name + ".weights.safetensors"), source: name).network
    }

    /// Detected as RCAN (no longer named as an unsupported family); a tail that is neither ×2ⁿ nor ×3,
    /// as the reference's `Upsampler` builds them, is refused.
    func testDetectionAndRefusals() throws {
        var sd = try Fixture.safetensors("rcan_x4.weights.safetensors")
        XCTAssertEqual(try NetworkRegistry.describe(sd.shapes, source: "r").family, "RCAN")
        sd["tail.0.2.weight"] = WeightTensor(shape: [72, 8, 3, 3], values: [Float](repeating: 0.01, count: 72 * 72))
        sd["tail.0.2.bias"] = WeightTensor(shape: [72], values: [Float](repeating: 0, count: 72))
        XCTAssertThrowsError(try NetworkRegistry.detect(sd, source: "t.pth")) { e in
            XCTAssertEqual("\(e)", "t.pth: RCAN upsampler stages [2, 3] are not ×2ⁿ or ×3")
        }
    }

    /// The tail runs in strips of rows: any strip height gives the whole-tail result.
    func testTailStripsEqualTheWholeTail() throws {
        let pool = ThreadPool(threads: 2)
        for name in ["rcan_x4", "rcan_x3_k5", "rcan_x8", "rcan_x1_unshuffle"] {
            let net = try model(name)
            let (x, expected) = try Fixture.io(name)
            let whole = try net.forward(x, pool: pool, cancel: nil, options: .init(tailStripRows: 1 << 20))
            for rows in [1, 4, 5] {
                let y = try net.forward(x, pool: pool, cancel: nil, options: .init(tailStripRows: rows))
                XCTAssertEqual(y, whole, "\(name) strips of \(rows)")
                XCTAssertLessThan(PLKSRTests.errorOverRange(y, expected), 1e-4, "\(name) strips of \(rows)")
            }
        }
    }

    /// Channel attention's channel means come from a first pass over the whole image and every
    /// tile replays them: tiles equal the untiled pass (where tiles with their own means, as
    /// chaiNNer runs the model, differ), and the upscaler's output does not depend on its tiles.
    func testChannelMeansComeFromTheWholeImage() throws {
        for name in ["rcan_x4", "rcan_x2_nf32"] {
            let x = randomTensor(channels: 3, height: 30, width: 28, seed: 9)
            let m = try LoadedModel(stateDict: Fixture.safetensors(name + ".weights.safetensors"), name: name)
            try assertWholeImageStatistics(m, x, tile: 10, minimum: 1e-4, name)
        }
    }

    /// The channel means of a packed tensor are those of its CHW copy (numpy-free: a sum in double).
    func testPackedChannelMeans() {
        let pool = ThreadPool(threads: 2)
        let x = randomTensor(channels: 32, height: 37, width: 41, seed: 4)
        let means = globalAveragePool(Packed16.pack(x, pool: pool), pool: pool)
        for c in 0..<32 {
            var sum = 0.0
            for y in 0..<37 { for i in 0..<41 { sum += Double(x[c, y, i]) } }
            XCTAssertEqual(Double(means.data[c]), sum / Double(37 * 41), accuracy: 1e-6, "channel \(c)")
        }
    }

    /// Local check (not CI): spandrel's default RCAN (64 features, 10 groups of 20 RCABs, ×4) that
    /// `make_spandrel_fixtures.py --real-size` writes to ENHANCE_REAL_SIZE_DIR (PyTorch's initial
    /// weights, and with the residual branches damped ×0.1), against spandrel; and the difference
    /// per-tile channel means make on a 192×160 picture-like input in 96 px tiles with a 48 px margin.
    func testRealSizeRCANMatchesSpandrel() throws {
        guard let dir = ProcessInfo.processInfo.environment["ENHANCE_REAL_SIZE_DIR"] else {
            throw XCTSkip("set ENHANCE_REAL_SIZE_DIR to the --real-size fixtures (e.g. /tmp/enhance-real-size)")
        }
        for name in ["rcan_real", "rcan_real_damped"] {
            let m = try ModelLoader.load(path: "\(dir)/\(name).pth")
            let d = m.detected.modelDescription
            XCTAssertEqual(d.family, "RCAN")
            XCTAssertEqual(d.hyperParameter("n_resgroups"), 10)
            XCTAssertEqual(d.hyperParameter("n_resblocks"), 20)
            let io = try Safetensors.read(path: "\(dir)/\(name).io.safetensors").stateDict
            func chw(_ k: String) -> Tensor {
                let t = io[k]!
                return Tensor(channels: t.shape[1], height: t.shape[2], width: t.shape[3], data: t.values)
            }
            let x = chw("input"), want = chw("output"), pool = ThreadPool(threads: 2)
            let start = Date()
            let y = try m.network.forward(x, pool: pool, cancel: nil)
            let err = PLKSRTests.errorOverRange(y, want)
            print(String(format: "%@: max error %.3g of the output range vs spandrel, %d/255 in 8 bits (%.1f s)",
                         name, err, PLKSRTests.maxLevelDifference(y, want), Date().timeIntervalSince(start)))
            XCTAssertLessThan(err, 1e-4, name)
            let big = PLKSRTests.synthetic(height: 160, width: 192)
            let whole = try m.network.forward(big, pool: pool, cancel: nil)
            let tiled = try Tiler.run(m.network, big, tileSize: 96, margin: 48, pool: pool)
            let diff = zip(tiled.data, whole.data).map { abs($0 - $1) }
            let apart = diff.filter { $0 * 255 > 1 }.count
            print(String(format: "%@: 96 px tiles, margin 48, vs untiled: max %.3g (%.3g of the output range "
                         + "[%.2f, %.2f]), %d/255 in 8 bits, %.2f %% of values more than 1/255 apart", name,
                         diff.max()!, PLKSRTests.errorOverRange(tiled, whole), whole.data.min()!, whole.data.max()!,
                         PLKSRTests.maxLevelDifference(tiled, whole), 100 * Double(apart) / Double(diff.count)))
        }
    }
}
