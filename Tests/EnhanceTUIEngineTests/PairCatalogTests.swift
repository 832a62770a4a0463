import EnhanceTUI
import EnhanceTUIEngine
import Foundation
import XCTest

/// Named pairs for `--pair`: the default is `enhance-x4` whatever sorts first, a name is the
/// first folder's, and an unknown name lists the pairs there are.
final class PairCatalogTests: XCTestCase {
    private func folder(_ files: [String]) throws -> String {
        let dir = NSTemporaryDirectory() + "enhance-pairs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        for f in files { _ = FileManager.default.createFile(atPath: dir + "/" + f, contents: Data()) }
        return dir
    }

    func testNamedPairsDefaultAndShadowing() throws {
        let a = try folder(["aa-psnr.safetensors", "aa-gan.safetensors", "single.pth"])
        let b = try folder(["enhance-x4-psnr.safetensors", "enhance-x4-gan.safetensors",
                            "aa-psnr.pth", "aa-gan.pth"])
        let pairs = PairCatalog.pairs(folders: [a, b])
        XCTAssertEqual(pairs.map(\.name), ["aa", "enhance-x4"])
        XCTAssertEqual(pairs[0].psnr, a + "/aa-psnr.safetensors")
        XCTAssertEqual(PairCatalog.defaultPair(folders: [a, b])?.name, "enhance-x4")
        XCTAssertEqual(PairCatalog.defaultPair(folders: [a])?.name, "aa")
        XCTAssertNil(PairCatalog.defaultPair(folders: [try folder(["single.pth"])]))
        XCTAssertEqual(try PairCatalog.pair(named: "enhance-x4", folders: [a, b]).gan,
                       b + "/enhance-x4-gan.safetensors")
        XCTAssertThrowsError(try PairCatalog.pair(named: "single.pth", folders: [a, b])) { error in
            XCTAssertEqual(error as? UnknownPair, UnknownPair(name: "single.pth", available: ["aa", "enhance-x4"]))
            XCTAssertEqual("\(error)", "unknown model pair 'single.pth'; available pairs: aa, enhance-x4")
        }
    }
}
