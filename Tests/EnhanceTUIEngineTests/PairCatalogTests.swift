import EnhanceTUI
import EnhanceNetworks
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

/// What the picker is told about each pair: checked from headers alone, with the same verdict as
/// loading the two and blending; the pair in use is marked however its path is spelled.
final class PairListingTests: XCTestCase {
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testHeaderCheckAgreesWithLoadingAndTheCurrentPairIsMarked() throws {
        let models = repo.appendingPathComponent("Models").path
        let fixtures = repo.appendingPathComponent("Tests/EnhanceNetworksTests/Fixtures").path
        let psnr = models + "/enhance-x4-psnr.safetensors", gan = models + "/enhance-x4-gan.safetensors"
        guard FileManager.default.fileExists(atPath: psnr), FileManager.default.fileExists(atPath: gan) else {
            throw XCTSkip("the bundled pair is not in Models/")
        }
        let dir = NSTemporaryDirectory() + "enhance-listing-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let links = ["good-psnr.safetensors": psnr, "good-gan.safetensors": gan, "bad-psnr.safetensors": psnr,
                     "bad-gan.safetensors": fixtures + "/msrresnet_x4.weights.safetensors",
                     "three.safetensors": fixtures + "/msrresnet_x3.weights.safetensors"]
        for (name, target) in links {
            try FileManager.default.createSymbolicLink(atPath: dir + "/" + name, withDestinationPath: target)
        }
        let engine = try UpscalerEngine(psnr: nil, gan: nil, modelFolders: [dir], paths: (psnr, gan))
        let listed = engine.pairs()
        XCTAssertEqual(listed.map(\.name), ["bad", "good", "three.safetensors"])
        XCTAssertEqual(listed.map(\.isCurrent), [false, true, false], "good is the files in use, through links")
        XCTAssertNil(listed[1].problem)
        // The oracle: loading both checkpoints and building the blender refuses them the same way.
        let loadedVerdict: String
        do {
            _ = try ModelBlender(psnr: try ModelLoader.load(path: dir + "/bad-psnr.safetensors"),
                                 gan: try ModelLoader.load(path: dir + "/bad-gan.safetensors"))
            loadedVerdict = "accepted"
        } catch {
            loadedVerdict = "\(error)"
        }
        XCTAssertTrue(loadedVerdict.contains("cannot blend"), loadedVerdict)
        XCTAssertEqual(listed[0].problem, loadedVerdict)
        XCTAssertEqual(listed[2].problem, "three.safetensors upscales ×3; this session is ×4")
        // After a switch the mark follows.
        try engine.switchPair(listed[1])
        XCTAssertEqual(engine.pairs().map(\.isCurrent), [false, true, false])
    }
}
