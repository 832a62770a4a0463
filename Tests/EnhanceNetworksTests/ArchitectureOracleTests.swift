import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import XCTest

/// Each architecture against onnxruntime running an independently built ONNX graph of the same
/// tiny random-weight net (fixtures: scripts/oracles/make_ort_fixtures.py).
final class ArchitectureOracleTests: XCTestCase {
    private func check(_ name: String, _ arch: String, scale: Int, layout: String,
                       file: StaticString = #filePath, line: UInt = #line) throws -> DetectedModel {
        let sd = try Fixture.safetensors(name + ".weights.safetensors")
        let model = try NetworkRegistry.detect(sd, source: name)
        XCTAssertEqual(model.modelDescription.family, arch, file: file, line: line)
        XCTAssertEqual(model.modelDescription.scale, scale, file: file, line: line)
        XCTAssertEqual(model.modelDescription.keyLayout, layout, file: file, line: line)
        let (x, expected) = try Fixture.io(name)
        let y = try model.network.forward(x, pool: ThreadPool(threads: 2), cancel: nil)
        XCTAssertEqual([y.channels, y.height, y.width], [expected.channels, expected.height, expected.width],
                       file: file, line: line)
        let err = maxRelativeError(y, expected)
        print("\(name): max relative error vs onnxruntime \(err)")
        XCTAssertLessThan(err, 1e-4, name, file: file, line: line)
        return model
    }

    func testRRDBNetX4BasicSR() throws {
        let m = try check("rrdbnet_x4_basicsr", "RRDBNet", scale: 4, layout: "BasicSR")
        XCTAssertEqual(m.modelDescription.hyperParameter("blocks"), 2)
        XCTAssertEqual(m.modelDescription.hyperParameter("num_feat"), 8)
        XCTAssertEqual(m.modelDescription.hyperParameter("num_grow_ch"), 4)
    }

    /// The upsampling tail run on strips of 2 and 4 rows equals onnxruntime, and the tail run whole.
    /// (``ForwardOptions/tailStripRows``).
    private func checkStripedTail(_ name: String) throws {
        let model = try NetworkRegistry.detect(try Fixture.safetensors(name + ".weights.safetensors"), source: name)
        let (x, expected) = try Fixture.io(name)
        XCTAssertGreaterThan(x.height / model.network.inputMultiple, 4, "\(name): taller than the strips")
        let pool = ThreadPool(threads: 2)
        let whole = try model.network.forward(x, pool: pool, cancel: nil, options: .init(tailStripRows: 1 << 20))
        for rows in [2, 4] {
            let y = try model.network.forward(x, pool: pool, cancel: nil, options: .init(tailStripRows: rows))
            XCTAssertLessThan(maxRelativeError(y, expected), 1e-4, "\(name) strips of \(rows)")
            XCTAssertLessThan(maxRelativeError(y, whole), 1e-5, "\(name) strips of \(rows) vs whole tail")
        }
    }

    func testRRDBNetStripedTailMatchesOracleAndWholeTail() throws {
        for name in ["rrdbnet_x4_basicsr", "rrdbnet_x2_basicsr"] { try checkStripedTail(name) }
    }

    /// MSRResNet's tail: pixel shuffles, HR conv and the bilinear residual.
    func testMSRResNetStripedTailMatchesOracleAndWholeTail() throws {
        for name in ["msrresnet_x4", "msrresnet_x3", "msrresnet_x4_nf32"] { try checkStripedTail(name) }
    }

    /// 32 features: the body and the whole tail run channel-packed (sub-position-major shuffles,
    /// conv_last reading the packed map), and blends build the same reordered kernels.
    func testMSRResNetPackedTail() throws {
        let m = try check("msrresnet_x4_nf32", "MSRResNet", scale: 4, layout: "BasicSR")
        let layers = m.modelDescription.layers
        XCTAssertEqual(layers.first { $0.name == "upconv2" }?.layout, .packed16)
        XCTAssertEqual(layers.first { $0.name == "conv_hr" }?.layout, .packed16)
    }

    func testRRDBNetX4OldESRGANKeys() throws {
        let m = try check("rrdbnet_x4_old", "RRDBNet", scale: 4, layout: "ESRGAN")
        XCTAssertEqual(m.modelDescription.hyperParameter("blocks"), 3)
        XCTAssertNotNil(m.stateDict["conv_body.weight"])
        XCTAssertNotNil(m.stateDict["body.2.rdb3.conv5.bias"])
    }

    func testRRDBNetX2PixelUnshuffle() throws {
        let m = try check("rrdbnet_x2_basicsr", "RRDBNet", scale: 2, layout: "BasicSR")
        XCTAssertEqual(m.network.inputMultiple, 2)
    }

    func testRRDBNetX1PixelUnshuffle() throws {
        let m = try check("rrdbnet_x1_basicsr", "RRDBNet", scale: 1, layout: "BasicSR")
        XCTAssertEqual(m.network.inputMultiple, 4)
    }

    func testMSRResNetX4() throws {
        let m = try check("msrresnet_x4", "MSRResNet", scale: 4, layout: "BasicSR")
        XCTAssertEqual(m.modelDescription.hyperParameter("blocks"), 2)
    }

    func testSRGANWithBatchNorm() throws {
        let m = try check("srgan_bn_x4", "SRGAN", scale: 4, layout: "leftthomas")
        XCTAssertEqual(m.modelDescription.hyperParameter("blocks"), 5)
    }

    func testSRVGGNetCompact() throws {
        let m = try check("srvgg_x4", "SRVGGNetCompact", scale: 4, layout: "Real-ESRGAN")
        XCTAssertEqual(m.modelDescription.hyperParameter("blocks"), 3)
    }

    func testMSRResNetX3SinglePixelShuffle() throws {
        let m = try check("msrresnet_x3", "MSRResNet", scale: 3, layout: "BasicSR")
        XCTAssertEqual(m.modelDescription.hyperParameter("num_feat"), 8)
    }

    func testSRVGGNetCompactX2() throws {
        let m = try check("srvgg_x2", "SRVGGNetCompact", scale: 2, layout: "Real-ESRGAN")
        XCTAssertEqual(m.modelDescription.hyperParameter("blocks"), 2)
    }

    func testWrapperPrefixesAreStripped() throws {
        let sd = try Fixture.safetensors("srvgg_x4.weights.safetensors")
        var wrapped = StateDict()
        for k in sd.keys {
            wrapped["params_ema.module.\(k)"] = sd[k]
            wrapped["params.module.\(k)"] = WeightTensor(shape: sd[k]!.shape, values: sd[k]!.values.map { $0 + 1 })
        }
        let m = try NetworkRegistry.detect(wrapped, source: "wrapped.pth")
        XCTAssertEqual(m.modelDescription.family, "SRVGGNetCompact")
        XCTAssertEqual(m.stateDict["body.0.weight"], sd["body.0.weight"], "EMA weights preferred")
    }

    func testUnknownLayoutNamesKeys() throws {
        var sd = StateDict()
        sd["encoder.stem.weight"] = WeightTensor(shape: [4, 3, 3, 3], values: [Float](repeating: 0, count: 108))
        XCTAssertThrowsError(try NetworkRegistry.detect(sd, source: "mystery.safetensors")) { e in
            let d = String(describing: e)
            XCTAssertTrue(d.contains("mystery.safetensors") && d.contains("encoder.stem.weight"), d)
            XCTAssertFalse(d.contains("\n"))
        }
    }

    func testBadInputTensorIsAnError() throws {
        let m = try NetworkRegistry.detect(Fixture.safetensors("rrdbnet_x1_basicsr.weights.safetensors"), source: "x1")
        let pool = ThreadPool(threads: 1)
        XCTAssertThrowsError(try m.network.forward(Tensor(channels: 3, height: 6, width: 8), pool: pool, cancel: nil))
        XCTAssertThrowsError(try m.network.forward(Tensor(channels: 1, height: 8, width: 8), pool: pool, cancel: nil))
    }

    func testWrongShapeIsAnErrorNotACrash() throws {
        var sd = try Fixture.safetensors("msrresnet_x4.weights.safetensors")
        sd["body.1.conv2.weight"] = WeightTensor(shape: [8, 7, 3, 3], values: [Float](repeating: 0, count: 504))
        XCTAssertThrowsError(try NetworkRegistry.detect(sd, source: "bad.pth")) { e in
            XCTAssertTrue(String(describing: e).contains("body.1.conv2"), String(describing: e))
        }
    }
}
