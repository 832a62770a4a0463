import EnhanceImaging
@testable import EnhanceNetworks
import XCTest
@testable import EnhanceTUIEngine

/// The per-image, per-α store of statistics: exact α only, forgotten on another image, bounded
/// (the nodes' passes kept).
final class FirstPassesTests: XCTestCase {
    private func stats(_ w: Int) -> ImageStatistics {
        ImageStatistics(width: w, height: 1, rgb: WholeImageStatistics(layers: [], width: w, height: 1), alpha: nil)
    }

    func testLookup() {
        var f = FirstPasses()
        let image = Image(width: 2, height: 2, channelCount: 3, pixels: [Float](repeating: 0.5, count: 12))
        f.use(image)
        XCTAssertNil(f.lookup(0.5))
        f.insert(0.5, stats(5))
        f.insert(0.8, stats(8))
        XCTAssertEqual(f.lookup(0.5)?.width, 5)
        XCTAssertEqual(f.lookup(0.8)?.width, 8)
        XCTAssertNil(f.lookup(0.49), "another α's statistics are never borrowed")
        f.use(image)
        XCTAssertEqual(f.lookup(0.5)?.width, 5, "the same image keeps them")
        var other = image
        other.pixels[0] = 0
        f.use(other)
        XCTAssertNil(f.lookup(0.5), "another image forgets them")
        for i in 0...FirstPasses.capacity { f.insert(Float(i) / 100, stats(i)) }
        XCTAssertEqual(f.lookup(0)?.width, 0, "a node's pass (α 0) is never dropped")
        XCTAssertNil(f.lookup(0.01), "the oldest other α dropped past the capacity")
        XCTAssertEqual(f.lookup(0.02)?.width, 2)
        XCTAssertEqual(f.lookup(Float(FirstPasses.capacity) / 100)?.width, FirstPasses.capacity)
    }
}
