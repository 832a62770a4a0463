import Foundation
import XCTest
@testable import EnhanceTUI

/// The status line says how an ONNX model runs: natively as a family, or as its graph.
final class ModelRuntimeStatusTests: PhotoDirTestCase {
    func testTheStatusLineSaysHowEachModelRuns() {
        let engine = FakeEngine()
        engine.names.withLock { $0 = ("x4-psnr.onnx", "x4-gan.onnx") }
        engine.runtimes.withLock { $0 = ("onnx → RRDBNet native", "onnx graph") }
        let h = Harness(directory: dir, columns: 140, rows: 8, engine: engine)
        XCTAssertEqual(h.screen.text(row: 7).trimmingCharacters(in: .whitespaces),
                       "Enter open │ / filter │ . hidden │ ? help │ q quit │ "
                       + "PSNR x4-psnr.onnx (onnx → RRDBNet native) · GAN x4-gan.onnx (onnx graph)")
        h.keys(.enter)
        h.finishJobs()
        XCTAssertEqual(h.screen.text(row: 7).trimmingCharacters(in: .whitespaces),
                       "α 0.50 │ zoom fit │ view single │ last 0.00s │ cache 2 │ "
                       + "PSNR x4-psnr.onnx (onnx → RRDBNet native) · GAN x4-gan.onnx (onnx graph)")
        XCTAssertEqual(h.state.pairName, "x4", "export names come from the file names alone")
    }

    func testASwitchedPairSaysHowItRuns() {
        let engine = FakeEngine()
        engine.offered = [PairChoice(name: "s", psnr: "/m/s-psnr.onnx", gan: "/m/s-gan.pth")]
        engine.runtimeOf = ["/m/s-psnr.onnx": "onnx → SPAN native"]
        let h = Harness(directory: dir, columns: 140, rows: 12, engine: engine)
        h.keys(.enter)
        h.settle()
        h.type("p")
        h.keys(.enter)
        h.settle()
        XCTAssertEqual(h.screen.text(row: 11).trimmingCharacters(in: .whitespaces),
                       "α 0.50 │ zoom fit │ switched to PSNR /m/s-psnr.onnx (onnx → SPAN native) · "
                       + "GAN /m/s-gan.pth")
        h.keys(.right)  // cached: bicubic (kept by the switch), the blend at α 0.5 and at 0.55
        h.settle()
        XCTAssertEqual(h.screen.text(row: 11).trimmingCharacters(in: .whitespaces),
                       "α 0.55 │ zoom fit │ view single │ last 0.00s │ cache 3 │ "
                       + "PSNR /m/s-psnr.onnx (onnx → SPAN native) · GAN /m/s-gan.pth")
    }
}
