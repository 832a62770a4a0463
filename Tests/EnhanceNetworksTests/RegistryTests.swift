import EnhanceCheckpoints
@testable import EnhanceNetworks
import EnhanceTensor
import XCTest

/// The registry and the architecture folders, for every family it lists (none is named here, so a
/// new folder is covered by adding its registry line).
final class RegistryTests: XCTestCase {
    func testFamilyNamesAreUniqueAndEveryFamilyHasACanonicalLayout() {
        let names = NetworkRegistry.familyNames
        XCTAssertEqual(Set(names).count, names.count, "\(names)")
        XCTAssertFalse(names.isEmpty)
        for f in NetworkRegistry.families { XCTAssertFalse(f.canonicalLayout.isEmpty, f.name) }
    }

    /// Each bench configuration's synthesised weights are detected as their own family only (the
    /// detection conditions are disjoint), described with the configuration's hyper-parameters, and
    /// build a network that runs.
    func testBenchConfigurationsRoundTripThroughDetection() throws {
        for (name, _) in NetworkRegistry.benchmarks {
            let sd = try XCTUnwrap(try NetworkRegistry.benchmarkWeights(name, seed: 1))
            let owner = try XCTUnwrap(NetworkRegistry.families.first { $0.benchmarks.contains { $0.name == name } })
            let matching = NetworkRegistry.families.filter { $0.detection.holds(in: sd.shapes) }.map { $0.name }
            XCTAssertEqual(matching, [owner.name], name)
            let d = try NetworkRegistry.describe(sd.shapes, source: name)
            let entry = try XCTUnwrap(owner.benchmarks.first { $0.name == name })
            XCTAssertEqual(d.family, owner.name)
            XCTAssertEqual(d.hyperParameters.map(\.value), entry.config.hyperParameters.map(\.value), name)
            XCTAssertEqual(d.shapes.keys, sd.keys, "\(name): the tree declares exactly the synthesised tensors")
        }
    }

    /// A family's weights with one declared tensor removed, or one extra, are refused naming the key.
    func testEveryFamilyIsStrictAboutItsKeys() throws {
        for fixture in ["rrdbnet_x4_basicsr", "msrresnet_x4", "srgan_bn_x4", "srvgg_x4", "plksr_x4_ccm",
                        "realplksr_x2_dysample", "hat_x2", "hat_x1_identity", "dat_x4",
                        "dat_light_x3"] {
            let sd = try Fixture.safetensors(fixture + ".weights.safetensors")
            let family = try NetworkRegistry.describe(sd.shapes, source: fixture).architecture
            // A tensor from the middle whose absence still leaves the family detected.
            let victim = try XCTUnwrap(sd.keys[(sd.keys.count / 2)...].first { k in
                var rest = sd
                rest[k] = nil
                return family.detection.holds(in: rest.shapes)
            })
            var missing = sd
            missing[victim] = nil
            XCTAssertThrowsError(try NetworkRegistry.detect(missing, source: "m.pth"), fixture) { e in
                XCTAssertTrue("\(e)".contains(victim) && "\(e)".hasPrefix("m.pth: "), "\(e)")
            }
            var extra = sd
            extra["extra.head.weight"] = WeightTensor(shape: [2], values: [1, 2])
            XCTAssertThrowsError(try NetworkRegistry.detect(extra, source: "x.pth"), fixture) { e in
                XCTAssertTrue("\(e)".contains("'extra.head.weight'") && "\(e)".contains("not used"), "\(e)")
            }
            var misshaped = sd
            let t = try XCTUnwrap(sd[victim])
            misshaped[victim] = WeightTensor(shape: [t.values.count + 1], values: t.values + [0])
            XCTAssertThrowsError(try NetworkRegistry.detect(misshaped, source: "s.pth"), fixture) { e in
                XCTAssertTrue("\(e)".contains(victim), "\(e)")
            }
        }
    }

    /// The described kernel memory, from hand counts: the tiny RRDBNet (8 features) runs every conv
    /// on CHW F(4×4) (36 floats per 3×3 weight pair); a 64-feature, 32-growth one runs its trunk
    /// channel-packed (64 floats per pair) and only the first and last convs CHW.
    func testPreparedKernelBytesFollowTheLayouts() throws {
        let tiny = try NetworkRegistry.describe(
            try Fixture.safetensors("rrdbnet_x4_basicsr.weights.safetensors").shapes, source: "tiny")
        let pairs = tiny.layers.reduce(0) { $0 + $1.inChannels * $1.outChannels }
        XCTAssertEqual(tiny.preparedKernelBytes, 4 * 36 * pairs)
        XCTAssertTrue(tiny.layers.allSatisfy { $0.layout == .chw })

        let sd = try XCTUnwrap(try NetworkRegistry.benchmarkWeights("rrdbnet", seed: 2))
        let big = try NetworkRegistry.describe(sd.shapes, source: "big")
        let nf = 64, gc = 32, blocks = 23
        let dense = (0..<5).reduce(0) { $0 + (nf + $1 * gc) * ($1 == 4 ? nf : gc) }
        let packed = blocks * 3 * dense + 4 * nf * nf, chw = 3 * nf + nf * 3
        XCTAssertEqual(big.preparedKernelBytes, 4 * (64 * packed + 36 * chw))
        XCTAssertEqual(big.loadNeed(fileBytes: 1000), 1000 + 4 * sd.parameterCount + big.preparedKernelBytes)
    }

    /// Layouts travel with the tensors: packing, a packed convolution, nearest upsampling, rows and
    /// concatenation keep `.packed16` and equal the CHW path unpacked.
    func testPackedLayoutIsKeptThroughTheOps() {
        let pool = ThreadPool(threads: 2)
        let x = randomTensor(channels: 32, height: 7, width: 5, seed: 9)
        let p = Packed16.pack(x, pool: pool)
        XCTAssertEqual(p.layout, .packed16)
        XCTAssertEqual(x.layout, .chw)
        let up = upsampleNearest(p, factor: 2, pool: pool)
        XCTAssertEqual(up.layout, .packed16)
        XCTAssertEqual(Packed16.unpack(up, pool: pool), upsampleNearest(x, factor: 2))
        XCTAssertEqual(Packed16.unpack(p.rows(2..<5), pool: pool), x.rows(2..<5))
        XCTAssertEqual(Packed16.unpack(concatChannels([p, p]), pool: pool), concatChannels([x, x]))
        let w = randomTensor(channels: 32 * 32, height: 3, width: 3, seed: 4).data.map { $0 * 0.1 }
        let packedConv = Conv2D(weight: w, bias: nil, inChannels: 32, outChannels: 32, kernelSize: 3, layout: .packed16)
        let chwConv = Conv2D(weight: w, bias: nil, inChannels: 32, outChannels: 32, kernelSize: 3)
        let y = packedConv([p], activation: .relu, pool: pool)
        XCTAssertEqual(y.layout, .packed16)
        XCTAssertLessThan(maxRelativeError(Packed16.unpack(y, pool: pool), chwConv([x], activation: .relu, pool: pool)),
                          1e-4)
    }
}
