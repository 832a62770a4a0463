import EnhanceCheckpoints
import EnhanceNetworks
import Foundation
import XCTest

/// Strict keys: every tensor of a checkpoint must be used by the detected network, except inert
/// entries (counters, the other wrappers' weights), which inspection lists.
final class StrictKeysTests: XCTestCase {
    private func refusal(_ sd: StateDict) -> String? {
        do {
            _ = try NetworkRegistry.detect(sd, source: "ckpt.safetensors")
            return nil
        } catch {
            return "\(error)"
        }
    }

    func testEveryFixtureArchitectureUsesAllItsTensors() throws {
        for name in ["msrresnet_x4", "msrresnet_x3", "rrdbnet_x1_basicsr", "rrdbnet_x2_basicsr", "rrdbnet_x4_basicsr",
                     "rrdbnet_x4_old", "srgan_bn_x4", "srvgg_x2", "srvgg_x4"] {
            let sd = try Fixture.safetensors("\(name).weights.safetensors")
            XCTAssertNil(refusal(sd), name)
        }
    }

    func testExtraTensorIsRefusedNamingIt() throws {
        for name in ["msrresnet_x4", "rrdbnet_x4_basicsr", "srgan_bn_x4", "srvgg_x4"] {
            var sd = try Fixture.safetensors("\(name).weights.safetensors")
            sd["body.99.extra.weight"] = WeightTensor(shape: [2, 2], values: [1, 2, 3, 4])
            let text = try XCTUnwrap(refusal(sd), "\(name): extra tensor accepted")
            let want = "ckpt.safetensors: tensor 'body.99.extra.weight' [2, 2] is not used by the detected"
            XCTAssertTrue(text.hasPrefix(want), text)
            XCTAssertFalse(text.contains("\n"))
        }
        // A bias the network does not have (MSRResNet conv_last is built with the bias it finds, so
        // use a layer name that does not exist) and two extras: the first is named, the rest counted.
        var sd = try Fixture.safetensors("msrresnet_x4.weights.safetensors")
        sd["aux_head.weight"] = WeightTensor(shape: [1], values: [0])
        sd["aux_head.bias"] = WeightTensor(shape: [1], values: [0])
        let text = try XCTUnwrap(refusal(sd))
        XCTAssertTrue(text.contains("'aux_head.weight'") && text.contains("nor are 1 more"), text)
    }

    func testInertEntriesAreAcceptedAndListed() throws {
        let base = try Fixture.safetensors("msrresnet_x4.weights.safetensors")
        var wrapped = StateDict()
        for k in base.keys {
            wrapped["params_ema." + k] = base[k]
            wrapped["params." + k] = base[k]
        }
        wrapped["params_ema.body.0.num_batches_tracked"] = WeightTensor(shape: [], values: [3])
        let m = try LoadedModel(stateDict: wrapped, name: "w")
        XCTAssertEqual(m.info.architecture, "MSRResNet")
        XCTAssertEqual(m.detected.stateDict.keys, base.keys, "EMA weights only, counter dropped")
        XCTAssertEqual(Set(m.info.ignoredKeys), Set(base.keys.map { "params." + $0 } + ["body.0.num_batches_tracked"]))
        let row = try XCTUnwrap(m.info.rows.first { $0.0 == "ignored keys" }?.1)
        XCTAssertTrue(row.hasPrefix("\(base.count + 1): "), row)
    }
}
