import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

@testable import EnhanceONNX

/// Two ONNX files of one graph blend as a pair: θ = (1 − α)·θ_A + α·θ_B over their initializers,
/// against onnxruntime on the blend numpy made of the two files.
final class ONNXBlendTests: XCTestCase {
    func pair() throws -> ModelBlender {
        try ModelBlender(psnr: try ModelLoader.load(path: ONNXReaderTests.path("compact_x4_o17_dyn.onnx")),
                         gan: try ModelLoader.load(path: ONNXReaderTests.path("compact_x4_o17_dyn_b.onnx")))
    }

    func testBlendEqualsOnnxruntimeOnTheBlendedFile() throws {
        let pair = try pair()
        let pool = ThreadPool(threads: 1)
        let (x, want) = try ONNXProgramTests.io("compact_blend_a03")
        let y = try pair.network(alpha: 0.3).forward(x, pool: pool, cancel: nil)
        let (err, range) = ONNXModelTests.maxError(y, want)
        XCTAssertLessThanOrEqual(err, 1e-4 * range)
        // The ends exactly.
        for (alpha, name) in [(Float(0), "compact_x4_o17_dyn"), (1, "compact_x4_o17_dyn_b")] {
            let (xe, we) = try ONNXProgramTests.io(name)
            let ye = try pair.network(alpha: alpha).forward(xe, pool: pool, cancel: nil)
            XCTAssertLessThanOrEqual(ONNXModelTests.maxError(ye, we).0, 1e-4 * ONNXModelTests.maxError(ye, we).1)
        }
    }

    func testBlendWritesAnONNXFileOfTheSameGraph() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("blend-\(getpid()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try pair().writeONNX(alpha: 0.3, to: path)
        let written = try ModelLoader.load(path: path)
        let (x, want) = try ONNXProgramTests.io("compact_blend_a03")
        let y = try written.network.forward(x, pool: ThreadPool(threads: 1), cancel: nil)
        let (err, range) = ONNXModelTests.maxError(y, want)
        XCTAssertLessThanOrEqual(err, 1e-4 * range)
    }

    /// Two graphs of no family blend only when they are one graph; a graph and a native file not at all.
    func testDifferentGraphsAreRefused() throws {
        let a = try ModelLoader.load(path: ONNXReaderTests.path("rrdb_x4_o17_dyn.onnx"))
        let b = try ModelLoader.load(path: ONNXReaderTests.path("rrdb_x4_o13_fp16_dyn.onnx"))
        XCTAssertThrowsError(try ModelBlender(psnr: a, gan: b)) { error in
            let line = "\(error)"
            XCTAssertTrue(line.contains("cannot blend: the graphs differ (opset 17, input [1, 3, ?, ?])"), line)
        }
        let c = try ModelLoader.load(path: ONNXReaderTests.path("compact_x4_o17_dyn.onnx"))
        XCTAssertThrowsError(try ModelBlender(psnr: a, gan: c)) { error in
            XCTAssertTrue("\(error)".contains("cannot blend ONNX graph with SRVGGNetCompact"), "\(error)")
        }
    }

    /// Two exports of one family that both run natively blend as that family, whatever their graphs
    /// (one keeps PyTorch's names, the other's initializers are renamed, one weight negated); the
    /// ends equal onnxruntime on each file. Their initializers are not named alike, so no blended
    /// .onnx is written.
    func testNativeExportsOfOneFamilyBlendAsIt() throws {
        let a = try ModelLoader.load(path: ONNXReaderTests.path("esrgan_x4_o17_dyn.onnx"))
        let b = try ModelLoader.load(path: ONNXReaderTests.path("esrgan_x4_o17_dyn_flipped.onnx"))
        let pair = try ModelBlender(psnr: a, gan: b)
        for (alpha, name) in [(Float(0), "esrgan_x4_o17_dyn"), (1, "esrgan_x4_o17_dyn_flipped")] {
            let (x, want) = try ONNXProgramTests.io(name)
            let y = try pair.network(alpha: alpha).forward(x, pool: ThreadPool(threads: 1), cancel: nil)
            let (err, range) = ONNXModelTests.maxError(y, want)
            XCTAssertLessThanOrEqual(err, 1e-3 * range, name)
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("blend2-\(getpid()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try pair.writeONNX(alpha: 0.5, to: path)) { error in
            XCTAssertTrue("\(error)".contains("is not in both files"), "\(error)")
        }
    }
}
