import EnhanceCheckpoints
import EnhanceImaging
import EnhanceNetworks
import EnhanceTensor
import Foundation
import XCTest

/// Test helpers: reads the safetensors fixtures written by scripts/oracles, F32 and I64 index buffers
/// (a deliberately tiny reader so these tests do not depend on the checkpoint module's own reader).
enum Fixture {
    static func url(_ name: String) throws -> URL {
        guard let u = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw NSError(domain: "Fixture", code: 1, userInfo: [NSLocalizedDescriptionKey: "missing fixture \(name)"])
        }
        return u
    }

    static func safetensors(_ name: String) throws -> StateDict {
        let data = try Data(contentsOf: url(name))
        let n = data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + Int(n)))) as! [String: Any]
        let base = 8 + Int(n)
        var entries: [(Int, String, [Int], Int, String)] = []
        for (key, v) in header where key != "__metadata__" {
            let d = v as! [String: Any], dtype = d["dtype"] as! String
            precondition(dtype == "F32" || dtype == "I64")
            let offs = d["data_offsets"] as! [Int]
            entries.append((offs[0], key, d["shape"] as! [Int], offs[1] - offs[0], dtype))
        }
        var sd = StateDict()
        for (start, key, shape, len, dtype) in entries.sorted(by: { $0.0 < $1.0 }) {
            let bytes = data.subdata(in: (base + start)..<(base + start + len))
            if dtype == "I64" {
                let values = bytes.withUnsafeBytes { $0.bindMemory(to: Int64.self).map(Float.init) }
                sd[key] = WeightTensor(shape: shape, values: values, dtype: .int64)
            } else {
                let values = bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                sd[key] = WeightTensor(shape: shape, values: values)
            }
        }
        return sd
    }

    /// `input` and ORT `output` of a fixture as CHW tensors (batch dimension dropped).
    static func io(_ name: String) throws -> (input: Tensor, output: Tensor) {
        let sd = try safetensors(name + ".io.safetensors")
        func t(_ k: String) -> Tensor {
            let w = sd[k]!
            return Tensor(channels: w.shape[1], height: w.shape[2], width: w.shape[3], data: w.values)
        }
        return (t("input"), t("output"))
    }
}

/// Max |a−b| / max(1, |b|) over all elements.
func maxRelativeError(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.data.count == b.data.count)
    var m: Float = 0
    for i in 0..<a.data.count { m = max(m, abs(a.data[i] - b.data[i]) / max(1, abs(b.data[i]))) }
    return m
}

/// Deterministic pseudo-random tensor in [0, 1).
func randomTensor(channels: Int, height: Int, width: Int, seed: UInt64) -> Tensor {
    var s = seed &* 6364136223846793005 &+ 1442695040888963407
    let data = (0..<(channels * height * width)).map { _ -> Float in
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return Float(s >> 40) / Float(1 << 24)
    }
    return Tensor(channels: channels, height: height, width: width, data: data)
}

/// Checks a network whose blocks take whole-map statistics (GroupNorm, channel means), on `x` (CHW
/// in [0, 1]) in tiles of `tile` input px with a margin of the receptive radius:
/// - a first pass's record of `x` itself, replayed, gives the untiled pass bit for bit, and tiles
///   replaying it equal the untiled pass up to float rounding (1e-4 relative, as `TilerTests`:
///   the convolutions' Winograd tiles follow each map's size), where tiles taking their own
///   statistics (chaiNNer's way, ``StatisticsSource/own``) differ by more than `minimum`;
/// - through the ``Upscaler``, `x` being no larger than the first pass's side (so the first pass
///   is the image itself), the tiled upscale is the untiled reference pass; with a first-pass side
///   of half the image (a reduced copy), tiled and untiled upscales still agree, and the returned
///   `reduced` is their largest difference from the reference (clamped values).
@discardableResult
func assertWholeImageStatistics(_ model: LoadedModel, _ x: Tensor, tile: Int, minimum: Float, _ name: String,
                                file: StaticString = #filePath, line: UInt = #line) throws
    -> (perTile: Float, reduced: Float) {
    let net = model.network, pool = ThreadPool(threads: 2), margin = net.receptiveRadius
    XCTAssertTrue(net.hasWholeImageStatistics, name, file: file, line: line)
    let untiled = try net.forward(x, pool: pool, cancel: nil)
    let record = try net.recordStatistics(x, pool: pool, cancel: nil)
    XCTAssertFalse(record.layers.isEmpty, name, file: file, line: line)
    let replay = ForwardOptions(statistics: .replay(record))
    XCTAssertEqual(try net.forward(x, pool: pool, cancel: nil, options: replay), untiled, name, file: file, line: line)
    let tiled = try Tiler.run(net, x, tileSize: tile, margin: margin, pool: pool, options: replay)
    let perTile = maxRelativeError(try Tiler.run(net, x, tileSize: tile, margin: margin, pool: pool), untiled)
    print("\(name): tiles of \(tile) px (margin \(margin)) vs untiled: replaying the first pass "
          + "\(maxRelativeError(tiled, untiled)), own statistics \(perTile) (max rel error)")
    XCTAssertLessThan(maxRelativeError(tiled, untiled), 1e-4, name, file: file, line: line)
    XCTAssertGreaterThan(perTile, minimum, name, file: file, line: line)

    let image = Image(width: x.width, height: x.height, channelCount: 3, pixels: x.data, bitDepth: 16)
    var options = UpscaleOptions(tileSize: tile, tileOverlap: margin, threads: 2)
    XCTAssertLessThanOrEqual(max(x.width, x.height), options.statisticsSide, file: file, line: line)
    let reference = untiled.data.map { min(1, max(0, $0)) }
    func largest(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? .infinity }
    let exact = try Upscaler(.model(model), options: options).upscale(image).pixels
    XCTAssertLessThan(largest(exact, reference), 1e-4, "\(name): first pass on the image itself",
                      file: file, line: line)
    options.statisticsSide = max(x.width, x.height) / 2
    let reduced = try Upscaler(.model(model), options: options).upscale(image).pixels
    options.tileSize = 4 * max(x.width, x.height)
    let reducedWhole = try Upscaler(.model(model), options: options).upscale(image).pixels
    XCTAssertLessThan(largest(reduced, reducedWhole), 1e-4, "\(name): reduced first pass, tiled vs untiled",
                      file: file, line: line)
    let approximation = largest(reducedWhole, reference)
    print("\(name): first pass on a copy of side \(options.statisticsSide) vs the image's own statistics: "
          + "max |Δ| \(approximation) (clamped)")
    return (perTile, approximation)
}

/// Max and mean difference in 8-bit levels of two CHW tensors' first `[3, h, w]`, after clamping
/// to [0, 1] (the local measurement tests' figure).
func levelDifference(_ a: Tensor, _ b: Tensor, height h: Int, width w: Int) -> (max: Int, mean: Double) {
    func level(_ v: Float) -> Int { Int((min(1, max(0, v)) * 255).rounded()) }
    var worst = 0, sum = 0
    for c in 0..<3 { for y in 0..<h { for x in 0..<w {
        let d = abs(level(a[c, y, x]) - level(b[c, y, x]))
        worst = max(worst, d)
        sum += d
    } } }
    return (worst, Double(sum) / Double(3 * h * w))
}
