import Foundation
import XCTest
import EnhanceImaging
@testable import EnhanceTUI

/// Where an export goes by default and what it is called: the export folder (the working
/// directory, not the image's folder), a name that tells the pairs apart, the full path said, and
/// the browser showing the new file.
final class ExportNamingTests: PhotoDirTestCase {
    func testPairNamesForFiles() {
        XCTAssertEqual(pairLabel(psnr: "enhance-rrdb-x4-psnr.safetensors", gan: "enhance-rrdb-x4-gan.safetensors"),
                       "enhance-rrdb-x4")
        XCTAssertEqual(pairLabel(psnr: "/m/a-psnr.pth", gan: "/n/a-gan.param"), "a")
        XCTAssertEqual(pairLabel(psnr: "one.pth", gan: "one.pth"), "one")
        XCTAssertEqual(pairLabel(psnr: "x-psnr.pth", gan: "y-gan.pth"), "x-psnr+y-gan")
        XCTAssertEqual(pairLabel(psnr: "my net-psnr.pth", gan: "my net-gan.pth"), "my_net")
        XCTAssertEqual(pairLabel(psnr: "—", gan: "g.pth"), "")
    }

    func testDefaultNameTellsThePairsApartAndGoesToTheExportFolder() {
        let engine = FakeEngine()
        engine.offered = [PairChoice(name: "rrdb", psnr: "/m/rrdb-psnr.pth", gan: "/m/rrdb-gan.pth")]
        let out = "/somewhere/else"
        let h = Harness(directory: dir, columns: 80, rows: 12, engine: engine,
                        options: TUIOptions(exportFolder: out))
        h.keys(.enter)
        h.type("e")
        XCTAssertEqual(h.state.export, .prompt(text: out + "/photo_x4_psnr-net+gan-net_blend0.50.png"))
        h.keys(.escape)
        h.type("p")
        h.keys(.enter)  // switch to the "rrdb" pair
        XCTAssertEqual(h.state.pairName, "rrdb")
        h.type("e")
        XCTAssertEqual(h.state.export, .prompt(text: out + "/photo_x4_rrdb_blend0.50.png"))
        h.keys(.escape)
        h.type("1")  // bicubic: no pair is involved
        h.type("e")
        XCTAssertEqual(h.state.export, .prompt(text: out + "/photo_x4_bicubic.png"))
    }

    func testARelativePathIsTakenFromTheExportFolderAndTheStatusSaysWhere() {
        let out = dir + "/out"
        let h = Harness(directory: dir, columns: 80, rows: 12, options: TUIOptions(exportFolder: out))
        h.keys(.enter)
        h.type("e")
        h.keys(.char(clearLineKey))
        h.type("mine.jpg")
        h.keys(.enter)
        XCTAssertEqual(h.effects.last, .checkExists(path: out + "/mine.jpg"))
        h.send(.existsChecked(path: out + "/mine.jpg", exists: false))
        guard case let .export(_, _, path)? = h.effects.last else { return XCTFail("no export effect") }
        XCTAssertEqual(path, out + "/mine.jpg")
        h.send(.exportFinished(path: path, seconds: 1.5))
        XCTAssertEqual(h.state.status, "exported \(out)/mine.jpg in 1.50s")
    }

    func testTheBrowserListsTheExportedFileAndKeepsItsSelection() throws {
        let h = Harness(directory: dir, columns: 80, rows: 12)  // exports go to the browsed folder
        h.keys(.enter)
        h.type("e")
        h.keys(.enter)
        let path = dir + "/photo_x4_psnr-net+gan-net_blend0.50.png"
        h.send(.existsChecked(path: path, exists: false))
        guard case let .export(image, key, p)? = h.effects.last else { return XCTFail("no export effect") }
        // What the executor does: the engine writes the file, then the loop hears it finished.
        try h.engine.export(image, method: key.method, alpha: key.alpha, to: p, cancel: CancellationToken()) { _ in }
        h.send(.exportFinished(path: p, seconds: 0.5))
        h.type("o")
        XCTAssertEqual(h.state.screen, .browser)
        XCTAssertTrue(h.state.browser.visible.contains { $0.name == "photo_x4_psnr-net+gan-net_blend0.50.png" },
                      "the new file is listed without re-entering the folder")
        XCTAssertEqual(h.state.browser.selectedEntry?.name, "photo.dat")
        XCTAssertTrue(h.screen.plainText.contains("photo_x4_psnr-net+gan-net_blend0.50.png"))
    }
}
