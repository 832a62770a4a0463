import EnhanceCheckpoints
@testable import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// SPAN against spandrel + PyTorch (fixtures: scripts/oracles/spandrel_cases/span.py and
/// scripts/oracles/make_span_blend_fixture.py). The fixtures' `eval_conv` tensors are stale on
/// purpose (the generator perturbs them; spandrel recomputes them in its forward), so matching the
/// reference also shows they are not read.
final class SPANTests: XCTestCase {
    /// Fixture, scale, feature channels, norm.
    private let cases: [(String, Int, Int, Int)] = [
        ("span_ch3_x4", 4, 3, 1), ("span_ch2_x2_nonorm", 2, 2, 0), ("span_ch2_x3", 3, 2, 1),
        ("span_ch16_x2", 2, 16, 1),  // 16 features: the channel-packed trunk
        ("span_ch16_x4", 4, 16, 1),  // and at ×4 the packed upsampler (48 outputs) shuffled to CHW
    ]

    /// max |y − want| over the reference output's range (max − min).
    private func rangeError(_ y: Tensor, _ want: Tensor) -> Float {
        precondition(y.data.count == want.data.count)
        let range = want.data.max()! - want.data.min()!
        return zip(y.data, want.data).map { abs($0 - $1) }.max()! / range
    }

    /// The largest difference in 8-bit levels after clamping to [0, 1] and rounding.
    private func levels(_ y: Tensor, _ want: Tensor) -> Int {
        func q(_ v: Float) -> Int { Int((min(max(v, 0), 1) * 255).rounded()) }
        return zip(y.data, want.data).map { abs(q($0) - q($1)) }.max()!
    }

    private func run(_ net: any SuperResolutionNetwork, _ x: Tensor) throws -> Tensor {
        try net.forward(x, pool: ThreadPool(threads: 2), cancel: nil)
    }

    func testSafetensorsAndPthMatchSpandrel() throws {
        for (name, scale, nf, norm) in cases {
            let (x, want) = try Fixture.io(name)
            for file in ["\(name).weights.safetensors", "\(name).pth"] {
                let m = try ModelLoader.load(path: Fixture.url(file).path)
                let d = m.detected.modelDescription
                XCTAssertEqual(d.family, "SPAN", file)
                XCTAssertEqual(d.scale, scale, file)
                XCTAssertEqual(d.hyperParameter("feature_channels"), nf, file)
                XCTAssertEqual(d.hyperParameter("norm"), norm, file)
                XCTAssertEqual(d.hyperParameter("blocks"), 6, file)
                let y = try run(m.network, x)
                XCTAssertEqual([y.channels, y.height, y.width], [3, x.height * scale, x.width * scale], file)
                let err = rangeError(y, want), lv = levels(y, want)
                print("\(file): max error / output range vs spandrel \(err), 8-bit levels \(lv)")
                XCTAssertLessThan(err, 1e-4, file)
                XCTAssertLessThanOrEqual(lv, 1, file)
            }
        }
    }

    /// The rows `enhance models inspect` prints, from the .pth header alone, against hand counts:
    /// MACs of the fused convs (nf 3: 20 Conv3XC 3×3 at 81, conv_cat 12→3 at 36, upsampler 3→48 at
    /// 1296) and the receptive radius (21 3×3 convs, plus one).
    func testInspectRows() throws {
        let (info, _) = try ModelInspection.describe(path: Fixture.url("span_ch3_x4.pth").path)
        let rows = Dictionary(info.rows, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(rows["architecture"], "SPAN")
        XCTAssertEqual(rows["scale"], "×4")
        XCTAssertEqual(rows["feature_channels"], "3")
        XCTAssertEqual(rows["blocks"], "6")
        XCTAssertEqual(rows["norm"], "1")
        XCTAssertEqual(rows["parameters"], "10803")
        XCTAssertEqual(info.macsPerInputPixel, Double(20 * 81 + 36 + 1296))
        XCTAssertEqual(rows["receptive radius"], "22 px")
        XCTAssertEqual(rows["ignored keys"], "none")
        let nonorm = try NetworkRegistry.describe(
            Safetensors.describe(path: Fixture.url("span_ch2_x2_nonorm.weights.safetensors").path), source: "n")
        XCTAssertEqual(nonorm.hyperParameter("norm"), 0)
    }

    /// `eval_conv` is required (spandrel's strict load needs it) but its values never matter.
    func testEvalConvIsRequiredButNotRead() throws {
        let sd = try Fixture.safetensors("span_ch3_x4.weights.safetensors")
        var zeroed = sd
        for k in sd.keys where k.contains(".eval_conv.") {
            zeroed[k] = WeightTensor(shape: sd[k]!.shape, values: [Float](repeating: 0, count: sd[k]!.values.count))
        }
        let x = try Fixture.io("span_ch3_x4").input
        let a = try run(NetworkRegistry.detect(sd, source: "a").network, x)
        XCTAssertEqual(try run(NetworkRegistry.detect(zeroed, source: "z").network, x), a)
        var missing = sd
        missing["block_4.c2_r.eval_conv.bias"] = nil
        XCTAssertThrowsError(try NetworkRegistry.detect(missing, source: "m.pth")) { e in
            XCTAssertEqual("\(e)", "m.pth: missing tensor 'block_4.c2_r.eval_conv.bias'")
        }
    }

    func testTiledEqualsUntiled() throws {
        let sd = try Fixture.safetensors("span_ch3_x4.weights.safetensors")
        let net = try NetworkRegistry.detect(sd, source: "t").network
        XCTAssertEqual(net.receptiveRadius, 22)
        let pool = ThreadPool(threads: 2)
        let x = randomTensor(channels: 3, height: 41, width: 37, seed: 11)
        let whole = try net.forward(x, pool: pool, cancel: nil)
        let tiled = try Tiler.run(net, x, tileSize: 12, margin: net.receptiveRadius, pool: pool)
        // Relative to the output range (±50 here: the normalised input is ×255): tiles change only
        // the Winograd tiles' alignment, so the rounding.
        let err = rangeError(tiled, whole)
        print("span_ch3_x4: tiled (12 px tiles, margin \(net.receptiveRadius)) vs untiled max error / range \(err)")
        XCTAssertLessThan(err, 1e-5)
        let seamy = try Tiler.run(net, x, tileSize: 12, margin: 4, pool: pool)
        XCTAssertGreaterThan(rangeError(seamy, whole), 1e-4, "a small margin must show the seams")
    }

    /// A blend of two checkpoints is "blend every tensor, then re-parameterise": spandrel run on the
    /// blended state dict. A Conv3XC's fused weight is a product of its branches, so fusing each end
    /// and blending the fused weights gives another network (the fixture's `output_fused_blend`).
    func testBlendThenReparameterise() throws {
        let a = try LoadedModel(stateDict: Fixture.safetensors("span_ch3_x4.weights.safetensors"), name: "a")
        let b = try LoadedModel(stateDict: Fixture.safetensors("span_blend_b.weights.safetensors"), name: "b")
        let io = try Fixture.safetensors("span_blend.io.safetensors")
        func t(_ k: String) -> Tensor {
            let w = io[k]!
            return Tensor(channels: w.shape[1], height: w.shape[2], width: w.shape[3], data: w.values)
        }
        let alpha = io["alpha"]!.values[0], x = t("input"), want = t("output"), other = t("output_fused_blend")
        XCTAssertGreaterThan(rangeError(other, want), 1e-2, "the fixture's two orders must differ")
        let p = try ModelBlender(psnr: a, gan: b)
        for eager in [false, true] {
            let y = try run(p.network(alpha: alpha, eager: eager), x)
            let err = rangeError(y, want)
            print("span blend α \(alpha) eager \(eager): error / range vs spandrel \(err), "
                  + "vs fuse-then-blend \(rangeError(y, other))")
            XCTAssertLessThan(err, 1e-4)
            XCTAssertGreaterThan(rangeError(y, other), 1e-2)
        }
        // The same at the weights of one Conv3XC.
        let leaves = SPAN.Conv3XCBranches.tensors(in: 3, out: 3).map { "block_2.c2_r." + $0.0 }
        let va = leaves.map { a.detected.stateDict[$0]!.values }, vb = leaves.map { b.detected.stateDict[$0]!.values }
        let blendFirst = SPAN.fuse(.init(zip(va, vb).map { blend($0, $1, alpha: alpha) }), in: 3, out: 3)
        let fa = SPAN.fuse(.init(va), in: 3, out: 3), fb = SPAN.fuse(.init(vb), in: 3, out: 3)
        let fuseFirst = blend(fa.weight, fb.weight, alpha: alpha)
        let diff = zip(blendFirst.weight, fuseFirst).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(diff, 1e-3 * fuseFirst.map(abs).max()!)
    }

    /// The real-size configuration (ch 48, ×4, spandrel's six blocks) against spandrel, when
    /// `ENHANCE_REAL_SIZE_DIR` names the folder `make_spandrel_fixtures.py --real-size` wrote (local only).
    func testRealSizeAgainstSpandrel() throws {
        guard let dir = ProcessInfo.processInfo.environment["ENHANCE_REAL_SIZE_DIR"] else {
            throw XCTSkip("ENHANCE_REAL_SIZE_DIR not set")
        }
        let name = "span_ch48_x4_real"
        let io = try Safetensors.read(path: "\(dir)/\(name).io.safetensors").stateDict
        func t(_ k: String) -> Tensor {
            let w = io[k]!
            return Tensor(channels: w.shape[1], height: w.shape[2], width: w.shape[3], data: w.values)
        }
        let x = t("input"), want = t("output")
        for file in ["\(name).weights.safetensors", "\(name).pth"] {
            let m = try ModelLoader.load(path: "\(dir)/\(file)")
            XCTAssertEqual(m.detected.modelDescription.hyperParameter("feature_channels"), 48)
            let start = Date()
            let y = try m.network.forward(x, pool: ThreadPool(threads: 2), cancel: nil)
            let err = rangeError(y, want), lv = levels(y, want)
            let range = want.data.max()! - want.data.min()!
            print("\(file): \(x.width)×\(x.height) in \(Date().timeIntervalSince(start)) s, max error / output "
                  + "range vs spandrel \(err), max |error| \(err * range), 8-bit levels \(lv)")
            XCTAssertLessThan(err, 1e-4)
            XCTAssertLessThanOrEqual(lv, 1)
        }
    }
}
