import Foundation
import XCTest
import EnhanceImaging
import EnhanceTerminal
@testable import EnhanceTUI

/// The `tui` options that shape the UI itself (`--method`, `--alpha`, `--hidden`) take effect in
/// the initial state, and in every image opened afterwards.
final class StartOptionsTests: PhotoDirTestCase {
    func testMethodAndAlphaOptionsAreWhatAnOpenedImageShows() {
        let h = Harness(directory: dir, columns: 60, rows: 8, options: TUIOptions(method: .gan, alpha: 0.8))
        h.keys(.enter)
        let p = h.state.preview!
        XCTAssertEqual(p.primary, .gan)
        XCTAssertEqual(p.alpha, 0.8)
        XCTAssertEqual(inferKeys(h.effects), [MethodKey(.bicubic), MethodKey(.gan)], "the GAN is computed first")
        h.settle()
        XCTAssertEqual(h.screen.text(row: 0).trimmingCharacters(in: .whitespaces), "GAN")
        XCTAssertTrue(h.screen.text(row: 7).hasPrefix(" α 0.80 │ "), h.screen.text(row: 7))
        h.type("4")
        XCTAssertTrue(h.screen.text(row: 0).hasPrefix(" blend α=0.80 "), h.screen.text(row: 0))
        // Back in the browser and into the image again: the options apply to every image opened.
        h.keys(.char("o"))
        h.keys(.enter)
        XCTAssertEqual(h.state.preview!.primary, .gan)
        XCTAssertEqual(h.state.preview!.alpha, 0.8)
    }

    func testBicubicFirstComparesWithTheBlendAndAlphaIsKeptToHundredths() {
        let h = Harness(directory: dir, columns: 60, rows: 8, options: TUIOptions(method: .bicubic, alpha: 0.333))
        h.keys(.enter)
        XCTAssertEqual(h.state.preview!.primary, .bicubic)
        XCTAssertEqual(h.state.preview!.secondary, .blend, "the compare method is never the shown one")
        XCTAssertEqual(h.state.preview!.alpha, 0.33)
    }

    func testAnImagePathOpensWithTheOptionsAndHiddenFilesShow() {
        writeFakeImage(dir + "/.hidden.dat", 4, 4)
        let (s, fx) = initialState(path: dir + "/photo.dat", isDirectory: false, columns: 60, rows: 8, scale: 4,
                                   models: ("a", "b"), colorMode: .none,
                                   options: TUIOptions(showHidden: true, method: .psnr, alpha: 1))
        XCTAssertEqual(fx, [.listDirectory(path: dir), .load(path: dir + "/photo.dat")])
        XCTAssertEqual(s.colorMode, ColorMode.none)
        var (next, _) = update(s, .loaded(path: dir + "/photo.dat", image: gradient(8, 6), error: nil))
        XCTAssertEqual(next.preview!.primary, .psnr)
        XCTAssertEqual(next.preview!.alpha, 1)
        XCTAssertTrue(next.browser.showHidden)
        let (entries, error) = DirectoryLister.list(dir) { FakeEngine().probe(path: $0) }
        (next, _) = update(next, .listed(directory: dir, entries: entries, error: error))
        XCTAssertTrue(next.browser.visible.contains { $0.name == ".hidden.dat" })
    }
}
