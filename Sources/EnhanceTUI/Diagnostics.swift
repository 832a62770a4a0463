import EnhanceImaging
import EnhanceTerminal
import Foundation

/// Black → red → yellow → white ramp for v in [0, 1].
func heatColor(_ v: Float) -> (Float, Float, Float) {
    let t = min(max(v, 0), 1)
    return (min(3 * t, 1), min(max(3 * t - 1, 0), 1), min(max(3 * t - 2, 0), 1))
}

/// Heat map of the mean absolute RGB difference of two equally sized grids, amplified by `gain`.
func heatGrid(_ a: PixelGrid, _ b: PixelGrid, gain: Float) -> PixelGrid {
    var out = [Float](repeating: 0, count: a.rgb.count)
    for i in stride(from: 0, to: min(a.rgb.count, b.rgb.count), by: 3) {
        let d = (abs(a.rgb[i] - b.rgb[i]) + abs(a.rgb[i + 1] - b.rgb[i + 1]) + abs(a.rgb[i + 2] - b.rgb[i + 2])) / 3
        let c = heatColor(d * gain)
        out[i] = c.0; out[i + 1] = c.1; out[i + 2] = c.2
    }
    return PixelGrid(width: a.width, height: a.height, rgb: out)
}

/// Box-downscales `tile` by `scale` (exact area average, via ``PixelGrid/sample``) and compares
/// it with the same region of `input`.
public func consistency(tile: Tile, input: Image, scale: Int, key: MethodKey) -> Consistency {
    let r = tile.region
    let w = r.width, h = r.height
    let down = PixelGrid.sample(tile.image, x: 0, y: 0, width: Double(tile.image.width),
                                height: Double(tile.image.height), toWidth: w, height: h)
    let src = PixelGrid.sample(input, x: Double(r.x), y: Double(r.y), width: Double(w), height: Double(h),
                               toWidth: w, height: h)
    var diff = [Float](repeating: 0, count: 3 * w * h)
    var se: Double = 0
    down.rgb.withUnsafeBufferPointer { d in
        src.rgb.withUnsafeBufferPointer { s in
            for i in 0..<(w * h) {
                for c in 0..<3 {
                    let e = d[i * 3 + c] - s[i * 3 + c]
                    diff[c * w * h + i] = abs(e)
                    se += Double(e * e)
                }
            }
        }
    }
    let mse = se / Double(max(3 * w * h, 1))
    let psnr = mse > 0 ? 10 * log10(1 / mse) : Double.infinity
    return Consistency(key: key, region: r, diff: Image(width: w, height: h, channelCount: 3, pixels: diff), psnr: psnr)
}

/// Asks for the consistency diagnostic (an effect: it is heavy) when its layout is shown and the
/// primary method's tile changed since the last measurement or request.
func requestConsistency(_ s: inout AppState) -> [Effect] {
    guard var p = s.preview, p.layout == .consistency, let view = neededRegion(s) else { return [] }
    let key = p.primaryKey
    guard let t = p.cache.covering(key, view, scale: s.scale), t.region.width > 0, t.region.height > 0 else {
        return []
    }
    let req = Consistency.Request(key: key, region: t.region)
    if let c = p.consistency, c.key == key, c.region == t.region { return [] }
    if p.consistencyPending == req { return [] }
    p.consistencyPending = req
    s.preview = p
    return [.measureConsistency(tile: t, input: p.image, key: key)]
}
