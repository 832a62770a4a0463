import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

final class ModelInfoTests: XCTestCase {
    func testInfoOfTinyRRDBNet() throws {
        let sd = try Fixture.safetensors("rrdbnet_x4_basicsr.weights.safetensors")
        let m = try LoadedModel(stateDict: sd, name: "tiny", sha256: "abc", sourceFormat: "safetensors")
        let i = m.info
        XCTAssertEqual(i.architecture, "RRDBNet")
        let n = i.network
        XCTAssertEqual([i.scale, n.inChannels, n.outChannels, n.hyperParameter("num_feat"), n.hyperParameter("blocks"),
                        n.hyperParameter("num_grow_ch")], [4, 3, 3, 8, 2, 4])
        XCTAssertEqual(i.parameterCount, sd.parameterCount)
        // Hand count (nf 8, gc 4, 2 blocks): first 216 + 6 RDBs × 9·(4·(8+12+16+20) + 8·24)
        // + body 576 + up1 576·4 + (up2, hr) 576·16 each + last 216·16.
        XCTAssertEqual(i.macsPerInputPixel, 47_448)
        // 1 (first) + 30 (blocks) + 1 (body) + ½ + ¼ + ¼ + ¼ → 34, +1 for resampling.
        XCTAssertEqual(i.receptiveRadius, 35)
        XCTAssertEqual(i.dtype, "F32")
        XCTAssertTrue(i.rows.contains { $0.0 == "sha256" && $0.1 == "abc" })
    }

    /// The same hand counts from the file's header alone: no tensor values, no network.
    func testDescriptionFromTheHeaderAloneMatchesTheHandCount() throws {
        let shapes = try Safetensors.describe(path: Fixture.url("rrdbnet_x4_basicsr.weights.safetensors").path)
        let d = try NetworkRegistry.describe(shapes, source: "tiny")
        XCTAssertEqual([d.scale, d.hyperParameter("num_feat"), d.hyperParameter("blocks"), d.hyperParameter("num_grow_ch")],
                       [4, 8, 2, 4])
        XCTAssertEqual(d.macsPerInputPixel, 47_448)
        XCTAssertEqual(d.receptiveRadius, 35)
        XCTAssertEqual(d.dtype, "F32")
        // Old ESRGAN keys under a params_ema wrapper beside params: renamed, unwrapped, the rest listed.
        let old = try Fixture.safetensors("rrdbnet_x4_old.weights.safetensors").shapes
        var wrapped = TensorShapes()
        for k in old.keys {
            wrapped["params_ema." + k] = old[k]
            wrapped["params." + k] = old[k]
        }
        let w = try NetworkRegistry.describe(wrapped, source: "wrapped")
        XCTAssertEqual(w.keyLayout, "ESRGAN")
        XCTAssertEqual(w.hyperParameter("blocks"), 3)
        XCTAssertEqual(w.ignoredKeys, old.keys.map { "params." + $0 })
        XCTAssertEqual(w.shapes.count, old.count)
    }

    func testSafetensorsExportRoundTrip() throws {
        let a = try LoadedModel(stateDict: Fixture.safetensors("rrdbnet_x4_old.weights.safetensors"), name: "old")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("enh-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try a.writeSafetensors(to: path, metadata: ["enhance.alpha": "0.8"])
        let file = try Safetensors.read(path: path)
        XCTAssertEqual(file.metadata["enhance.alpha"], "0.8")
        XCTAssertEqual(file.metadata["enhance.architecture"], "RRDBNet")
        XCTAssertNotNil(file.stateDict["conv_first.weight"], "exported under canonical BasicSR keys")
        let b = try LoadedModel(stateDict: file.stateDict, name: "reloaded")
        let x = randomTensor(channels: 3, height: 7, width: 6, seed: 9)
        let pool = ThreadPool(threads: 1)
        XCTAssertEqual(try a.network.forward(x, pool: pool, cancel: nil), try b.network.forward(x, pool: pool, cancel: nil))
    }
}
