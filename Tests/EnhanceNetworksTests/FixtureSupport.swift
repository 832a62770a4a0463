import EnhanceCheckpoints
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

/// Checks a network whose blocks take whole-map statistics (GroupNorm, channel means) per tile, as
/// chaiNNer runs spandrel's models: on `x` in tiles of `tile` input px with a margin of the
/// receptive radius, the output differs from the untiled pass by more than `minimum` (relative),
/// the tile at (`tile`, `tile`) equals its context window run alone and cut to the core, and one
/// tile covering the image (`whole` px) is the untiled pass. Returns the tiled-vs-untiled error.
@discardableResult
func assertStatisticsArePerTile(_ net: any SuperResolutionNetwork, _ x: Tensor, tile: Int, whole: Int,
                                minimum: Float, _ name: String, file: StaticString = #filePath,
                                line: UInt = #line) throws -> Float {
    let pool = ThreadPool(threads: 2), s = net.scale, margin = net.receptiveRadius
    let untiled = try net.forward(x, pool: pool, cancel: nil)
    let tiled = try Tiler.run(net, x, tileSize: tile, margin: margin, pool: pool)
    let err = maxRelativeError(tiled, untiled)
    print("\(name): tiled (\(tile) px, margin \(margin)) vs untiled, max rel error \(err)")
    XCTAssertGreaterThan(err, minimum, name, file: file, line: line)
    let y0 = max(0, tile - margin), x0 = max(0, tile - margin)
    let y1 = min(x.height, 2 * tile + margin), x1 = min(x.width, 2 * tile + margin)
    let own = try net.forward(Tiler.crop(x, y: y0, x: x0, height: y1 - y0, width: x1 - x0), pool: pool, cancel: nil)
    let core = Tiler.crop(own, y: (tile - y0) * s, x: (tile - x0) * s, height: tile * s, width: tile * s)
    let cut = Tiler.crop(tiled, y: tile * s, x: tile * s, height: tile * s, width: tile * s)
    XCTAssertLessThan(maxRelativeError(cut, core), 1e-6, name, file: file, line: line)
    XCTAssertEqual(try Tiler.run(net, x, tileSize: whole, margin: margin, pool: pool), untiled, name,
                   file: file, line: line)
    return err
}
