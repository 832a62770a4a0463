import EnhanceCheckpoints
import EnhanceNetworks
import Foundation
import XCTest

/// Minimised reproducers of `scripts/fuzz` findings in the network targets (Fixtures/fuzz), one
/// test each; the fixture is the fuzz input itself (`key d0 d1 …` per line, as `detect` reads it).
final class NetworkFuzzRegressionTests: XCTestCase {
    /// `fuzz detect`, after the headers-only inspect merge: an SRVGGNetCompact whose third conv
    /// reads 6 channels where the second writes 8 was detected and built, and its forward pass hit
    /// the convolution's channel precondition (a crash). Detection now checks every conv's input
    /// against the previous conv's output and names the layer.
    func testSRVGGConvChainMismatchIsAnErrorNotACrash() throws {
        let text = try String(contentsOf: Fixture.url("fuzz/detect_srvgg_channel_chain.txt"), encoding: .utf8)
        var sd = StateDict()
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            let dims = parts.dropFirst().map { Int($0)! }
            sd[String(parts[0])] = WeightTensor(shape: dims, values: [Float](repeating: 0.01, count: dims.reduce(1, *)))
        }
        XCTAssertEqual(sd["body.4.weight"]?.shape, [8, 6, 3, 3], "fixture: the mismatching conv")
        XCTAssertThrowsError(try LoadedModel(stateDict: sd, name: "fuzz.safetensors")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("fuzz.safetensors") && text.contains("body.4"), text)
            XCTAssertTrue(text.contains("6 input channels, expected 8"), text)
        }
    }
}
