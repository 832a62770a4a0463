import Foundation
import XCTest
import EnhanceImaging
@testable import EnhanceTUI

final class ExportAndLoopTests: PhotoDirTestCase {
    func testCtrlUClearsTheExportPath() {
        let h = Harness(directory: dir, columns: 80, rows: 12)
        h.keys(.enter)
        h.type("e")
        h.keys(.char(clearLineKey))
        XCTAssertEqual(h.state.export, .prompt(text: ""))
        h.type("/tmp/x.png")
        XCTAssertEqual(h.state.export, .prompt(text: "/tmp/x.png"))
    }

    func testExportDialogFlow() {
        let h = Harness(directory: dir, columns: 80, rows: 12)
        h.keys(.enter)
        h.type("e")
        XCTAssertEqual(h.state.export, .prompt(text: dir + "/photo_x4_psnr-net+gan-net_blend0.50.png"))
        XCTAssertTrue(h.screen.plainText.contains("Save to: …"), h.screen.plainText)
        XCTAssertTrue(h.screen.plainText.contains("_blend0.50.png▏"))
        h.keys(.backspace, .backspace, .backspace)
        h.type("gif")
        h.keys(.enter)  // refused before any work starts
        XCTAssertEqual(h.state.export, .prompt(text: dir + "/photo_x4_psnr-net+gan-net_blend0.50.gif"))
        XCTAssertTrue(h.state.status!.hasSuffix("unknown output extension (use .png, .jpg or .jpeg)"))
        h.keys(.backspace, .backspace, .backspace)
        h.type("jpg")
        h.keys(.enter)
        let path = dir + "/photo_x4_psnr-net+gan-net_blend0.50.jpg"
        XCTAssertEqual(h.effects.last, .checkExists(path: path))
        h.send(.existsChecked(path: path, exists: true))
        XCTAssertEqual(h.state.export, .confirmOverwrite(path: path))
        XCTAssertTrue(h.screen.plainText.contains("Overwrite? (y/n)"))
        XCTAssertTrue(h.screen.plainText.contains("blend0.50.jpg"))
        h.type("n")
        XCTAssertEqual(h.state.export, .prompt(text: path))
        h.keys(.enter)
        h.send(.existsChecked(path: path, exists: true))
        h.type("y")
        guard case let .export(image, key, p)? = h.effects.last else { return XCTFail("no export effect") }
        XCTAssertEqual(image.width, 8)
        XCTAssertEqual(key, MethodKey(.blend, alpha: 0.5))
        XCTAssertEqual(p, path)
        h.send(.exportProgress(fraction: 0.25, elapsed: 10))
        XCTAssertTrue(h.screen.plainText.contains("] 25% ETA 30.0s"), h.screen.plainText)
        h.keys(.escape)
        XCTAssertEqual(h.effects.last, .cancelExport)
        XCTAssertNil(h.state.export)
        XCTAssertEqual(h.state.status, "export cancelled")
    }

    func testExecutorExportRunsTheEngineExport() {
        let log = MessageLog()
        let ex = EffectExecutor(engine: FakeEngine(), post: log.post)
        let path = dir + "/out.png"
        ex.run(.export(image: gradient(8, 6), key: MethodKey(.gan), path: path))
        let done = log.first { if case .exportFinished = $0 { return true } else { return false } }
        XCTAssertNotNil(done)
        XCTAssertEqual(try? String(contentsOfFile: path, encoding: .utf8), "32x24 gan")
        let files = try! FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        XCTAssertEqual(files, ["out.png", "photo.dat"])
    }

    func testExecutorExportCancelLeavesNoFile() {
        let log = MessageLog()
        let engine = FakeEngine()
        engine.blockUntilCancelled = true
        let ex = EffectExecutor(engine: engine, post: log.post)
        ex.run(.export(image: gradient(8, 6), key: MethodKey(.gan), path: dir + "/out.png"))
        XCTAssertEqual(engine.blocked.wait(timeout: .now() + 10), .success, "the export never started")
        ex.run(.cancelExport)
        // Exports run one after another: once a second one has finished, the first has reported
        // whatever it was going to.
        engine.blockUntilCancelled = false
        let second = dir + "/second.png"
        ex.run(.export(image: gradient(8, 6), key: MethodKey(.psnr), path: second))
        let done = log.first { if case .exportFinished(second, _) = $0 { return true } else { return false } }
        XCTAssertNotNil(done, "the second export did not finish")
        let first = log.all.filter {
            switch $0 {
            case .exportFinished(let p, _): return p != second
            case .exportFailed: return true
            default: return false
            }
        }
        XCTAssertTrue(first.isEmpty, "the cancelled export reported an outcome: \(first)")
        XCTAssertEqual(try! FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["photo.dat", "second.png"])
    }

    func testExecutorCancelsStaleInference() {
        let log = MessageLog()
        let engine = FakeEngine()
        engine.blockUntilCancelled = true
        let ex = EffectExecutor(engine: engine, post: log.post)
        let img = gradient(8, 6)
        ex.run(.infer(job: 1, image: img, key: MethodKey(.psnr), region: PixelRect(x: 0, y: 0, width: 8, height: 6),
                      density: 1, priority: .visible))
        XCTAssertEqual(engine.blocked.wait(timeout: .now() + 10), .success, "job 1 never started")
        ex.run(.cancel(job: 1))
        engine.blockUntilCancelled = false
        ex.run(.infer(job: 2, image: img, key: MethodKey(.gan), region: PixelRect(x: 0, y: 0, width: 4, height: 2),
                      density: 1, priority: .visible))
        let done = log.first { if case .inferDone(2, _, _) = $0 { return true } else { return false } }
        // Jobs run one at a time: by job 2's result, the blocked job 1 has returned, and it
        // reported nothing (no result, failure or progress).
        let first = log.all.filter {
            switch $0 {
            case .inferDone(1, _, _), .inferFailed(1, _), .inferProgress(1, _): return true
            default: return false
            }
        }
        XCTAssertTrue(first.isEmpty, "the cancelled job reported: \(first)")
        guard case let .inferDone(_, tile, _)? = done else { return XCTFail("job 2 did not finish") }
        XCTAssertEqual(tile.image.width, 16)
        XCTAssertEqual(tile.image.height, 8)
    }

    /// Job progress reaches the state in steps of 2 % or more, but its first value, its end and
    /// every change into or out of ``statisticsPending`` always do.
    func testProgressThrottleLetsTheStatisticsWaitThrough() {
        let p = Progress()
        let steps: [(Double, Bool)] = [(statisticsPending, true), (statisticsPending, false), (0, true), (0.01, false),
                                       (0.03, true), (statisticsPending, true), (0.04, true), (0.05, false), (1, true)]
        for (f, passes) in steps { XCTAssertEqual(p.advance(to: f), passes, "\(f)") }
        XCTAssertTrue(Progress().advance(to: 0), "a first 0 passes")
    }

    func testEventLoopDrivenByScriptedKeys() {
        let backend = ScriptedBackend(columns: 60, rows: 12, steps: [
            .waitFor(timeout: 5) { $0.plainText.contains("photo.dat") },
            .event(.key(.enter)),
            .waitFor(timeout: 5) {
                $0.text(row: 0).hasPrefix(" blend α=0.50 ") && !$0.text(row: 0).contains("computing")
            },
            .event(.key(.right)),
            .waitFor(timeout: 5) {
                $0.text(row: 0).hasPrefix(" blend α=0.55 ") && !$0.text(row: 0).contains("computing")
            },
            .event(.resize(columns: 70, rows: 14)),
            .event(.key(.char("?"))),
            .waitFor(timeout: 5) { $0.plainText.contains(" Keys ") },
        ])
        let initial = initialState(path: dir, isDirectory: true, columns: 60, rows: 12, scale: 4, models: ("", ""),
                                   colorMode: .trueColor)
        let final = runEventLoop(backend: backend, engine: FakeEngine(), initial: initial)
        XCTAssertFalse(backend.timedOut)
        XCTAssertTrue(final.quitting)
        XCTAssertEqual(final.preview?.alpha ?? 0, 0.55, accuracy: 1e-6)
        XCTAssertEqual(backend.frames.last?.columns, 70)
        XCTAssertEqual(final.preview?.cache.tiles(MethodKey(.blend, alpha: 0.55)).first?.image.width, 32)
    }
}
