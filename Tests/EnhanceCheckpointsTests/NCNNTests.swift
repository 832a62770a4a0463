import Foundation
import XCTest
@testable import EnhanceCheckpoints

final class NCNNTests: XCTestCase {
    private func realESRGAN() throws -> NCNNNet {
        let param = try Fixtures.shared("weights/realesrgan-x4plus-ncnn/realesrgan-x4plus.param")
        return try NCNN.read(paramPath: param)
    }

    func testRealESRGANStructure() throws {
        let net = try realESRGAN()
        XCTAssertEqual(net.layers.count, 999)
        XCTAssertEqual(net.blobCount, 1782)
        var counts: [String: Int] = [:]
        for l in net.layers { counts[l.type, default: 0] += 1 }
        XCTAssertEqual(counts, ["Input": 1, "Convolution": 351, "Split": 276, "Concat": 276, "Eltwise": 92,
                                "BinaryOp": 1, "Interp": 2])
        let convs = net.layers.filter { $0.type == "Convolution" }
        XCTAssertEqual(convs.first?.weights.map(\.shape), [[64, 3, 3, 3], [64]])
        XCTAssertEqual(convs.last?.weights.map(\.shape), [[3, 64, 3, 3], [3]])
        XCTAssertEqual(convs.last?.tops, ["output"])
        // Dense block convs: growth 32, inputs 64 + 32k.
        XCTAssertEqual(convs[1...5].map { $0.weights[0].shape }, [[32, 64, 3, 3], [32, 96, 3, 3], [32, 128, 3, 3],
                                                                    [32, 160, 3, 3], [64, 192, 3, 3]])
        XCTAssertEqual(convs[1].int(9), 2, "fused leaky ReLU")
        XCTAssertEqual(convs[1].params[10], .floatArray([0.2]))
        XCTAssertEqual(net.layer(named: "Add_16")?.params[1], .floatArray([0.2, 1.0]))
        let interp = try XCTUnwrap(net.layer(named: "Resize_1177"))
        XCTAssertEqual(interp.int(0), 1)
        XCTAssertEqual(interp.float(1), 2)
        XCTAssertEqual(interp.params[1], .float(2))
        var parameters = 0
        for c in convs {
            XCTAssertEqual(c.weights[0].dtype, .float16, c.name)
            XCTAssertEqual(c.weights[1].dtype, .float32, c.name)
            for w in c.weights {
                parameters += w.values.count
                XCTAssertTrue(w.allFinite, c.name)
            }
        }
        XCTAssertEqual(parameters, 16_697_987, "RRDBNet x4plus parameter count")
    }

    /// Conv_0 and the last conv, as recovered by running ncnn itself on delta images.
    func testRealESRGANWeightsMatchNcnnOracle() throws {
        let net = try realESRGAN()
        let oracle = try Fixtures.expected("realesrgan_ncnn_oracle.json")
        for name in ["Conv_0", "Conv_1186"] {
            let layer = try XCTUnwrap(net.layer(named: name))
            let e = try XCTUnwrap(oracle[name] as? [String: Any])
            let weight = try XCTUnwrap(e["weight"] as? [Double]), bias = try XCTUnwrap(e["bias"] as? [Double])
            XCTAssertEqual(layer.weights[0].shape, e["shape"] as? [Int])
            XCTAssertEqual(layer.weights[0].values.count, weight.count)
            for (i, (ours, theirs)) in zip(layer.weights[0].values, weight).enumerated() {
                XCTAssertEqual(Double(ours), theirs, accuracy: 2e-7 * (1 + abs(theirs)), "\(name) weight \(i)")
            }
            for (ours, theirs) in zip(layer.weights[1].values, bias) {
                XCTAssertEqual(Double(ours), theirs, accuracy: 1e-7 * (1 + abs(theirs)), "\(name) bias")
            }
        }
    }

    func testSharedWeightHashesMatchReadme() throws {
        let dir = try Fixtures.shared("weights/realesrgan-x4plus-ncnn")
        XCTAssertEqual(try CheckpointFile.sha256Hex(path: dir + "/realesrgan-x4plus.param"),
                       "35330ececcea33b6c397a72548e788d5d53becee4734c50b7fada36e89f10a86")
        XCTAssertEqual(try CheckpointFile.sha256Hex(path: dir + "/realesrgan-x4plus.bin"),
                       "713ee713b0353afaa27976f0563a64a5043bd70b9bd8936c2e26e25ebcdbcddf")
    }

    // MARK: synthetic graphs (format edge cases)

    private func bin(_ parts: [[UInt8]]) -> [UInt8] { parts.flatMap { $0 } }
    private func f32(_ v: [Float]) -> [UInt8] { v.flatMap { f -> [UInt8] in var b: [UInt8] = []; b.appendLE(f.bitPattern); return b } }
    private func tag(_ t: UInt32) -> [UInt8] { var b: [UInt8] = []; b.appendLE(t); return b }

    func testSyntheticGraphWithPReLUAndFp32Conv() throws {
        let param = """
        7767517
        4 4
        Input in 0 1 data 0=2 1=2 2=1
        Convolution conv 1 1 data c 0=2 1=1 11=1 5=1 6=2
        PReLU act 1 1 c p 0=2
        PixelShuffle ps 1 1 p out 0=2 -23301=2,1,-3
        """
        let blob = bin([tag(0), f32([1.5, -2]), f32([0.25, 0.5]), f32([0.1, 0.2])])
        let net = try NCNN.decode(paramText: param, paramFile: "t.param", binBytes: blob, binFile: "t.bin")
        let conv = try XCTUnwrap(net.layer(named: "conv"))
        XCTAssertEqual(conv.weights, [WeightTensor(shape: [2, 1, 1, 1], values: [1.5, -2]), WeightTensor(shape: [2], values: [0.25, 0.5])])
        XCTAssertEqual(net.layer(named: "act")?.weights, [WeightTensor(shape: [2], values: [0.1, 0.2])])
        XCTAssertEqual(net.layer(named: "ps")?.params[1], .intArray([1, -3]), "-23301 array stored under id 1")
        XCTAssertEqual(net.layer(named: "ps")?.params[0], .int(2))
        XCTAssertEqual(net.layer(named: "ps")?.bottoms, ["p"])
    }

    func testSyntheticDepthwiseBatchNormInnerProduct() throws {
        let param = """
        7767517
        5 5
        Input in 0 1 data 0=1 1=1 2=2
        ConvolutionDepthWise dw 1 1 data d 0=2 1=3 11=1 5=0 6=6 7=2
        BatchNorm bn 1 1 d b 0=2
        InnerProduct fc 1 1 b f 0=1 1=1 2=2
        ReLU relu 1 1 f out 0=1.000000e-01
        """
        let blob = bin([tag(0), f32([1, 2, 3, 4, 5, 6]), f32([1, 1, 0, 0, 1, 2, 0, 0]), tag(0x0130_6B47), [0x00, 0x3C, 0x00, 0x40], f32([0.5])])
        let net = try NCNN.decode(paramText: param, paramFile: "t.param", binBytes: blob, binFile: "t.bin")
        XCTAssertEqual(net.layer(named: "dw")?.weights, [WeightTensor(shape: [2, 1, 1, 3], values: [1, 2, 3, 4, 5, 6])])
        XCTAssertEqual(net.layer(named: "bn")?.weights.map(\.values), [[1, 1], [0, 0], [1, 2], [0, 0]])
        XCTAssertEqual(net.layer(named: "fc")?.weights, [WeightTensor(shape: [1, 2], values: [1, 2], dtype: .float16),
                                                         WeightTensor(shape: [1], values: [0.5])])
        XCTAssertEqual(net.layer(named: "relu")?.float(0), 0.1)
        XCTAssertEqual(net.layer(named: "dw")?.int(11, default: -1), 1)
    }

    func testSyntheticErrors() {
        let header = "7767517\n2 2\nInput in 0 1 data\n"
        let conv = "Convolution conv 1 1 data c 0=1 1=1 5=1 6=1\n"
        let one = f32([1]), bias = f32([0])
        let cases: [(String, [UInt8], String, String)] = [
            (header + conv, bin([tag(0x000D_4B38), [1, 0, 0, 0], bias]), "int8", "t.bin"),
            (header + conv, bin([tag(0), one]), "truncated", "t.bin"),
            (header + conv, bin([tag(0), one, bias, [0, 0]]), "trailing", "t.bin"),
            (header + "Deconvolution d 1 1 data c 0=1\n", [], "unsupported layer type 'Deconvolution'", "t.param"),
            (header + "Convolution conv 1 1 nowhere c 0=1\n", [], "before any layer produces it", "t.param"),
            ("7767518\n", [], "magic", "t.param"),
            (header, [], "declares 2 layers", "t.param"),
            (header + "ReLU r 1 1 data c 0=abc\n", [], "bad value", "t.param"),
            (header + "ReLU r 1 1 data c 0=1 0=2\n", [], "given twice", "t.param"),
            (header + "Convolution conv 1 1 data c 0=2 1=3 6=10\n", [UInt8](repeating: 0, count: 64), "not a multiple", "t.bin"),
        ]
        for (param, blob, fragment, file) in cases {
            Fixtures.assertRefused(file, fragment) {
                _ = try NCNN.decode(paramText: param, paramFile: "t.param", binBytes: blob, binFile: "t.bin")
            }
        }
    }
}
