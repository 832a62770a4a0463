import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

final class InterpolationTests: XCTestCase {
    private func randomLike(_ sd: StateDict, seed: UInt64) -> StateDict {
        var out = StateDict()
        for (i, k) in sd.keys.enumerated() {
            let s = sd[k]!.shape
            let t = randomTensor(channels: 1, height: 1, width: s.reduce(1, *), seed: seed &+ UInt64(i))
            out[k] = WeightTensor(shape: s, values: t.data.map { $0 - 0.5 })
        }
        return out
    }

    func testBlendIsElementwiseLinear() throws {
        let a = try Fixture.safetensors("rrdbnet_x4_basicsr.weights.safetensors")
        let b = randomLike(a, seed: 99)
        let interp = try WeightInterpolator(a, b)
        let pool = ThreadPool(threads: 2)
        for alpha: Float in [0, 0.3, 1] {
            let c = interp.blend(alpha: alpha, pool: pool)
            XCTAssertEqual(c.keys, a.keys)
            for k in a.keys {
                let va = a[k]!.values, vb = b[k]!.values, vc = c[k]!.values
                for i in stride(from: 0, to: va.count, by: 7) {
                    XCTAssertEqual(vc[i], (1 - alpha) * va[i] + alpha * vb[i], accuracy: 1e-6)
                }
            }
        }
    }

    func testBlendAcrossKeyLayoutsAndRunsNetwork() throws {
        // Old-ESRGAN and BasicSR files of the same shape blend after canonicalisation.
        let old = try NetworkRegistry.detect(Fixture.safetensors("rrdbnet_x4_old.weights.safetensors"), source: "old")
        let b = try NetworkRegistry.detect(randomLike(old.stateDict, seed: 5), source: "b")
        let m = try NetworkRegistry.interpolate(old, b, alpha: 0, nameA: "old", nameB: "b")
        let x = randomTensor(channels: 3, height: 6, width: 5, seed: 4)
        let pool = ThreadPool(threads: 1)
        XCTAssertLessThan(maxRelativeError(try m.network.forward(x, pool: pool, cancel: nil),
                                           try old.network.forward(x, pool: pool, cancel: nil)), 1e-6)
    }

    func testModelBlenderMatchesOneShotInterpolation() throws {
        let a = try LoadedModel(stateDict: Fixture.safetensors("srvgg_x4.weights.safetensors"), name: "psnr")
        let b = try LoadedModel(stateDict: randomLike(a.detected.stateDict, seed: 17), name: "gan")
        let blender = try ModelBlender(psnr: a, gan: b)
        let x = randomTensor(channels: 3, height: 5, width: 6, seed: 8)
        let pool = ThreadPool(threads: 1)
        for alpha: Float in [0.2, 0.8] {
            let viaBlender = try blender.model(alpha: alpha)
            let direct = try NetworkRegistry.interpolate(a.detected, b.detected, alpha: alpha)
            XCTAssertEqual(viaBlender.detected.stateDict, direct.stateDict)
            XCTAssertEqual(try viaBlender.network.forward(x, pool: pool, cancel: nil),
                           try direct.network.forward(x, pool: pool, cancel: nil))
        }
        let other = try LoadedModel(stateDict: Fixture.safetensors("msrresnet_x4.weights.safetensors"), name: "m")
        XCTAssertThrowsError(try ModelBlender(psnr: a, gan: other)) { e in
            XCTAssertTrue(String(describing: e).contains("SRVGGNetCompact"), "\(e)")
        }
        XCTAssertThrowsError(try blender.model(alpha: .nan))
    }

    func testRefusesIncompatiblePairsNamingTheKey() throws {
        let a = try Fixture.safetensors("rrdbnet_x4_basicsr.weights.safetensors")
        let c = try Fixture.safetensors("rrdbnet_x2_basicsr.weights.safetensors")
        XCTAssertThrowsError(try WeightInterpolator(a, c, nameA: "psnr.pth", nameB: "gan.pth")) { e in
            let d = String(describing: e)
            XCTAssertTrue(d.contains("conv_first.weight") && d.contains("[8, 3, 3, 3]") && d.contains("[8, 12, 3, 3]"), d)
        }
        var missing = a
        missing["body.1.rdb2.conv3.bias"] = nil
        XCTAssertThrowsError(try WeightInterpolator(a, missing)) { e in
            XCTAssertTrue(String(describing: e).contains("body.1.rdb2.conv3.bias"))
        }
        let srvgg = try NetworkRegistry.detect(Fixture.safetensors("srvgg_x4.weights.safetensors"), source: "s")
        let rrdb = try NetworkRegistry.detect(a, source: "r")
        XCTAssertThrowsError(try NetworkRegistry.interpolate(rrdb, srvgg, alpha: 0.5))
    }

    /// Benchmark-style: blend of a full-size RRDBNet (23 blocks, 64 feat, 32 growth: 16.7 M
    /// parameters) into a reused buffer with 2 threads; prints the median, asserts only results.
    func testBlendSpeedFullSizeRRDBNet() throws {
        let a = StateDict.rrdbNetShapes(fill: 0.25), b = StateDict.rrdbNetShapes(fill: 0.75)
        let n = a.parameterCount
        XCTAssertEqual(n, 16_697_987)
        let interp = try WeightInterpolator(a, b)
        let pool = ThreadPool(threads: 2)
        var out: [Float] = []
        interp.blend(alpha: 0.5, into: &out, pool: pool)
        var times: [Double] = []
        for i in 0..<9 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            interp.blend(alpha: Float(i) / 8, into: &out, pool: pool)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        times.sort()
        let gbps = Double(3 * 4 * n) / (times[4] * 1e6)
        print(String(format: "blend %d params, 2 threads, reused buffer: median %.2f ms (min %.2f, max %.2f), %.1f GB/s moved at the median",
                     n, times[4], times[0], times[8], gbps))
        XCTAssertEqual(out[1234], 0.75, accuracy: 1e-6)  // last blend had α = 1
        XCTAssertEqual(interp.blend(alpha: 0.8, pool: pool)["conv_hr.bias"]!.values[3], 0.65, accuracy: 1e-6)
    }
}

private extension StateDict {
    /// Every key and shape of RealESRGAN_x4plus (RRDBNet 23×64, growth 32), constant-filled.
    static func rrdbNetShapes(fill: Float) -> StateDict {
        var sd = StateDict()
        func conv(_ k: String, _ o: Int, _ i: Int) {
            sd[k + ".weight"] = WeightTensor(shape: [o, i, 3, 3], values: [Float](repeating: fill, count: o * i * 9))
            sd[k + ".bias"] = WeightTensor(shape: [o], values: [Float](repeating: fill, count: o))
        }
        conv("conv_first", 64, 3)
        for n in 0..<23 { for r in 1...3 { for c in 1...5 {
            conv("body.\(n).rdb\(r).conv\(c)", c == 5 ? 64 : 32, 64 + (c - 1) * 32)
        } } }
        for k in ["conv_body", "conv_up1", "conv_up2", "conv_hr"] { conv(k, 64, 64) }
        conv("conv_last", 3, 64)
        return sd
    }
}
