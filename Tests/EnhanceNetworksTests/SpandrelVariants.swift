import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// One spandrel fixture case: file stem, scale, hyper-parameters and settings `models inspect` shows.
typealias SpandrelCase = (name: String, scale: Int, parameters: [String: Int], settings: [String: String])

/// Loads every case from its `.weights.safetensors` and `.pth` by path as a user would, checks the
/// family, scale, key layout, hyper-parameters and settings, and compares the forward pass with
/// spandrel's output stored beside it: within 1e-4 of the output range and 1/255 in 8 bits.
func assertVariantsMatchSpandrel(_ cases: [SpandrelCase], family: String, pool: ThreadPool,
                                 file: StaticString = #filePath, line: UInt = #line) throws {
    for (name, scale, params, settings) in cases {
        let (x, expected) = try Fixture.io(name)
        for ext in ["weights.safetensors", "pth"] {
            let m = try ModelLoader.load(path: try Fixture.url("\(name).\(ext)").path)
            let d = m.detected.modelDescription
            XCTAssertEqual(d.family, family, name, file: file, line: line)
            XCTAssertEqual(d.scale, scale, name, file: file, line: line)
            XCTAssertEqual(d.keyLayout, family, name, file: file, line: line)
            for (k, v) in params { XCTAssertEqual(d.hyperParameter(k), v, "\(name) \(k)", file: file, line: line) }
            for (k, v) in settings {
                XCTAssertEqual(d.settings.first { $0.name == k }?.value, v, "\(name) \(k)", file: file, line: line)
            }
            let y = try m.network.forward(x, pool: pool, cancel: nil)
            XCTAssertEqual([y.channels, y.height, y.width], [3, x.height * scale, x.width * scale], name,
                           file: file, line: line)
            let err = PLKSRTests.errorOverRange(y, expected), levels = PLKSRTests.maxLevelDifference(y, expected)
            print("\(name).\(ext): max error \(err) of the output range vs spandrel, \(levels)/255 in 8 bits")
            XCTAssertLessThan(err, 1e-4, "\(name).\(ext)", file: file, line: line)
            XCTAssertLessThanOrEqual(levels, 1, "\(name).\(ext)", file: file, line: line)
        }
    }
}

/// A real-size model `m` against spandrel's output stored in `io` (`input`, `output` NCHW and
/// PyTorch's `parameters` count), within 1e-4 of the range and 1/255, then the 128×128 synthetic
/// picture run untiled: the pair (input, output) a seam measurement tiles.
func assertRealSizeMatchesSpandrel(_ m: LoadedModel, io: StateDict, name: String, pool: ThreadPool,
                                   file: StaticString = #filePath,
                                   line: UInt = #line) throws -> (big: Tensor, whole: Tensor) {
    XCTAssertEqual(Float(m.info.parameterCount), io["parameters"]?.values.first, name, file: file, line: line)
    func chw(_ k: String) -> Tensor {
        let t = io[k]!
        return Tensor(channels: t.shape[1], height: t.shape[2], width: t.shape[3], data: t.values)
    }
    let x = chw("input"), want = chw("output")
    var start = Date()
    let y = try m.network.forward(x, pool: pool, cancel: nil)
    let err = PLKSRTests.errorOverRange(y, want), levels = PLKSRTests.maxLevelDifference(y, want)
    print(String(format: "%@: max error %.3g of the output range [%.3f, %.3f] vs spandrel, %d/255 in "
                 + "8 bits (%.1f s)", name, err, want.data.min()!, want.data.max()!, levels,
                 Date().timeIntervalSince(start)))
    XCTAssertLessThan(err, 1e-4, name, file: file, line: line)
    XCTAssertLessThanOrEqual(levels, 1, name, file: file, line: line)
    let big = PLKSRTests.synthetic(height: 128, width: 128)
    start = Date()
    let whole = try m.network.forward(big, pool: pool, cancel: nil)
    print(String(format: "%@: 128×128 untiled in %.1f s, output range [%.3f, %.3f]", name,
                 Date().timeIntervalSince(start), whole.data.min()!, whole.data.max()!))
    return (big, whole)
}

/// The pair of fixture `first` and `<family>_blend_b` blended at the α stored in
/// `<family>_blend.io.safetensors` (lazy and eager kernels) against PyTorch's forward of the blended
/// state dict stored there (`make_blend_fixture.py FAMILY`); returns the blender, that α and the first end.
func assertBlendMatchesPyTorch(family: String, first: String, pool: ThreadPool, file: StaticString = #filePath,
                               line: UInt = #line) throws -> (blender: ModelBlender, alpha: Float, first: LoadedModel) {
    func model(_ name: String) throws -> LoadedModel {
        try LoadedModel(stateDict: Fixture.safetensors(name + ".weights.safetensors"), name: name)
    }
    let a = try model(first), b = try model(family + "_blend_b")
    let io = try Fixture.safetensors(family + "_blend.io.safetensors")
    func t(_ k: String) -> Tensor {
        let w = io[k]!
        return Tensor(channels: w.shape[1], height: w.shape[2], width: w.shape[3], data: w.values)
    }
    let alpha = io["alpha"]!.values[0], x = t("input"), want = t("output")
    let p = try ModelBlender(psnr: a, gan: b)
    let ya = try a.network.forward(x, pool: pool, cancel: nil)
    XCTAssertGreaterThan(PLKSRTests.errorOverRange(ya, want), 1e-2, "the blend must differ from an end",
                         file: file, line: line)
    for eager in [false, true] {
        let y = try p.network(alpha: alpha, eager: eager).forward(x, pool: pool, cancel: nil)
        let err = PLKSRTests.errorOverRange(y, want)
        print("\(family) blend α \(alpha) eager \(eager): max error \(err) of the output range vs PyTorch")
        XCTAssertLessThan(err, 1e-4, file: file, line: line)
        XCTAssertLessThanOrEqual(PLKSRTests.maxLevelDifference(y, want), 1, file: file, line: line)
    }
    return (p, alpha, a)
}
