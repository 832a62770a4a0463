import Foundation
import XCTest
import EnhanceImaging
import EnhanceTerminal
@testable import EnhanceTUI

final class TileCacheTests: XCTestCase {
    func tile(_ x: Int, _ w: Int) -> Tile {
        Tile(region: PixelRect(x: x, y: 0, width: w, height: 1), image: flat(4 * w, 4, (0, 0, 0)))
    }

    func testEvictionKeepsTheBytesBoundDroppingTheLeastUsefulFirst() {
        // Each 1-px-wide tile stores 4×4×3 floats = 192 bytes.
        var c = TileCache(byteLimit: 3 * 192)
        c.insert(MethodKey(.blend, alpha: 0.3), tile(0, 1))   // rank 1 (not in the ranks below): kept last but one
        c.insert(MethodKey(.psnr), tile(10, 1))                 // rank 0: off the view
        c.insert(MethodKey(.blend, alpha: 0.5), tile(1, 1))
        c.insert(MethodKey(.blend, alpha: 0.7), tile(2, 1))
        XCTAssertEqual(c.bytes, 4 * 192)
        c.evict { key, t in t.region.x >= 10 ? 0 : key.alphaHundredths == 30 ? 1 : 2 }
        XCTAssertEqual(c.bytes, 3 * 192)
        XCTAssertTrue(c.tiles(MethodKey(.psnr)).isEmpty)
        c.byteLimit = 192
        c.evict { key, _ in key.alphaHundredths == 30 ? 1 : 2 }
        XCTAssertEqual(c.count, 1, "the newest tile stays whatever its rank")
        XCTAssertEqual(c.tiles(MethodKey(.blend, alpha: 0.7)).count, 1)
    }

    func testACoveringInsertReplacesTheTilesItContains() {
        var c = TileCache()
        c.insert(MethodKey(.gan), tile(2, 2))
        c.insert(MethodKey(.gan), tile(0, 8))
        XCTAssertEqual(c.count, 1)
        let inside = PixelRect(x: 3, y: 0, width: 2, height: 1)
        XCTAssertEqual(c.covering(MethodKey(.gan), inside, scale: 4)?.region.width, 8)
        XCTAssertNil(c.covering(MethodKey(.gan), PixelRect(x: 7, y: 0, width: 2, height: 1), scale: 4))
    }

    func testTheLadderStaysWithinTheCacheBudgetOfTheUI() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        writeFakeImage(dir + "/p.dat", 8, 6)
        let h = Harness(directory: dir, columns: 40, rows: 8)
        h.keys(.enter)
        h.type("z")
        // The 1:1 view is the whole 8×6 image: 32×24 output px, 9216 bytes per tile.
        h.state.preview!.cache.byteLimit = 5 * 9216
        h.settle()
        let p = h.state.preview!
        XCTAssertLessThanOrEqual(p.cache.bytes, 5 * 9216)
        let all = PixelRect(x: 0, y: 0, width: 8, height: 6)
        XCTAssertNotNil(p.cache.covering(MethodKey(.blend, alpha: 0.5), all, scale: 4),
                        "the shown blend is never evicted for ladder points")
    }
}

final class FilmstripAndPairTests: PhotoDirTestCase {
    func testLadderInterpolatesBetweenNeighboursThenExactAndStaleCancel() {
        let h = open(columns: 60)
        h.type("z")
        h.finishJobs()  // bicubic and the blend at 0.50 at 1:1; the ladder is queued behind them
        XCTAssertEqual(Set(inferKeys(h.effects, .ladder)),
                       Set(alphaLadder.filter { $0 != 50 }.map { MethodKey(.blend, alpha: Float($0) / 100) }))
        h.settle()
        XCTAssertEqual(ladderProgress(h.state, h.state.preview!), "ladder 11/11")
        h.effects = []
        h.keys(.right)
        var s = h.screen
        // ≈ at 0.55: the mean of the fake blends at 0.50 and 0.60, G = 1 − α²: (0.75 + 0.64)/2 = 0.695
        // → 177.2 → 177; B = 0.4·α = 0.22 → 56.1 → 56. The exact G is 1 − 0.3025 → 177.9 → 178.
        XCTAssertTrue(s.text(row: 0).hasPrefix(" ≈ blend α=0.55  ≈ from α=0.50/0.60  exact 0% ETA "), s.text(row: 0))
        XCTAssertEqual(s[3, 20].image?.bg, RGB8(0, 177, 56))
        XCTAssertEqual(inferKeys(h.effects), [MethodKey(.blend, alpha: 0.55)])
        h.finishJobs()
        s = h.screen
        XCTAssertEqual(exactLabel(s), "blend α=0.55")
        XCTAssertEqual(s[3, 20].image?.bg, RGB8(0, 178, 56))
        // A job still queued for α 0.65 is cancelled when α moves on to a cached ladder point.
        h.keys(.right, .right)
        let job = h.state.preview!.jobs.values.first { $0.key == MethodKey(.blend, alpha: 0.65) }!.id
        h.effects = []
        h.keys(.right)
        XCTAssertTrue(h.effects.contains(.cancel(job: job)))
        XCTAssertEqual(inferKeys(h.effects, .visible), [], "nothing to compute: the ladder has it")
        XCTAssertEqual(exactLabel(h.screen), "blend α=0.70")
    }

    func testFilmstripShowsTheLadderAndPicksAlpha() {
        let h = Harness(directory: dir, columns: 48, rows: 14)
        h.keys(.enter)
        h.type("z")
        h.type("s")
        XCTAssertEqual(h.state.preview!.zoom, .factor(1), "the filmstrip keeps the zoom")
        h.settle()
        XCTAssertTrue(h.screen.text(row: 4).contains("▶α 0.50"), h.screen.plainText)
        h.keys(.right)
        XCTAssertEqual(h.state.preview!.alpha, 0.6, accuracy: 1e-6)
        h.keys(.left, .left)
        XCTAssertEqual(h.state.preview!.alpha, 0.4, accuracy: 1e-6)
        h.keys(.enter)
        XCTAssertFalse(h.state.preview!.filmstrip)
        XCTAssertEqual(exactLabel(h.screen), "blend α=0.40")
    }

    func testPairPickerSwitchesPairsAndNamesARefusal() {
        let engine = FakeEngine()
        engine.offered = [PairChoice(name: "other", psnr: "/m/other-psnr.pth", gan: "/m/other-gan.pth"),
                          PairChoice(name: "x.pth", psnr: "/u/x.pth", gan: "/u/x.pth"),
                          PairChoice(name: "y.pth", psnr: "/u/y.pth", gan: "/u/y.pth")]
        let h = Harness(directory: dir, columns: 60, rows: 12, engine: engine)
        h.keys(.enter)
        h.settle()
        h.type("p")
        XCTAssertEqual(h.state.picker?.pairs.count, 3)
        XCTAssertTrue(h.screen.plainText.contains("▶ other"))
        h.effects = []
        h.keys(.enter)
        XCTAssertEqual(h.state.modelNames, "PSNR /m/other-psnr.pth · GAN /m/other-gan.pth")
        XCTAssertNil(h.state.picker)
        XCTAssertEqual(h.state.preview!.cache.count, 1, "only bicubic survives a switch")
        XCTAssertTrue(h.effects.contains {
            if case .infer(_, _, MethodKey(.blend, alpha: 0.5), _, _, _) = $0 { return true } else { return false }
        }, "the view is computed again")
        // Two singles make a pair: the first chosen is the PSNR end.
        engine.refuse = "x.pth + y.pth: key conv_first.weight has shape [64, 3, 3, 3] and [32, 3, 3, 3]"
        h.type("pj")
        h.keys(.enter)
        XCTAssertEqual(h.state.picker?.psnrPick?.name, "x.pth")
        h.type("j")
        h.keys(.enter)
        XCTAssertNotNil(h.state.picker, "a refused pair keeps the picker open")
        XCTAssertTrue(h.state.picker!.error!.hasPrefix("cannot switch to x.pth + y.pth: "), h.state.picker!.error!)
        XCTAssertTrue(h.state.picker!.error!.contains("conv_first.weight"))
        XCTAssertEqual(h.state.modelNames, "PSNR /m/other-psnr.pth · GAN /m/other-gan.pth")
        h.keys(.escape)
        XCTAssertNil(h.state.picker)
    }

    func testOrderIsVisibleThenLadderThenPrefetchInThePanDirection() {
        writeFakeImage(dir + "/big.dat", 64, 64)
        let h = Harness(directory: dir, columns: 40, rows: 8)
        h.state.browser.selected = h.state.browser.visible.firstIndex { $0.name == "big.dat" }!
        h.keys(.enter)
        h.type("z")
        h.finishJobs()
        h.type("l")  // pan right: the view moves a quarter width
        let view = neededRegion(h.state)!
        h.effects = []
        h.finishJobs()  // the new view at α: now the ladder and the look-ahead are asked for
        let asked = h.effects.compactMap { e -> (Priority, PixelRect)? in
            if case let .infer(_, _, _, r, _, p) = e { return (p, r) } else { return nil }
        }
        XCTAssertEqual(asked.filter { $0.0 == .ladder }.count, alphaLadder.count - 1)
        XCTAssertTrue(asked.allSatisfy { $0.0 == .ladder }, "the ladder first, alone")
        h.effects = []
        h.settle()
        let later = h.effects.compactMap { e -> (Priority, PixelRect)? in
            if case let .infer(_, _, _, r, _, p) = e { return (p, r) } else { return nil }
        }
        // Then the view refined, then the look-ahead: half a view to the right (the view itself is there).
        let ahead = later.filter { $0.0 == .prefetch }.map(\.1)
        XCTAssertEqual(ahead, [PixelRect(x: view.x + view.width, y: view.y, width: view.width / 2,
                                         height: view.height)])
        XCTAssertEqual(later.map(\.0), later.map(\.0).sorted(), "emitted most important first")
        XCTAssertTrue(later.contains { $0.0 == .refine })
    }

    func testConsistencyIsMeasuredAsAnEffectNotInUpdate() {
        let h = Harness(directory: dir, columns: 40, rows: 8)
        h.keys(.enter)
        h.type("z")
        h.finishJobs()
        h.effects = []
        h.type("vvvvv")
        XCTAssertEqual(h.state.preview!.layout, .consistency)
        let measures = h.effects.filter { if case .measureConsistency = $0 { return true } else { return false } }
        XCTAssertEqual(measures.count, 1)
        XCTAssertNotNil(h.state.preview!.consistency, "the harness ran the effect and posted its result")
    }

    func testAMessageKeepsAlphaZoomAndProgressInTheStatusLine() {
        let engine = FakeEngine()
        engine.offered = [PairChoice(name: "other", psnr: "/m/other-psnr.pth", gan: "/m/other-gan.pth")]
        let h = Harness(directory: dir, columns: 64, rows: 12, engine: engine)
        h.keys(.enter)
        h.settle()
        h.type("p")
        h.keys(.enter)
        // The switch queued the fit view again (64 columns: the message is cut with "…"); no ETA
        // until the new pair has been timed (the old pair's speed says nothing about it).
        XCTAssertEqual(h.screen.text(row: 11),
                       " α 0.50 │ zoom fit │ exact 0% │ switched to PSNR /m/other-psnr.…")
        h.settle()
        XCTAssertEqual(h.screen.text(row: 11),
                       " α 0.50 │ zoom fit │ switched to PSNR /m/other-psnr.pth · GAN /…")
        h.keys(.right)  // the next key clears the message
        XCTAssertTrue(h.screen.text(row: 11).hasPrefix(" α 0.55 │ zoom fit │ view single"), h.screen.text(row: 11))
    }
}

/// Row 0 of `s` trimmed, without the "  refining" note of a pane whose export-exact pixels are
/// still being computed in the background.
func exactLabel(_ s: ScreenBuffer) -> String {
    s.text(row: 0).trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "  refining", with: "")
}
