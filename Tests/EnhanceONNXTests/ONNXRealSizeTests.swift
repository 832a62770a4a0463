import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// Real-size graphs (scripts/bench/export_onnx.py) against onnxruntime's outputs
/// (`make_onnx_fixtures.py real DIR`): a local check, skipped unless `ENHANCE_ONNX_REAL_DIR` names
/// the folder. Prints each graph's error and time.
final class ONNXRealSizeTests: XCTestCase {
    func testRealSizeGraphsEqualOnnxruntime() throws {
        guard let dir = ProcessInfo.processInfo.environment["ENHANCE_ONNX_REAL_DIR"] else {
            throw XCTSkip("set ENHANCE_ONNX_REAL_DIR to a folder of .onnx files with their .io.safetensors")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".onnx") }.sorted()
        let pool = ThreadPool(threads: 2)
        for f in files {
            let io = dir + "/" + f.dropLast(5) + ".io.safetensors"
            guard FileManager.default.fileExists(atPath: io) else { continue }
            let sd = try Safetensors.read(path: io).stateDict
            let (xi, want) = (sd["input"]!, sd["output"]!)
            let x = Tensor(channels: 3, height: xi.shape[2], width: xi.shape[3], data: xi.values)
            let t0 = Date()
            let model = try ModelLoader.load(path: dir + "/" + f)
            let t1 = Date()
            let y = try model.network.forward(x, pool: pool, cancel: nil)
            let t2 = Date()
            let (err, range) = ONNXModelTests.maxError(y, want)
            print(String(format: "%@ (%@): max |Δ| %.3g of range %.3g, load %.2f s, run %.2f s", f,
                         model.info.sourceFormat, err, range,
                         t1.timeIntervalSince(t0), t2.timeIntervalSince(t1)))
            XCTAssertLessThanOrEqual(err, 1e-4 * range, f)
        }
    }
}
