import EnhanceCheckpoints
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// Tiled inference must equal untiled inference when the margin covers the receptive field.
final class TilerTests: XCTestCase {
    private func model(_ name: String) throws -> DetectedModel {
        try NetworkRegistry.detect(Fixture.safetensors(name + ".weights.safetensors"), source: name)
    }

    private func assertSeamless(_ name: String, height: Int, width: Int, tile: Int) throws {
        let net = try model(name).network
        let pool = ThreadPool(threads: 2)
        let x = randomTensor(channels: 3, height: height, width: width, seed: 7)
        let whole = try net.forward(x, pool: pool, cancel: nil)
        var fractions: [Double] = []
        let tiled = try Tiler.run(net, x, tileSize: tile, margin: net.receptiveRadius, pool: pool,
                                  progress: { fractions.append($0) })
        let err = maxRelativeError(tiled, whole)
        print("\(name): tiled (\(tile) px tiles, margin \(net.receptiveRadius)) vs untiled max rel error \(err)")
        XCTAssertLessThan(err, 1e-4)
        XCTAssertGreaterThan(fractions.count, 3, "expected several tiles")
        XCTAssertEqual(fractions.last, 1)
        XCTAssertEqual(fractions, fractions.sorted())
    }

    func testRRDBNetX4TiledEqualsUntiled() throws {
        try assertSeamless("rrdbnet_x4_basicsr", height: 90, width: 77, tile: 24)
    }

    func testRRDBNetX2TiledEqualsUntiled() throws {
        try assertSeamless("rrdbnet_x2_basicsr", height: 160, width: 150, tile: 40)
    }

    func testMSRResNetTiledEqualsUntiled() throws {
        try assertSeamless("msrresnet_x4", height: 33, width: 29, tile: 10)
    }

    func testSRVGGTiledEqualsUntiled() throws {
        try assertSeamless("srvgg_x4", height: 25, width: 31, tile: 8)
    }

    func testSmallMarginIsNotExact() throws {
        // The seamless property depends on the margin: with none, tile borders differ.
        let net = try model("msrresnet_x4").network
        let pool = ThreadPool(threads: 1)
        let x = randomTensor(channels: 3, height: 24, width: 24, seed: 3)
        let whole = try net.forward(x, pool: pool, cancel: nil)
        let tiled = try Tiler.run(net, x, tileSize: 8, margin: 0, pool: pool)
        XCTAssertGreaterThan(maxRelativeError(tiled, whole), 1e-3)
    }

    func testCancellationStopsTiling() throws {
        let net = try model("srvgg_x4").network
        let token = CancellationToken()
        var calls = 0
        let x = randomTensor(channels: 3, height: 32, width: 32, seed: 1)
        let progress: (Double) -> Void = { _ in
            calls += 1
            if calls == 2 { token.cancel() }
        }
        XCTAssertThrowsError(try Tiler.run(net, x, tileSize: 8, margin: 4, pool: ThreadPool(threads: 1),
                                           cancel: token, progress: progress)) {
            XCTAssertTrue($0 is CancellationError, "\($0)")
        }
        XCTAssertEqual(calls, 2, "no tile may run after cancellation")
    }

    func testCancelFromAnotherThreadInterruptsAForwardPass() throws {
        let net = try model("rrdbnet_x4_basicsr").network
        let token = CancellationToken()
        let x = randomTensor(channels: 3, height: 384, width: 384, seed: 5)
        // Cancelled by another thread as the pass starts (an event, not a guessed delay); the
        // pass takes seconds, so the cancellation reaches it between blocks.
        let starting = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { starting.wait(); token.cancel() }
        starting.signal()
        let t0 = Date()
        XCTAssertThrowsError(try net.forward(x, pool: ThreadPool(threads: 2), cancel: token)) {
            XCTAssertTrue($0 is CancellationError, "\($0)")
        }
        print(String(format: "forward cancelled after %.3f s", Date().timeIntervalSince(t0)))
    }

    func testCancelledTokenStopsForwardBetweenBlocks() throws {
        let net = try model("rrdbnet_x4_basicsr").network
        let token = CancellationToken()
        token.cancel()
        XCTAssertThrowsError(try net.forward(randomTensor(channels: 3, height: 8, width: 8, seed: 2),
                                             pool: ThreadPool(threads: 1), cancel: token)) {
            XCTAssertTrue($0 is CancellationError)
        }
    }
}
