import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// `ModelBlender`, the one blend path, against "blend the canonical state dict, then build".
final class InterpolationTests: XCTestCase {
    /// `sd` with every value scaled by a seeded factor in [0.7, 1.3] (signs kept, so BatchNorm
    /// variances stay positive).
    private func perturbed(_ sd: StateDict, seed: UInt64) -> StateDict {
        var out = StateDict()
        for (i, k) in sd.keys.enumerated() {
            let t = sd[k]!
            let u = randomTensor(channels: 1, height: 1, width: t.values.count, seed: seed &+ UInt64(i)).data
            out[k] = WeightTensor(shape: t.shape, values: zip(t.values, u).map { $0 * (0.7 + 0.6 * $1) })
        }
        return out
    }

    private func pair(_ fixture: String, seed: UInt64 = 17) throws -> ModelBlender {
        let a = try LoadedModel(stateDict: Fixture.safetensors(fixture + ".weights.safetensors"), name: "psnr")
        let b = try LoadedModel(stateDict: perturbed(a.detected.stateDict, seed: seed), name: "gan")
        return try ModelBlender(psnr: a, gan: b)
    }

    private func run(_ net: any SuperResolutionNetwork, _ x: Tensor) throws -> Tensor {
        try net.forward(x, pool: ThreadPool(threads: 2), cancel: nil)
    }

    func testCanonicalBlendIsElementwiseLinear() throws {
        let p = try pair("rrdbnet_x4_basicsr")
        let a = p.psnr.detected.stateDict, b = p.gan.detected.stateDict
        for alpha: Float in [0, 0.3, 1] {
            let c = try p.stateDict(alpha: alpha)
            XCTAssertEqual(c.keys, a.keys)
            for k in a.keys {
                let va = a[k]!.values, vb = b[k]!.values
                XCTAssertEqual(c[k]!.values, (0..<va.count).map { (1 - alpha) * va[$0] + alpha * vb[$0] }, k)
                XCTAssertEqual(c[k]!.shape, a[k]!.shape)
            }
        }
    }

    /// Every architecture (SRGAN folds BatchNorm, SRVGGNetCompact blends PReLU slopes, SPAN fuses its
    /// Conv3XC branches after blending, SwinIR and HAT gather their position biases after), several α:
    /// the prepared-kernel blend equals building the blended state dict, and the ends equal the models.
    func testEveryArchitectureEqualsBlendThenBuild() throws {
        for fixture in ["rrdbnet_x4_basicsr", "rrdbnet_x2_basicsr", "msrresnet_x4", "srgan_bn_x4", "srvgg_x4",
                        "span_ch3_x4", "span_ch2_x2_nonorm",
                        "plksr_x4_ccm", "plksr_x4_rectsparse", "realplksr_x4", "realplksr_x2_dysample",
                        "realplksr_x3_dysample_ln_noea", "realcugan_x2",
                        "rcan_x4", "rcan_x2_nonorm", "rcan_x2_unshuffle",
                        "rcan_x2_nf32", "swinir_x2_direct", "swinir_x4_nearest", "swinir_x1_w7",
                        "hat_s_x4", "hat_x1_identity", "dat_x4", "dat_light_x3"] {
            let p = try pair(fixture)
            let arch = p.psnr.detected.modelDescription.family
            let x = randomTensor(channels: 3, height: 8, width: 6, seed: 3)
            let ya = try run(p.psnr.network, x), yb = try run(p.gan.network, x)
            XCTAssertGreaterThan(maxRelativeError(ya, yb), 1e-3, fixture)
            for alpha: Float in [0.25, 0.6, 0.9] {
                let net = try p.network(alpha: alpha)
                let built = try NetworkRegistry.build(family: arch, p.stateDict(alpha: alpha), source: "ref",
                                                      layout: p.psnr.detected.modelDescription.keyLayout)
                XCTAssertEqual(net.layers, built.network.layers, fixture)
                XCTAssertEqual(net.scale, built.network.scale)
                let y = try run(net, x), want = try run(built.network, x)
                XCTAssertLessThan(maxRelativeError(y, want), 1e-5, "\(fixture) α=\(alpha)")
                XCTAssertGreaterThan(maxRelativeError(y, ya), 1e-4, "\(fixture) α=\(alpha) is not a blend")
            }
            XCTAssertEqual(try run(p.network(alpha: 0), x), ya, fixture)
            XCTAssertEqual(try run(p.network(alpha: 1), x), yb, fixture)
        }
    }

    func testLazyAndEagerBlendsAgreeUnderConcurrentFirstUse() throws {
        let p = try pair("rrdbnet_x4_basicsr")
        let x = randomTensor(channels: 3, height: 7, width: 9, seed: 5)
        let want = try run(p.network(alpha: 0.35, eager: true), x)
        let lazy = try p.network(alpha: 0.35)
        let outputs = Locked<[Tensor?]>([])
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            let y = try? lazy.forward(x, pool: ThreadPool(threads: 2), cancel: nil)
            outputs.withLock { $0.append(y) }
        }
        let values = outputs.withLock { $0 }
        XCTAssertEqual(values.count, 3)
        for y in values { XCTAssertEqual(y, want) }
    }

    func testBlendAcrossKeyLayouts() throws {
        // Old-ESRGAN and BasicSR files of the same shape blend after canonicalisation.
        let old = try LoadedModel(stateDict: Fixture.safetensors("rrdbnet_x4_old.weights.safetensors"), name: "old")
        let b = try LoadedModel(stateDict: perturbed(old.detected.stateDict, seed: 5), name: "b")
        let p = try ModelBlender(psnr: old, gan: b)
        let x = randomTensor(channels: 3, height: 6, width: 5, seed: 4)
        XCTAssertEqual(try run(p.network(alpha: 0), x), try run(old.network, x))
        let built = try NetworkRegistry.build(family: "RRDBNet", p.stateDict(alpha: 0.5), source: "ref", layout: "ESRGAN")
        XCTAssertLessThan(maxRelativeError(try run(p.network(alpha: 0.5), x), try run(built.network, x)), 1e-5)
    }

    func testWritesTheCanonicalBlend() throws {
        let p = try pair("srvgg_x4")
        let path = NSTemporaryDirectory() + "blend-\(getpid()).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try p.writeSafetensors(alpha: 0.4, to: path, metadata: ["enhance:alpha": "0.4"])
        let file = try Safetensors.read(path: path)
        XCTAssertEqual(file.stateDict, try p.stateDict(alpha: 0.4))
        XCTAssertEqual(file.metadata["enhance.architecture"], "SRVGGNetCompact")
        XCTAssertEqual(file.metadata["enhance:alpha"], "0.4")
    }

    func testRefusesIncompatiblePairsNamingTheKey() throws {
        func model(_ fixture: String, _ name: String) throws -> LoadedModel {
            try LoadedModel(stateDict: Fixture.safetensors(fixture + ".weights.safetensors"), name: name)
        }
        let a = try model("rrdbnet_x4_basicsr", "psnr.pth"), c = try model("rrdbnet_x2_basicsr", "gan.pth")
        XCTAssertThrowsError(try ModelBlender(psnr: a, gan: c)) { e in
            let d = String(describing: e)
            XCTAssertTrue(d.contains("conv_first.weight") && d.contains("[8, 3, 3, 3]")
                          && d.contains("[8, 12, 3, 3]"), d)
        }
        var sd = a.detected.stateDict
        sd["body.1.rdb2.conv3.bias"] = nil
        // A checkpoint lacking a tensor never becomes one end of a pair: loading it names the tensor.
        XCTAssertThrowsError(try LoadedModel(stateDict: sd, name: "missing")) { e in
            XCTAssertEqual(String(describing: e), "missing: missing tensor 'body.1.rdb2.conv3.bias'")
        }
        let srvgg = try LoadedModel(stateDict: Fixture.safetensors("srvgg_x4.weights.safetensors"), name: "s")
        XCTAssertThrowsError(try ModelBlender(psnr: a, gan: srvgg)) { e in
            XCTAssertTrue(String(describing: e).contains("SRVGGNetCompact"), "\(e)")
        }
        let p = try ModelBlender(psnr: a, gan: a)
        XCTAssertThrowsError(try p.network(alpha: .nan))
        XCTAssertThrowsError(try p.stateDict(alpha: .infinity))
    }
}
