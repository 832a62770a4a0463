import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import XCTest

/// Each architecture against onnxruntime running an independently built ONNX graph of the same
/// tiny random-weight net (fixtures: scripts/oracles/make_ort_fixtures.py).
final class ArchitectureOracleTests: XCTestCase {
    private func check(_ name: String, _ arch: Architecture, scale: Int, layout: String,
                       file: StaticString = #filePath, line: UInt = #line) throws -> DetectedModel {
        let sd = try Fixture.safetensors(name + ".weights.safetensors")
        let model = try NetworkRegistry.detect(sd, source: name)
        XCTAssertEqual(model.spec.architecture, arch, file: file, line: line)
        XCTAssertEqual(model.spec.scale, scale, file: file, line: line)
        XCTAssertEqual(model.spec.keyLayout, layout, file: file, line: line)
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
        let m = try check("rrdbnet_x4_basicsr", .rrdbNet, scale: 4, layout: "BasicSR")
        XCTAssertEqual(m.spec.numBlocks, 2)
        XCTAssertEqual(m.spec.numFeat, 8)
        XCTAssertEqual(m.spec.growChannels, 4)
    }

    /// The ×4 tail run on strips of 2 and 4 rows equals onnxruntime, and the tail run whole.
    func testRRDBNetStripedTailMatchesOracleAndWholeTail() throws {
        for name in ["rrdbnet_x4_basicsr", "rrdbnet_x2_basicsr"] {
            let model = try NetworkRegistry.detect(try Fixture.safetensors(name + ".weights.safetensors"), source: name)
            let net = try XCTUnwrap(model.network as? RRDBNet)
            let (x, expected) = try Fixture.io(name)
            XCTAssertGreaterThan(x.height / net.unshuffle, 4, "the fixture must be taller than the strips")
            let pool = ThreadPool(threads: 2)
            net.tailStripRows = 1 << 20
            let whole = try net.forward(x, pool: pool, cancel: nil)
            for rows in [2, 4] {
                net.tailStripRows = rows
                let y = try net.forward(x, pool: pool, cancel: nil)
                XCTAssertLessThan(maxRelativeError(y, expected), 1e-4, "\(name) strips of \(rows)")
                XCTAssertLessThan(maxRelativeError(y, whole), 1e-5, "\(name) strips of \(rows) vs whole tail")
            }
            net.tailStripRows = nil
        }
    }

    /// MSRResNet's tail (pixel shuffles, HR conv, bilinear residual) on strips equals onnxruntime.
    func testMSRResNetStripedTailMatchesOracleAndWholeTail() throws {
        for name in ["msrresnet_x4", "msrresnet_x3"] {
            let model = try NetworkRegistry.detect(try Fixture.safetensors(name + ".weights.safetensors"), source: name)
            let net = try XCTUnwrap(model.network as? MSRResNet)
            let (x, expected) = try Fixture.io(name)
            XCTAssertGreaterThan(x.height, 4, "the fixture must be taller than the strips")
            let pool = ThreadPool(threads: 2)
            net.tailStripRows = 1 << 20
            let whole = try net.forward(x, pool: pool, cancel: nil)
            for rows in [2, 4] {
                net.tailStripRows = rows
                let y = try net.forward(x, pool: pool, cancel: nil)
                XCTAssertLessThan(maxRelativeError(y, expected), 1e-4, "\(name) strips of \(rows)")
                XCTAssertLessThan(maxRelativeError(y, whole), 1e-5, "\(name) strips of \(rows) vs whole tail")
            }
            net.tailStripRows = nil
        }
    }

    func testRRDBNetX4OldESRGANKeys() throws {
        let m = try check("rrdbnet_x4_old", .rrdbNet, scale: 4, layout: "ESRGAN")
        XCTAssertEqual(m.spec.numBlocks, 3)
        XCTAssertNotNil(m.stateDict["conv_body.weight"])
        XCTAssertNotNil(m.stateDict["body.2.rdb3.conv5.bias"])
    }

    func testRRDBNetX2PixelUnshuffle() throws {
        let m = try check("rrdbnet_x2_basicsr", .rrdbNet, scale: 2, layout: "BasicSR")
        XCTAssertEqual(m.network.inputMultiple, 2)
    }

    func testRRDBNetX1PixelUnshuffle() throws {
        let m = try check("rrdbnet_x1_basicsr", .rrdbNet, scale: 1, layout: "BasicSR")
        XCTAssertEqual(m.network.inputMultiple, 4)
    }

    func testMSRResNetX4() throws {
        let m = try check("msrresnet_x4", .msrResNet, scale: 4, layout: "BasicSR")
        XCTAssertEqual(m.spec.numBlocks, 2)
    }

    func testSRGANWithBatchNorm() throws {
        let m = try check("srgan_bn_x4", .srganGenerator, scale: 4, layout: "leftthomas")
        XCTAssertEqual(m.spec.numBlocks, 5)
    }

    func testSRVGGNetCompact() throws {
        let m = try check("srvgg_x4", .srvggNetCompact, scale: 4, layout: "Real-ESRGAN")
        XCTAssertEqual(m.spec.numBlocks, 3)
    }

    func testMSRResNetX3SinglePixelShuffle() throws {
        let m = try check("msrresnet_x3", .msrResNet, scale: 3, layout: "BasicSR")
        XCTAssertEqual(m.spec.numFeat, 8)
    }

    func testSRVGGNetCompactX2() throws {
        let m = try check("srvgg_x2", .srvggNetCompact, scale: 2, layout: "Real-ESRGAN")
        XCTAssertEqual(m.spec.numBlocks, 2)
    }

    func testWrapperPrefixesAreStripped() throws {
        let sd = try Fixture.safetensors("srvgg_x4.weights.safetensors")
        var wrapped = StateDict()
        for k in sd.keys {
            wrapped["params_ema.module.\(k)"] = sd[k]
            wrapped["params.module.\(k)"] = WeightTensor(shape: sd[k]!.shape, values: sd[k]!.values.map { $0 + 1 })
        }
        let m = try NetworkRegistry.detect(wrapped, source: "wrapped.pth")
        XCTAssertEqual(m.spec.architecture, .srvggNetCompact)
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
