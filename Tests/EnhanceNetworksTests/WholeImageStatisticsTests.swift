import EnhanceCheckpoints
import EnhanceImaging
@testable import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// The first pass whose whole-map statistics (GroupNorm moments, channel means) every tile replays:
/// what it runs on, how a record that does not fit is refused, and the streamed export's use of it.
/// The families' own tests check tiles against the untiled pass (``assertWholeImageStatistics``).
final class WholeImageStatisticsTests: XCTestCase {
    private func model(_ name: String) throws -> LoadedModel {
        try LoadedModel(stateDict: Fixture.safetensors(name + ".weights.safetensors"), name: name)
    }

    private func image(_ w: Int, _ h: Int, channels c: Int = 3, seed: UInt64 = 3) -> Image {
        Image(width: w, height: h, channelCount: c,
              pixels: randomTensor(channels: c, height: h, width: w, seed: seed).data)
    }

    /// The first pass runs on the image itself up to the side, else on Pillow's bicubic reduction to
    /// that longer side (imaging's `Resample.bicubic`, checked against Pillow in EnhanceImagingTests),
    /// read in bands of rows.
    func testFirstPassImage() {
        let small = image(30, 21, channels: 4)
        XCTAssertEqual(Upscaler.firstPassImage(small, side: 30).pixels, small.pixels)
        let big = image(101, 67, channels: 4)
        let reduced = Upscaler.firstPassImage(big, side: 40)
        XCTAssertEqual([reduced.width, reduced.height], [40, 27])
        XCTAssertEqual(reduced.pixels, Resample.bicubic(big, width: 40, height: 27).pixels)
        let tall = Upscaler.firstPassImage(image(9, 300), side: 64)
        XCTAssertEqual([tall.width, tall.height], [2, 64])
    }

    /// A record replayed on a network it was not made by (other layers, other widths) or cut short
    /// is refused with an error, not used.
    func testARecordThatDoesNotFitIsRefused() throws {
        let pool = ThreadPool(threads: 2), x = randomTensor(channels: 3, height: 12, width: 10, seed: 1)
        let a = try model("rcan_x4").network, b = try model("rcan_x2_nf32").network
        let record = try a.recordStatistics(x, pool: pool, cancel: nil)
        XCTAssertThrowsError(try b.forward(x, pool: pool, cancel: nil, options: .init(statistics: .replay(record))))
        let short = WholeImageStatistics(layers: Array(record.layers.dropLast()), width: 10, height: 12)
        XCTAssertThrowsError(try a.forward(x, pool: pool, cancel: nil, options: .init(statistics: .replay(short)))) {
            XCTAssertTrue("\($0)".contains("replayed statistics do not fit"), "\($0)")
        }
        let plain = try model("msrresnet_x4").network
        XCTAssertFalse(plain.hasWholeImageStatistics)
        XCTAssertTrue(try plain.recordStatistics(x, pool: pool, cancel: nil).layers.isEmpty)
    }

    /// The upscaler makes no first pass for networks without whole-map statistics, and refuses
    /// statistics recorded for an image of another size.
    func testStatisticsOfTheUpscaler() throws {
        let img = image(20, 16)
        XCTAssertNil(try Upscaler(.model(try model("msrresnet_x4"))).statistics(of: img))
        let u = try Upscaler(.model(try model("realplksr_x4")), options: UpscaleOptions(threads: 2))
        let s = try XCTUnwrap(try u.statistics(of: img))
        XCTAssertEqual([s.width, s.height, s.rgb.width, s.rgb.height], [20, 16, 20, 16])
        XCTAssertNil(s.alpha)
        XCTAssertNotNil(try u.statistics(of: image(20, 16, channels: 4))?.alpha)
        XCTAssertThrowsError(try u.upscaleRegion(image(16, 20), x: 0, y: 0, width: 4, height: 4, statistics: s))
    }

    /// The streamed export replays one first pass on every tile of every band (RGB and the alpha
    /// plane the model upscales): in tiles of 12 px it writes the untiled upscale up to float
    /// rounding (0 or 1 level in 8 bits), whereas tiles with their own statistics do not.
    func testStreamedExportReplaysOneFirstPass() throws {
        let m = try model("realplksr_x4"), img = image(40, 34, channels: 4, seed: 8)
        var options = UpscaleOptions(tileSize: 12, tileOverlap: m.network.receptiveRadius, threads: 2)
        options.statisticsSide = 16
        var bands: [Float] = []
        try Upscaler(.model(m), options: options).stream(img) { bands += planes($0) }
        options.tileSize = 1024
        let whole = try Upscaler(.model(m), options: options).upscale(img)
        XCTAssertEqual(bands.count, whole.pixels.count)
        let planar = planes(whole)
        XCTAssertLessThan(zip(bands, planar).map { abs($0 - $1) }.max()!, 1e-4)
        let plane = img.width * img.height
        let x = Tensor(channels: 3, height: img.height, width: img.width, data: Array(img.pixels[0..<(3 * plane)]))
        let own = try Tiler.run(m.network, x, tileSize: 12, margin: options.margin(for: m.network),
                                pool: ThreadPool(threads: 2))
        let ownError = zip(own.data, whole.pixels).map { abs(min(1, max(0, $0)) - $1) }.max()!
        print("realplksr_x4: tiles with their own statistics vs the untiled upscale: max |Δ| \(ownError)")
        XCTAssertGreaterThan(ownError, 1e-3)
    }

    /// A band's pixels as rows of each plane, so bands append to whole planes: `[c][y][x]` → by row.
    private func planes(_ band: Image) -> [Float] {
        var out: [Float] = []
        for y in 0..<band.height { for c in 0..<band.channelCount {
            out += band.pixels[(c * band.height + y) * band.width..<((c * band.height + y) + 1) * band.width]
        } }
        return out
    }
}
