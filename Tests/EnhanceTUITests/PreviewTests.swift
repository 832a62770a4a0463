import Foundation
import XCTest
import EnhanceTerminal
@testable import EnhanceTUI

final class PreviewTests: PhotoDirTestCase {
    func testOpeningRequestsVisibleMethodsForWholeImageAtFit() {
        let h = open()
        XCTAssertEqual(inferKeys(h.effects), [MethodKey(.bicubic), MethodKey(.blend, alpha: 0.5)])
        for case let .infer(_, _, _, region, _, _) in h.effects {
            XCTAssertEqual(region, PixelRect(x: 0, y: 0, width: 8, height: 6))
        }
        XCTAssertEqual(h.screen.text(row: 0).trimmingCharacters(in: .whitespaces), "blend α=0.50  exact 0%")
    }

    func testBicubicStandsInWhileTheNetworkComputes() {
        let h = open(columns: 60)
        h.finishJobs(only: { $0.method == .bicubic })
        let label = h.screen.text(row: 0).trimmingCharacters(in: .whitespaces)
        XCTAssertEqual(label, "blend α=0.50  exact 0% · bicubic elsewhere")
        XCTAssertTrue(h.screen.cells.contains { $0.image != nil }, "the placeholder should draw image cells")
        h.finishJobs()
        XCTAssertEqual(h.screen.text(row: 0).trimmingCharacters(in: .whitespaces), "blend α=0.50")
    }

    func testFitViewCellsByHand() {
        // 40×6 image cells show 32×24 output pixels at scale min(40/32, 12/24) = 0.5 → 80×24
        // source px centred at x = 16 − 40 = −24: one px per sextant column, image in cells 12…27.
        let h = open()
        h.keys(.char("2"))  // PSNR: flat red
        h.finishJobs()
        let s = h.screen
        XCTAssertEqual(s.text(row: 0).trimmingCharacters(in: .whitespaces), "PSNR")
        for r in 1...6 {
            XCTAssertEqual(s[r, 0].image, ImageCell(glyph: " ", fg: .black, bg: .black), "row \(r)")
            XCTAssertEqual(s[r, 11].image?.bg, .black)
            for c in 12...27 { XCTAssertEqual(s[r, c].image, ImageCell(glyph: " ", fg: RGB8(255, 0, 0), bg: RGB8(255, 0, 0))) }
            XCTAssertEqual(s[r, 28].image?.bg, .black)
            XCTAssertEqual(s[r, 39].image?.bg, .black)
        }
        XCTAssertTrue(s.text(row: 7).hasPrefix(" α 0.50 │ zoom fit │ view single │ last "), s.text(row: 7))
        h.send(.resize(columns: 120, rows: 8))
        XCTAssertEqual(h.screen.text(row: 7).trimmingCharacters(in: .whitespaces),
                       "α 0.50 │ zoom fit │ view single │ last 0.00s │ cache 2 │ PSNR psnr-net · GAN gan-net")
        // (blend and GAN jobs were cancelled when "2" made PSNR + bicubic the only methods shown)
    }

    func testAlphaKeys() {
        let h = open()
        func alpha() -> Float { h.state.preview!.alpha }
        h.keys(.right, .right)
        XCTAssertEqual(alpha(), 0.6, accuracy: 1e-6)
        h.keys(.shiftLeft)
        XCTAssertEqual(alpha(), 0.59, accuracy: 1e-6)
        h.type("]}")
        XCTAssertEqual(alpha(), 0.65, accuracy: 1e-6)
        h.type("a3")
        XCTAssertEqual(alpha(), 0.3, accuracy: 1e-6)
        h.type("=")
        XCTAssertEqual(alpha(), 1)
        h.keys(.right)
        XCTAssertEqual(alpha(), 1)
        h.type("a0[{")
        XCTAssertEqual(alpha(), 0)
        XCTAssertTrue(h.screen.text(row: 7).contains("α 0.00"))
    }

    func testZoomPanClampAndNoReinferWhenCached() {
        let h = open()
        h.finishJobs()
        h.effects = []
        h.type("z")
        XCTAssertEqual(h.state.preview!.zoom, .factor(1))
        XCTAssertEqual(inferKeys(h.effects, .visible), [])  // whole image already cached
        // 1:1 in 40×6 cells shows 40×12 output px: wider than the image (32), so x stays centred;
        // y may range over [6, 18], a pan step is 12/4 = 3 px.
        h.type("l")
        XCTAssertEqual(h.state.preview!.centerX, 16)
        h.type("j")
        XCTAssertEqual(h.state.preview!.centerY, 15)
        h.type("jjj")
        XCTAssertEqual(h.state.preview!.centerY, 18)
        h.type("kkkkkkk")
        XCTAssertEqual(h.state.preview!.centerY, 6)
        h.type("j")  // y = 9 − 6 = 3: cells now straddle the 4-px steps of the gradient
        h.type("1")
        h.finishJobs()
        // Half blocks at 1:1: the gradient changes every 4 px, so both glyph kinds appear, nothing else.
        let glyphs = Set(h.screen.cells.compactMap { $0.image?.glyph })
        XCTAssertEqual(glyphs, [" ", "▀"])
        h.type("z")
        XCTAssertEqual(h.state.preview!.zoom, .factor(2))
        h.type("zz")
        XCTAssertEqual(h.state.preview!.zoom, .fit)
        XCTAssertTrue(h.screen.text(row: 7).contains("zoom fit"))
    }

    func testZoomingInReplansUnfinishedWholeImageJobs() {
        writeFakeImage(dir + "/big.dat", 64, 64)
        let h = Harness(directory: dir, columns: 40, rows: 8)
        h.state.browser.selected = h.state.browser.visible.firstIndex { $0.name == "big.dat" }!
        h.keys(.enter)
        let fitJobs = h.state.preview!.jobs
        XCTAssertFalse(fitJobs.isEmpty)
        for job in fitJobs.values { XCTAssertEqual(job.region, PixelRect(x: 0, y: 0, width: 64, height: 64)) }
        h.effects = []
        h.type("zz")  // 2:1 shows a small part of the 256×256 output: the whole-image jobs are stale
        for job in fitJobs.values { XCTAssertTrue(h.effects.contains(.cancel(job: job.id)), "job \(job.id) kept") }
        for case let .infer(_, _, _, region, _, _) in h.effects {
            XCTAssertLessThan(region.area, 64 * 64 / 4, "re-planned jobs cover only the view")
        }
    }

    func testMouseDragPansTheViewWithThePointer() {
        writeFakeImage(dir + "/big.dat", 64, 64)
        let h = Harness(directory: dir, columns: 40, rows: 8)
        h.state.browser.selected = h.state.browser.visible.firstIndex { $0.name == "big.dat" }!
        h.keys(.enter)
        h.type("z")  // 1:1: one cell is 1 output px wide and 2 tall (half blocks)
        let x0 = h.state.preview!.centerX, y0 = h.state.preview!.centerY
        h.send(.drag(columns: -4, rows: -2))  // pointer moves left/up: the view moves right/down
        XCTAssertEqual(h.state.preview!.centerX, x0 + 4, accuracy: 1e-9)
        XCTAssertEqual(h.state.preview!.centerY, y0 + 4, accuracy: 1e-9)
        h.type("?")
        h.send(.drag(columns: 10, rows: 0))  // ignored under the help overlay
        XCTAssertEqual(h.state.preview!.centerX, x0 + 4, accuracy: 1e-9)
    }

    func testPanningAtHighZoomInfersOnlyTheVisibleRegion() {
        writeFakeImage(dir + "/big.dat", 64, 64)
        let h = Harness(directory: dir, columns: 40, rows: 8)
        h.state.browser.selected = h.state.browser.visible.firstIndex { $0.name == "big.dat" }!
        h.keys(.enter)
        h.finishJobs()
        h.effects = []
        // 4:1 → 10×3 output px visible at (123, 127): input x ⌊123/4⌋…⌈133/4⌉ = 30…34, y 31…33.
        h.type("zzz")
        func regions() -> [PixelRect] {
            h.effects.compactMap { e -> PixelRect? in
                if case let .infer(_, _, _, r, _, .visible) = e { return r } else { return nil }
            }
        }
        // Forget what the zoom steps asked for, then re-plan at 4:1 from scratch.
        h.state.preview!.cache.removeAll()
        h.state.preview!.jobs = [:]
        h.pendingInfer = []
        h.effects = []
        h.send(.resize(columns: 40, rows: 8))
        XCTAssertEqual(regions().count, 2)  // bicubic and the blend
        for r in regions() { XCTAssertEqual(r, PixelRect(x: 30, y: 31, width: 4, height: 2)) }
        h.finishJobs()
        h.effects = []
        h.type("llll")  // 4 × 3 output px = 3 input px to the right
        let r2 = regions()
        XCTAssertFalse(r2.isEmpty, "panned off the cached region")
        for r in r2 { XCTAssertLessThanOrEqual(r.width * r.height, 4 * 2) }
    }

    func testLayoutsLabelsAndDivider() {
        let h = open(columns: 41, rows: 10)
        h.finishJobs()
        h.type("v")
        var s = h.screen
        XCTAssertTrue(s.text(row: 0).hasPrefix(" blend α=0.50 "))
        XCTAssertEqual(s[0, 20].text, "│")
        XCTAssertTrue(String(s.text(row: 0).dropFirst(21)).hasPrefix(" bicubic"))
        XCTAssertTrue(s.text(row: 9).contains("view side by side"))
        h.type("v")
        s = h.screen
        XCTAssertTrue(s.text(row: 0).hasPrefix(" bicubic "), s.plainText)
        XCTAssertTrue(String(s.text(row: 0).dropFirst(21)).hasPrefix(" PSNR"))
        XCTAssertTrue(s.text(row: 4).hasPrefix(" GAN "))
        XCTAssertTrue(String(s.text(row: 4).dropFirst(21)).hasPrefix(" blend α=0.50"))
        h.type("v")  // wipe
        s = h.screen
        XCTAssertTrue(s.text(row: 0).hasPrefix(" ◀ blend α=0.50"))
        // Divider at round(41 · 0.5) = 21; the image spans cells 10…31 at fit.
        XCTAssertEqual(s[1, 21].text, "┃")
        XCTAssertEqual(s[4, 15].image?.bg, RGB8(0, 191, 51))    // left of the divider: blend (G 0.75, B 0.2)
        XCTAssertNotEqual(s[4, 28].image?.bg, RGB8(0, 191, 51)) // right: bicubic of the gradient
        XCTAssertNotNil(s[4, 28].image)
        h.type(">>")
        XCTAssertEqual(h.screen[1, 25].text, "┃")              // round(41 · 0.6) = round(24.6) = 25
    }

    func testFlickerSwapsToCompareMethod() {
        let h = open()
        h.finishJobs()
        h.type(" ")
        XCTAssertEqual(h.screen.text(row: 0).trimmingCharacters(in: .whitespaces), "bicubic  [flicker: compare]")
        h.type(" ")
        XCTAssertEqual(h.screen.text(row: 0).trimmingCharacters(in: .whitespaces), "blend α=0.50")
        h.type("c")
        XCTAssertEqual(h.state.preview!.secondary, .psnr)
    }

    func testChoosingTheCompareMethodSwapsSoPanesDiffer() {
        let h = open()
        XCTAssertEqual(h.state.preview!.primary, .blend)
        XCTAssertEqual(h.state.preview!.secondary, .bicubic)
        h.type("1")  // bicubic was the compare method: blend becomes the compare method
        XCTAssertEqual(h.state.preview!.primary, .bicubic)
        XCTAssertEqual(h.state.preview!.secondary, .blend)
        h.type("3")
        XCTAssertEqual(h.state.preview!.primary, .gan)
        XCTAssertEqual(h.state.preview!.secondary, .blend)
        h.type("cc")  // cycling the compare method skips the shown one
        XCTAssertNotEqual(h.state.preview!.secondary, h.state.preview!.primary)
    }

    func testHeatMapAndConsistency() {
        let engine = FakeEngine()
        engine.psnrColor = (0.5, 0.5, 0.5)
        engine.ganColor = (0.55, 0.55, 0.55)
        let h = Harness(directory: dir, columns: 40, rows: 8, engine: engine)
        h.keys(.enter)
        h.finishJobs()
        h.type("vvvv")
        XCTAssertEqual(h.state.preview!.layout, .heatMap)
        h.finishJobs()  // the heat map needs PSNR and GAN, asked for now
        // |0.55 − 0.5| · 4 = 0.2 → ramp (3·0.2, 0, 0) = 0.6 → 153.
        XCTAssertEqual(h.screen[3, 20].image?.bg, RGB8(153, 0, 0))
        h.type("v1")
        XCTAssertEqual(h.state.preview!.layout, .consistency)
        h.finishJobs()
        let c = h.state.preview!.consistency
        XCTAssertNotNil(c)
        XCTAssertGreaterThan(c!.psnr, 100)  // nearest-neighbour upscale box-downscales back to the input
        XCTAssertEqual(h.screen[3, 20].image?.bg, .black)
    }

    func testHelpOverlayListsEveryKeyAndCloses() {
        let h = open(columns: 70, rows: 26)
        h.type("?")
        let text = h.screen.plainText
        XCTAssertTrue(text.contains(" Keys "))
        for line in helpLines { XCTAssertTrue(text.contains(line.trimmingCharacters(in: .whitespaces)), line) }
        h.type("x")
        XCTAssertFalse(h.state.showHelp)
        XCTAssertFalse(h.screen.plainText.contains(" Keys "))
    }

    func testBackToBrowserCancelsJobsAndQuit() {
        let h = open()
        let ids = h.state.preview!.jobs.values.map(\.id)
        h.effects = []
        h.keys(.escape)
        XCTAssertEqual(h.state.screen, .browser)
        for id in ids { XCTAssertTrue(h.effects.contains(.cancel(job: id))) }
        h.effects = []
        h.keys(.escape)  // back to the preview: the cancelled work is requested again
        XCTAssertEqual(h.state.screen, .preview)
        XCTAssertEqual(inferKeys(h.effects), [MethodKey(.bicubic), MethodKey(.blend, alpha: 0.5)])
        h.type("q")
        XCTAssertTrue(h.state.quitting)
        XCTAssertEqual(h.effects.last, .quit)
    }

    func testResizeRelayoutsImmediately() {
        let h = open()
        h.finishJobs()
        h.send(.resize(columns: 50, rows: 12))
        let s = h.screen
        XCTAssertEqual(s.columns, 50)
        XCTAssertEqual(s.rows, 12)
        XCTAssertTrue(s.text(row: 11).contains("α 0.50"))
    }
}

