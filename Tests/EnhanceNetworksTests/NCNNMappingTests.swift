import EnhanceCheckpoints
import EnhanceNetworks
import XCTest

/// The ncnn → BasicSR mapping on an in-memory graph laid out like Real-ESRGAN's export.
final class NCNNMappingTests: XCTestCase {
    /// Convolution layers (with Interp between the upsampling convs) carrying the tiny fixture's
    /// weights, in BasicSR execution order, activations fused as the ncnn export does.
    private func graph(from sd: StateDict, breakActivationOf broken: String? = nil) -> NCNNNet {
        var names = ["conv_first"]
        for n in 0..<2 { for r in 1...3 { for c in 1...5 { names.append("body.\(n).rdb\(r).conv\(c)") } } }
        names += ["conv_body", "conv_up1", "conv_up2", "conv_hr", "conv_last"]
        var layers = [NCNNNet.Layer(type: "Input", name: "in", bottoms: [], tops: ["data"])]
        for (i, name) in names.enumerated() {
            let w = sd[name + ".weight"]!
            let leaky = (name.hasPrefix("body.") && !name.hasSuffix("conv5")) || ["conv_up1", "conv_up2", "conv_hr"].contains(name)
            var params: [Int: NCNNParam] = [0: .int(w.shape[0]), 1: .int(3), 4: .int(1), 5: .int(1),
                                            6: .int(w.values.count)]
            if leaky != (name == broken) { params[9] = .int(2); params[10] = .floatArray([0.2]) }
            if name == "conv_up1" || name == "conv_up2" {
                layers.append(NCNNNet.Layer(type: "Interp", name: "up\(i)", bottoms: ["b\(i - 1)"], tops: ["u\(i)"],
                                            params: [0: .int(1), 1: .float(2), 2: .float(2)]))
            }
            layers.append(NCNNNet.Layer(type: "Convolution", name: "Conv_\(i)", bottoms: ["b\(i - 1)"], tops: ["b\(i)"],
                                        params: params, weights: [w, sd[name + ".bias"]!]))
        }
        return NCNNNet(layers: layers, blobCount: layers.count + 1)
    }

    func testMapsGraphOrderOntoBasicSRKeys() throws {
        let sd = try Fixture.safetensors("rrdbnet_x4_basicsr.weights.safetensors")
        let m = try NetworkRegistry.detect(ncnn: graph(from: sd), source: "tiny.param")
        XCTAssertEqual(m.modelDescription.keyLayout, "ncnn")
        XCTAssertEqual([m.modelDescription.hyperParameter("blocks"), m.modelDescription.hyperParameter("num_feat"), m.modelDescription.hyperParameter("num_grow_ch") ?? 0, m.modelDescription.scale], [2, 8, 4, 4])
        for k in sd.keys { XCTAssertEqual(m.stateDict[k], sd[k], k) }
    }

    func testRejectsMismatchedActivationNamingTheLayer() throws {
        let sd = try Fixture.safetensors("rrdbnet_x4_basicsr.weights.safetensors")
        XCTAssertThrowsError(try NetworkRegistry.detect(ncnn: graph(from: sd, breakActivationOf: "body.1.rdb2.conv5"),
                                                        source: "tiny.param")) { e in
            let d = String(describing: e)
            XCTAssertTrue(d.contains("tiny.param") && d.contains("body.1.rdb2.conv5"), d)
        }
        var g = graph(from: sd)
        g.layers.append(NCNNNet.Layer(type: "Softmax", name: "sm", bottoms: ["x"], tops: ["y"]))
        XCTAssertThrowsError(try NetworkRegistry.detect(ncnn: g, source: "odd.param")) { e in
            XCTAssertTrue(String(describing: e).contains("Softmax"))
        }
    }
}
