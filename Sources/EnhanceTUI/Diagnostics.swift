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

/// Box-downscales by `scale` the picture that `tiles` (composited as a pane composites them, the
/// last on top) make of `view`, and compares it with the same region of `input`: the statistic
/// covers exactly what the view shows, at fit (many reduced tiles) as at 1:1.
public func consistency(tiles: [Tile], view r: PixelRect, input: Image, scale: Int, key: MethodKey) -> Consistency {
    let w = r.width, h = r.height, k = Double(scale)
    var comp = Compositor(width: w, height: h)
    let frame = SourceRect(x: Double(r.x) * k, y: Double(r.y) * k, width: Double(w) * k, height: Double(h) * k,
                         symbols: .halfBlock)
    for t in tiles.reversed() { comp.addBelow(t, frame, scale: scale) }
    let down = comp.over(nil)
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
/// primary method's tiles cover the view and changed since the last measurement or request.
func requestConsistency(_ s: inout AppState) -> [Effect] {
    guard var p = s.preview, p.layout == .consistency, let view = neededRegion(s) else { return [] }
    let key = p.primaryKey
    let tiles = usableTiles(p, key, view: view, density: requiredDensity(s), scale: s.scale)
    guard Progressive.covers(view, tiles.map(\.region)) else { return [] }
    let req = Consistency.Request(key: key, region: view, tiles: tiles.map(\.region), refined: tiles.map(\.refined))
    if let c = p.consistency, c.key == key, c.region == view, p.consistencyPending == nil,
       p.consistencyMeasured == req { return [] }
    if p.consistencyPending == req { return [] }
    p.consistencyPending = req
    s.preview = p
    return [.measureConsistency(tiles: tiles, view: view, input: p.image, key: key)]
}
