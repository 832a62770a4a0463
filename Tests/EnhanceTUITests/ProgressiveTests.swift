import Foundation
import XCTest
import EnhanceImaging
import EnhanceTerminal
@testable import EnhanceTUI

/// How many rectangles of `rects` hold each pixel of `view` (brute force: the oracle).
private func counts(_ view: PixelRect, _ rects: [PixelRect]) -> [Int] {
    var c = [Int](repeating: 0, count: view.area)
    for r in rects {
        let x0 = max(r.x, view.x), x1 = min(r.x + r.width, view.x + view.width)
        let y0 = max(r.y, view.y), y1 = min(r.y + r.height, view.y + view.height)
        guard x0 < x1, y0 < y1 else { continue }
        for y in y0..<y1 {
            for x in x0..<x1 {
                c[(y - view.y) * view.width + x - view.x] += 1
            }
        }
    }
    return c
}

final class ProgressiveGeometryTests: XCTestCase {
    func testUncoveredIsExactlyWhatNoRectangleHolds() {
        var rng = XorShift(state: 0x9E37_79B9)
        let view = PixelRect(x: 3, y: 5, width: 41, height: 29)
        for _ in 0..<200 {
            let rects = (0..<Int(rng.next() % 5)).map { _ in
                PixelRect(x: Int(rng.next() % 50), y: Int(rng.next() % 40), width: Int(rng.next() % 30) + 1,
                          height: Int(rng.next() % 30) + 1)
            }
            let gaps = Progressive.uncovered(view, by: rects)
            let held = counts(view, rects), filled = counts(view, gaps)
            for i in 0..<view.area {
                XCTAssertEqual(filled[i], held[i] == 0 ? 1 : 0, "pixel \(i) of \(rects)")
            }
            XCTAssertEqual(Progressive.covers(view, rects), !held.contains(0))
        }
    }

    func testPiecesAreASquareAtTheFocusThenTheRegionInTwoHalves() {
        let r = PixelRect(x: 10, y: 20, width: 300, height: 190)
        let focus = (x: 160.0, y: 115.0)
        let pieces = Progressive.pieces(r, focus: focus, first: 48, whole: 0)
        XCTAssertEqual(pieces.count, 3)
        XCTAssertEqual(pieces[0], PixelRect(x: 136, y: 91, width: 48, height: 48), "the focus's square first")
        XCTAssertEqual(counts(r, Array(pieces.dropFirst())), [Int](repeating: 1, count: r.area),
                       "then the halves: every pixel exactly once")
        XCTAssertTrue(pieces.dropFirst().allSatisfy { $0.height == 190 && $0.width == 150 }, "cut across the long side")
        let corner = Progressive.pieces(r, focus: (12, 22), first: 48, whole: 0)
        XCTAssertEqual(corner[0], PixelRect(x: 10, y: 20, width: 48, height: 48), "the square clamped into the region")
        XCTAssertEqual(corner[1].x, 10, "the half nearer the focus next")
        XCTAssertEqual(Progressive.pieces(r, focus: focus, first: 48, whole: r.area), [r],
                       "a region cheap enough stays whole")
    }
}

/// The scheduler's progressive order and the never-blur rule, on the fake engine: a 300×200 image
/// in a kitty pane of 120×38 cells at 10×20 px (1200×760 px: 300×190 input pixels at 1:1).
final class NeverBlurTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = try makeTempDir()
        writeFakeImage(dir + "/wide.dat", 300, 200)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    private func open(columns: Int = 120, rows: Int = 40) -> Harness {
        let h = Harness(directory: dir, columns: columns, rows: rows)
        h.state.graphics = .kitty
        h.state.cellPixels = CellPixels(width: 10, height: 20)
        h.keys(.enter)
        return h
    }

    private func visible(_ fx: [Effect], _ key: MethodKey) -> [PixelRect] {
        fx.compactMap { e -> PixelRect? in
            guard case let .infer(_, _, k, r, _, p) = e, k == key, p == .visible else { return nil }
            return r
        }
    }

    func testAnAlphaStepKeepsTheOldPixelsAndFillsInFromTheCentre() throws {
        let h = open()
        h.settle()
        h.type("z")
        h.settle()
        let view = try XCTUnwrap(neededRegion(h.state))
        XCTAssertEqual(view.width, 300)
        let before = networkCoverage(h.state)
        XCTAssertTrue(Progressive.covers(view, before), "1:1 exact")
        h.effects = []
        h.keys(.shiftLeft)  // α 0.49
        let key = MethodKey(.blend, alpha: 0.49)
        let jobs = visible(h.effects, key)
        XCTAssertGreaterThan(jobs.count, 1, "cut into pieces")
        XCTAssertEqual(counts(view, Array(jobs.dropFirst())), [Int](repeating: 1, count: view.area),
                       "after the first piece, the view once")
        let centre = PixelRect(x: view.x + view.width / 2, y: view.y + view.height / 2, width: 1, height: 1)
        XCTAssertTrue(jobs[0].contains(centre), "the centre first")
        XCTAssertTrue(jobs[0].area < view.area / 4)
        // Never worse than what was on screen: the ≈ interpolation or the old α, not bicubic.
        XCTAssertTrue(Progressive.covers(view, networkCoverage(h.state)))
        let label = h.screen.text(row: 0)
        XCTAssertTrue(label.contains("≈") || label.contains("stale"), label)
        XCTAssertTrue(label.contains("exact 0%"), label)
        // One piece done: it shows, the rest still stands in.
        var n = 0
        h.finishJobs(only: { k in k == key && { n += 1; return n == 1 }() })
        XCTAssertTrue(Progressive.covers(view, networkCoverage(h.state)))
        let pct = jobs[0].area * 100 / view.area
        XCTAssertTrue(h.screen.text(row: 0).contains("exact \(pct)%"), h.screen.text(row: 0))
        h.finishJobs(only: { $0 == key })
        XCTAssertFalse(h.screen.text(row: 0).contains("exact"), h.screen.text(row: 0))
        XCTAssertEqual(primaryExactArea(h.state).covered, view.area)
    }

    /// A view whose network time is under 0.7 s runs in one piece (cutting adds context and the
    /// first piece twice), and one job slowed by a busy machine does not cut the next one: the
    /// estimate is the lower median of the last three.
    func testACheapViewRunsWholeAndOneSlowJobDoesNotCutTheNext() throws {
        let h = open()
        let area = 300.0 * 190
        h.secondsPerPixel = 0.2 / area  // the 1:1 view below in 0.2 s
        h.settle()
        h.type("z")
        h.settle()
        let view = try XCTUnwrap(neededRegion(h.state))
        XCTAssertEqual(Double(view.area), area)
        func step() -> [PixelRect] {
            h.effects = []
            h.keys(.shiftLeft)
            return visible(h.effects, MethodKey(.blend, alpha: h.state.preview!.alpha))
        }
        XCTAssertEqual(step(), [view], "0.2 s measured: whole")
        h.secondsPerPixel = 0.9 / area
        h.finishJobs()
        XCTAssertEqual(step(), [view], "one 0.9 s job after 0.2 s ones: still whole")
        h.finishJobs()
        XCTAssertGreaterThan(step().count, 1, "two slow jobs of the last three: cut again")
    }

    func testAPanComputesOnlyTheNewlyExposedStrip() throws {
        let h = open()
        h.settle()
        h.type("z")
        h.settle()
        let old = try XCTUnwrap(neededRegion(h.state))
        h.effects = []
        h.type("j")
        let view = try XCTUnwrap(neededRegion(h.state))
        XCTAssertGreaterThan(view.y, old.y)
        let jobs = visible(h.effects, MethodKey(.blend, alpha: 0.5))
        XCTAssertFalse(jobs.isEmpty)
        let strip = Progressive.uncovered(view, by: [old])
        XCTAssertEqual(counts(view, jobs).map { min($0, 1) }, counts(view, strip), "exactly the strip")
        XCTAssertTrue(jobs.allSatisfy { j in strip.contains { $0.contains(j) } }, "nothing outside it")
        XCTAssertTrue(Progressive.covers(old.clipped(to: view), networkCoverage(h.state)), "old pixels stay")
    }

    func testAZoomInShowsTheFitPixelsUntilTheExactOnesArrive() throws {
        let h = open()
        h.settle()
        h.type("z")
        let view = try XCTUnwrap(neededRegion(h.state))
        XCTAssertTrue(Progressive.covers(view, networkCoverage(h.state)), "fit tiles stand in, not bicubic")
        XCTAssertTrue(h.screen.text(row: 0).contains("stale"), h.screen.text(row: 0))
    }

    /// Switching the method at 1:1 before the ladder ran keeps a network picture on screen
    /// (labelled stale) until the new method's pixels arrive, never bicubic.
    func testAMethodSwitchKeepsTheOtherNetworkPixels() throws {
        let h = open()
        h.settle()
        h.type("z")
        let blend = MethodKey(.blend, alpha: 0.5)
        for _ in 0..<10 { h.finishJobs(only: { $0 == blend }) }
        let view = try XCTUnwrap(neededRegion(h.state))
        h.effects = []
        h.type("3")  // GAN: none of it at 1:1 yet
        XCTAssertEqual(h.state.preview?.primaryKey, MethodKey(.gan))
        XCTAssertFalse(visible(h.effects, MethodKey(.gan)).isEmpty, "GAN is computed")
        XCTAssertTrue(Progressive.covers(view, networkCoverage(h.state)), "network pixels, not bicubic")
        XCTAssertTrue(h.screen.text(row: 0).contains("stale"), h.screen.text(row: 0))
        h.type("1")  // bicubic is its own picture
        XCTAssertFalse(h.screen.text(row: 0).contains("stale"), h.screen.text(row: 0))
    }

    /// The PSNR and GAN networks are the blend at α 0 and 1 (the engine runs them so): once the
    /// ladder covers the view, switching to either is exact at once and computes nothing.
    func testTheLadderEndsAreThePSNRAndGANPictures() throws {
        let h = open()
        h.settle()
        h.type("z")
        h.settle()
        let view = try XCTUnwrap(neededRegion(h.state))
        for (key, method) in [("2", Method.psnr), ("3", .gan)] {
            h.effects = []
            h.type(key)
            XCTAssertTrue(visible(h.effects, MethodKey(method)).isEmpty, "\(method): nothing to compute")
            XCTAssertEqual(primaryExactArea(h.state).covered, view.area, "\(method) exact")
            XCTAssertFalse(h.screen.text(row: 0).contains("stale"), h.screen.text(row: 0))
        }
    }

    func testAPaneLeftAloneIsRefinedOnTheExportTiles() throws {
        let h = open()
        h.settle()
        h.type("z")
        h.effects = []
        h.settle(rounds: 40)
        XCTAssertTrue(h.effects.contains { if case .infer(_, _, _, _, _, .refine) = $0 { return true }; return false })
        let p = try XCTUnwrap(h.state.preview)
        let view = try XCTUnwrap(neededRegion(h.state))
        let refined = p.cache.tiles(p.primaryKey).filter(\.refined)
        XCTAssertTrue(Progressive.covers(view, refined.map(\.region)))
        XCTAssertTrue(p.jobs.isEmpty)
        XCTAssertFalse(h.screen.text(row: 0).contains("refining"))
    }

    func testTheFitMosaicHasNoLinesWhereTilesMeet() throws {
        // PSNR is flat red in the fake: every pixel of the picture must be red, also the columns
        // and rows where two 128-px tiles meet inside one screen pixel (they were drawn darker).
        let h = open(columns: 40, rows: 9)
        h.type("2")
        h.settle()
        let img = try XCTUnwrap(h.screen.images.first?.image)
        // 300×200 ×4 in 400×140 px: 0.175 px per output pixel, 210 px wide, centred at x 95…305.
        var off = 0
        for y in 1..<(img.height - 1) {
            for x in 97..<303 {
                let i = (y * img.width + x) * 3
                if img.bytes[i] < 254 || img.bytes[i + 1] > 1 || img.bytes[i + 2] > 1 { off += 1 }
            }
        }
        XCTAssertEqual(off, 0, "pixels not pure red inside the picture")
    }

    func testTheFitMosaicInBlocksHasNoLinesWhereTilesMeet() throws {
        // The same in block cells (sextants, 2×3 samples a cell): every cell inside the picture
        // (away from its letterboxed edges) is pure red in both its colours.
        let h = Harness(directory: dir, columns: 80, rows: 24)
        h.keys(.enter)
        h.type("2")
        h.settle()
        XCTAssertNil(viewProgress(h.state, h.state.preview!), "the fit view is complete")
        var cells = 0, off = 0
        for row in 2..<21 {
            for column in 14..<66 {
                guard let c = h.screen[row, column].image else { continue }
                cells += 1
                let glyphIsFull = c.glyph == " " || c.glyph == "█"
                if c.bg != RGB8(255, 0, 0) || (!glyphIsFull && c.fg != RGB8(255, 0, 0)) { off += 1 }
            }
        }
        XCTAssertGreaterThan(cells, 500)
        XCTAssertEqual(off, 0, "cells not pure red inside the picture")
    }
}
