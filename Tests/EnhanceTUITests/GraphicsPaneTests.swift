import Foundation
import XCTest
import EnhanceTerminal
@testable import EnhanceTUI

/// Panes drawn with a graphics protocol: pixel geometry (1:1 = one output pixel per screen
/// pixel, fit = the pane's whole pixel area), pixels checked against the fake engine's
/// nearest-neighbour ×4 of the gradient, and images removed while a dialog is open.
final class GraphicsPaneTests: PhotoDirTestCase {
    /// photo.dat (8×6 → 32×24) in a 40×8 terminal of 4×8-pixel cells: panes of 40×6 cells =
    /// 160×48 pixels.
    func open(_ kind: GraphicsProtocol = .kitty) -> Harness {
        let h = Harness(directory: dir, columns: 40, rows: 8)
        h.state.graphics = kind
        h.state.cellPixels = CellPixels(width: 4, height: 8)
        h.keys(.enter)
        h.keys(.char("1"))  // bicubic: the fake engine replicates input pixels ×4
        h.finishJobs()
        return h
    }

    /// The gradient input pixel shown at output pixel (`x`, `y`).
    func expected(_ x: Int, _ y: Int) -> RGB8 {
        let g = gradient(8, 6)
        return RGB8(unit: g[0, y / 4, x / 4], g[1, y / 4, x / 4], g[2, y / 4, x / 4])
    }

    func testOneToOneIsOneOutputPixelPerScreenPixel() throws {
        let h = open()
        h.type("z")
        XCTAssertEqual(h.state.preview!.zoom, .factor(1))
        let s = h.screen
        XCTAssertEqual(s.images.count, 1)
        let img = s.images[0]
        XCTAssertEqual([img.row, img.column, img.columns, img.rows], [1, 0, 40, 6])
        XCTAssertEqual(img.image.width, 160); XCTAssertEqual(img.image.height, 48)
        // 160×48 px show 32×24 output px centred: x from 64, y from 12.
        for y in 0..<48 {
            for x in 0..<160 {
                let inside = (64..<96).contains(x) && (12..<36).contains(y)
                XCTAssertEqual(img.image[x, y], inside ? expected(x - 64, y - 12) : .black, "(\(x), \(y))")
            }
        }
        XCTAssertTrue((1...6).allSatisfy { r in (0..<40).allSatisfy { s[r, $0].image != nil } },
                      "cells under the image are image cells")
        h.send(.resize(columns: 80, rows: 8))
        XCTAssertTrue(h.screen.text(row: 7).contains("pixels kitty"), h.screen.text(row: 7))
        XCTAssertEqual(h.screen.images.first?.image.width, 320, "resize redraws at the new pane size")
    }

    func testFitUsesThePanesWholePixelArea() {
        let h = open(.sixel)
        let img = h.screen.images[0].image
        // min(160/32, 48/24) = 2: the image is 64×48 px, centred at x 48…111, all rows.
        XCTAssertEqual(img.width, 160)
        for y in [0, 1, 23, 47] {
            XCTAssertEqual(img[47, y], .black)
            XCTAssertEqual(img[48, y], expected(0, y / 2))
            XCTAssertEqual(img[111, y], expected(31, y / 2))
            XCTAssertEqual(img[112, y], .black)
        }
        h.send(.cellPixels(CellPixels(width: 8, height: 16)))
        XCTAssertEqual(h.screen.images[0].image.width, 320, "a new cell size redraws at the new pixel size")
        XCTAssertEqual(h.screen.images[0].image.height, 96)
    }

    /// Help, export and the pair picker over pixel panes: the images go and the panes stay blank (no block
    /// rendering at another magnification in their place); the same images come back after.
    func testDialogsBlankThePanesWithoutABlockRendering() {
        for kind in [GraphicsProtocol.kitty, .sixel] {
            let h = open(kind)
            let before = h.screen
            XCTAssertEqual(before.images.count, 1)
            for (open, close) in [("?", Key.char("x")), ("e", Key.escape), ("p", Key.escape)] {  // any key closes help
                h.type(open)
                let s = h.screen
                XCTAssertTrue(s.images.isEmpty, "\(kind) \(open): no pixels over the dialog")
                XCTAssertFalse(s.cells.contains { $0.image != nil }, "\(kind) \(open): no block-rendered cells")
                if open == "e" {  // help fills this 8-row screen; the export box is rows 2…5
                    XCTAssertEqual(s.text(row: 0), before.text(row: 0), "the pane title stays")
                    XCTAssertEqual(s.text(row: 1), String(repeating: " ", count: 40), "blank above the box")
                    XCTAssertEqual(s[1, 0].style, .normal)
                }
                h.keys(close)
                XCTAssertNil(h.state.export)
                XCTAssertNil(h.state.picker)
                XCTAssertFalse(h.state.showHelp)
                XCTAssertEqual(h.screen, before, "\(kind) \(open): the same frame and image after closing")
            }
        }
    }

    func testLayoutsPlaceOneImagePerPaneWithStableSlots() {
        let h = open()
        h.type("v")  // side by side
        h.finishJobs()
        XCTAssertEqual(h.screen.images.map(\.slot), [0, 1])
        XCTAssertEqual(h.screen.images.map(\.column), [0, 20])
        h.type("v")  // 2×2 grid
        h.finishJobs()
        XCTAssertEqual(h.screen.images.map(\.slot), [0, 1, 2, 3])
        h.type("v")  // wipe: one image, the divider drawn in pixels
        h.finishJobs()
        let wipe = h.screen.images
        XCTAssertEqual(wipe.count, 1)
        let split = Int((Double(40) * h.state.preview!.wipe).rounded()) * 4
        XCTAssertEqual(wipe[0].image[split, 10], RGB8(255, 200, 0))
        XCTAssertEqual(wipe[0].image[split - 1, 10], RGB8(255, 200, 0))
        h.type("v")  // heat map
        h.finishJobs()
        XCTAssertEqual(h.screen.images.first?.image.width, 160)
    }

    func testFlickerSwapsTheImageAndTheNoteShows() {
        let h = open()
        let before = h.screen.images[0].image
        h.type(" ")  // flicker: the compare method (blend, flat green in the fake engine)
        h.finishJobs()
        XCTAssertTrue(h.state.preview!.flicker)
        let after = h.screen.images[0].image
        XCTAssertNotEqual(before, after)
        XCTAssertEqual(h.screen.images[0].slot, 0, "same slot: the kitty id is reused")
        h.state.graphicsNote = "blocks: tmux allow-passthrough is off"
        h.send(.resize(columns: 100, rows: 8))
        XCTAssertTrue(h.screen.text(row: 7).contains("allow-passthrough is off"), h.screen.text(row: 7))
    }

    func testBlocksStayTheDefault() {
        let h = Harness(directory: dir, columns: 40, rows: 8)
        h.keys(.enter)
        h.finishJobs()
        XCTAssertEqual(h.state.graphics, .blocks)
        XCTAssertTrue(h.screen.images.isEmpty)
        XCTAssertFalse(h.screen.text(row: 7).contains("pixels"))
    }
}

/// The 1:1 fast path (bytes straight from the planar tile) against the general area sampler.
final class PixelWindowTests: XCTestCase {
    func testWindowMatchesTheSampler() throws {
        let region = PixelRect(x: 2, y: 1, width: 10, height: 7)
        let a = Tile(region: region, image: gradient(40, 28)), b = Tile(region: region, image: flat(40, 28, (0.2, 0.9, 0.4)))
        let area = CellRect(row: 1, column: 0, width: 9, height: 5), cell = CellPixels(width: 6, height: 7)
        for (x, y) in [(0.0, 0.0), (-13.0, 5.0), (20.0, -9.0), (30.0, 25.0)] {
            let src = SourceRect(x: Double(region.x * 4) + x, y: Double(region.y * 4) + y, width: 54, height: 35,
                                 symbols: .halfBlock, perCell: cell)
            for img in [PaneImage.tile(a), .mix(.tile(a), .tile(b), 0.3)] {
                let fast = try XCTUnwrap(window(img, src, area, scale: 4, cell: cell))
                let general: RGBImage
                switch img {
                case .tile: general = RGBImage(samples(img, src, area, scale: 4, perCell: cell))
                case let .mix(p, q, t):
                    general = RGBImage(mixing: samples(p, src, area, scale: 4, perCell: cell),
                                       samples(q, src, area, scale: 4, perCell: cell), t: t)
                case .mosaic: return XCTFail("not built here")
                }
                XCTAssertEqual(fast, general, "offset (\(x), \(y))")
            }
        }
        let fractional = SourceRect(x: 8.5, y: 4, width: 54, height: 35, symbols: .halfBlock, perCell: cell)
        XCTAssertNil(window(.tile(a), fractional, area, scale: 4, cell: cell), "not 1:1 aligned: the sampler's job")
    }
}
