import EnhanceImaging
import EnhanceTerminal

/// What a pane draws: a cached tile; the interpolation `(1−t)·a + t·b` of two pictures (the α
/// ladder's neighbours of α, shown as `≈` until the exact blend arrives); or tiles composited by
/// coverage over a `base` picture (what stands in where they do not reach: older network pixels,
/// or bicubic where no network pixels were ever computed).
indirect enum PaneImage {
    case tile(Tile)
    case mix(PaneImage, PaneImage, Float)
    /// `tiles` over `base`, the last tile on top.
    case mosaic(base: PaneImage?, tiles: [Tile])
}

/// The cached tiles of `key` (and of its ``MethodKey/samePicture``) that meet `view` at `density`
/// or finer, refined ones last (on top).
func usableTiles(_ p: PreviewState, _ key: MethodKey, view: PixelRect, density: Double, scale: Int) -> [Tile] {
    let all = p.cache.tiles(key) + (key.samePicture.map { p.cache.tiles($0) } ?? [])
    let t = all.filter { $0.region.intersects(view) && $0.density(scale: scale) >= density - 1e-9 }
    return t.filter { !$0.refined } + t.filter(\.refined)
}

/// `tiles` as one picture: the topmost tile alone when it covers `view`.
func picture(_ tiles: [Tile], view: PixelRect) -> PaneImage {
    if let top = tiles.last, top.region.contains(view) { return .tile(top) }
    return .mosaic(base: nil, tiles: tiles)
}

/// The image to show for `key` and a note saying what it is: exact where computed, and where not
/// yet, never less than was on screen (the ≈ ladder interpolation, else the nearest older network
/// pixels, labelled stale; bicubic only where no network pixels exist).
func tileFor(_ s: AppState, _ p: PreviewState, _ key: MethodKey) -> (PaneImage?, String) {
    guard let view = neededRegion(s) else { return (nil, "  (no data)") }
    let density = requiredDensity(s)
    let mine = usableTiles(p, key, view: view, density: density, scale: s.scale)
    let rest = Progressive.uncovered(view, by: mine.map(\.region))
    if rest.isEmpty { return (picture(mine, view: view), refineNote(s, p, key)) }
    let bicubic = p.cache.covering(MethodKey(.bicubic), view, density: density, scale: s.scale).map(PaneImage.tile)
    guard key.method.isNetwork else { return (bicubic, jobNote(p, key)) }
    let exact = exactNote(s, p, key, view: view, uncovered: rest)
    if key.method == .blend, p.zoom != .fit, let (lo, hi) = ladderNeighbours(p, key, view: view, scale: s.scale) {
        let t = Float(key.alphaHundredths - lo.0.alphaHundredths) / Float(hi.0.alphaHundredths - lo.0.alphaHundredths)
        let note = "  ≈ from α=\(formatAlpha(lo.0.alpha))/\(formatAlpha(hi.0.alpha))" + exact
        return (over(.mix(lo.1, hi.1, t), mine), note)
    }
    if let (old, tiles) = staleLayer(p, key, view: view, density: density, scale: s.scale) {
        let what = old == key ? "" : old.method == .blend ? " α=\(formatAlpha(old.alpha))" : " " + old.description
        return (over(.mosaic(base: bicubic, tiles: tiles), mine), "  stale" + what + exact)
    }
    if bicubic == nil && mine.isEmpty { return (nil, exact.isEmpty ? "  (no data)" : exact) }
    return (.mosaic(base: bicubic, tiles: mine), exact + (bicubic != nil ? " · bicubic elsewhere" : ""))
}

/// `tiles` over `base`; `base` itself when there are none (so a lone ≈ interpolation keeps the
/// 1:1 fast path of ``window(_:_:_:scale:cell:)``).
func over(_ base: PaneImage, _ tiles: [Tile]) -> PaneImage {
    tiles.isEmpty ? base : .mosaic(base: base, tiles: tiles)
}

/// "  computing 40%" while a job for `key` runs, else "".
func jobNote(_ p: PreviewState, _ key: MethodKey) -> String {
    guard let j = p.jobs(for: key).first(where: { $0.priority == .visible }) else { return "" }
    return "  computing \(Int((max(j.fraction, 0) * 100).rounded(.down)))%"
}

/// "  exact 37% ETA 3.1s": the share of the view already exact, and the time the rest should take
/// at the pair's measured speed; "  exact 0% · statistics pass" instead of the ETA while a view job
/// waits for the image's whole-map statistics (``statisticsPending``), which that speed does not cover.
func exactNote(_ s: AppState, _ p: PreviewState, _ key: MethodKey, view: PixelRect, uncovered: [PixelRect]) -> String {
    let left = uncovered.reduce(0) { $0 + $1.area }
    let f = Double(view.area - left) / Double(max(view.area, 1))
    let running = p.jobs(for: key).filter { $0.priority == .visible }
    let partial = running.reduce(0.0) { $0 + max($1.fraction, 0) * Double($1.region.clipped(to: view).area) }
    let eta = running.contains { $0.fraction < 0 } ? " · statistics pass"
        : p.pixelSeconds.map { " ETA " + formatSeconds(max(Double(left) - partial, 0) * $0) } ?? ""
    return "  exact \(Int((f * 100).rounded(.down)))%" + eta
}

/// "  refining" while the view's pixels are recomputed with the export's margin, else "".
func refineNote(_ s: AppState, _ p: PreviewState, _ key: MethodKey) -> String {
    p.jobs(for: key).contains { $0.priority == .refine } ? "  refining" : ""
}

/// What stands in for `key` where its own tiles are missing: its own coarser tiles (zoomed in
/// from fit), else the tiles of the network picture nearest in α that meets the view (any density;
/// the PSNR network is α 0 and the GAN α 1, so a method switch keeps the network pixels on screen).
func staleLayer(_ p: PreviewState, _ key: MethodKey, view: PixelRect, density: Double,
                scale: Int) -> (MethodKey, [Tile])? {
    func tiles(_ k: MethodKey) -> [Tile] {
        p.cache.tiles(k).filter { $0.region.intersects(view) }
            .sorted { $0.density(scale: scale) < $1.density(scale: scale) }
    }
    let own = tiles(key).filter { $0.density(scale: scale) < density - 1e-9 }
    if !own.isEmpty { return (key, own) }
    guard key.method.isNetwork else { return nil }
    func alpha(_ k: MethodKey) -> Int { k.method == .gan ? 100 : k.method == .blend ? k.alphaHundredths : 0 }
    func rank(_ k: MethodKey) -> (Int, Int, String) { (abs(alpha(k) - alpha(key)), alpha(k), k.description) }
    let others = Set(p.cache.entries
        .filter { $0.key.method.isNetwork && $0.key != key && $0.tile.region.intersects(view) }
        .map(\.key))
    guard let near = others.min(by: { rank($0) < rank($1) }) else { return nil }
    return (near, tiles(near))
}

/// The nearest blends below and above `key`'s α whose full-resolution tiles cover the view.
func ladderNeighbours(_ p: PreviewState, _ key: MethodKey, view: PixelRect,
                      scale: Int) -> ((MethodKey, PaneImage), (MethodKey, PaneImage))? {
    var lo: MethodKey?, hi: MethodKey?
    for k in Set(p.cache.entries.map(\.key)) where k.method == .blend && k != key {
        let h = k.alphaHundredths
        let nearer = h < key.alphaHundredths ? h > (lo?.alphaHundredths ?? -1) : h < (hi?.alphaHundredths ?? 101)
        guard nearer else { continue }
        let t = usableTiles(p, k, view: view, density: 1, scale: scale)
        guard Progressive.covers(view, t.map(\.region)) else { continue }
        if h < key.alphaHundredths { lo = k } else { hi = k }
    }
    guard let lo, let hi else { return nil }
    func pic(_ k: MethodKey) -> PaneImage {
        picture(usableTiles(p, k, view: view, density: 1, scale: scale), view: view)
    }
    return ((lo, pic(lo)), (hi, pic(hi)))
}

/// Samples of `img` for an `area` showing `src` (output pixels): `perCell` per cell (default the
/// glyphs' sub-pixels). Sampling is linear, so mixing two sampled grids equals sampling the blend.
func samples(_ img: PaneImage, _ src: SourceRect, _ area: CellRect, scale: Int,
             perCell: CellPixels? = nil) -> PixelGrid {
    let per = perCell ?? CellPixels(width: src.symbols.columns, height: src.symbols.rows)
    let gw = area.width * per.width, gh = area.height * per.height
    switch img {
    case .tile(let t):
        // Stored pixels per output pixel on each axis (1 unless the tile was reduced).
        let rx = Double(t.image.width) / Double(max(t.region.width * scale, 1))
        let ry = Double(t.image.height) / Double(max(t.region.height * scale, 1))
        return PixelGrid.sample(t.image, x: (src.x - Double(t.region.x * scale)) * rx,
                                y: (src.y - Double(t.region.y * scale)) * ry, width: src.width * rx,
                                height: src.height * ry, toWidth: gw, height: gh)
    case let .mix(a, b, alpha):
        let ga = samples(a, src, area, scale: scale, perCell: per)
        let gb = samples(b, src, area, scale: scale, perCell: per)
        var v = ga.rgb
        for i in v.indices { v[i] = (1 - alpha) * v[i] + alpha * gb.rgb[i] }
        return PixelGrid(width: ga.width, height: ga.height, rgb: v)
    case let .mosaic(base, tiles):
        var c = Compositor(width: gw, height: gh)
        for t in tiles.reversed() { c.addBelow(t, src, scale: scale) }
        let under = c.isComplete ? nil : base.map { samples($0, src, area, scale: scale, perCell: per) }
        return c.over(under)
    }
}

/// Tiles composited over a sample grid by coverage, topmost first: each sample takes from a tile
/// the share of its footprint that the tile covers and nothing above it has taken yet. Where two
/// tiles meet inside one sample their shares add up to the whole sample, so tile edges leave no
/// line (sampling each tile on its own filled the uncovered share with black: the fit-view grid).
struct Compositor {
    let width: Int, height: Int
    private(set) var rgb: [Float]
    private(set) var covered: [Float]

    init(width: Int, height: Int) {
        self.width = max(width, 0)
        self.height = max(height, 0)
        rgb = [Float](repeating: 0, count: self.width * self.height * 3)
        covered = [Float](repeating: 0, count: self.width * self.height)
    }

    /// Whether every sample is fully covered.
    var isComplete: Bool { !covered.contains { $0 < 1 - 1e-5 } }

    /// Adds `t` (its output rectangle is `t.region` × `scale`) below what was added before.
    mutating func addBelow(_ t: Tile, _ src: SourceRect, scale: Int) {
        let s = Double(scale), fx = Double(width) / src.width, fy = Double(height) / src.height
        let gx0 = (Double(t.region.x) * s - src.x) * fx, gx1 = (Double(t.region.x + t.region.width) * s - src.x) * fx
        let gy0 = (Double(t.region.y) * s - src.y) * fy, gy1 = (Double(t.region.y + t.region.height) * s - src.y) * fy
        let i0 = max(Int(gx0.rounded(.down)), 0), i1 = min(Int(gx1.rounded(.up)), width)
        let j0 = max(Int(gy0.rounded(.down)), 0), j1 = min(Int(gy1.rounded(.up)), height)
        guard i1 > i0, j1 > j0 else { return }
        let rx = Double(t.image.width) / Double(max(t.region.width * scale, 1))
        let ry = Double(t.image.height) / Double(max(t.region.height * scale, 1))
        if fx == 1, fy == 1, rx == 1, ry == 1, gx0 == gx0.rounded(), gy0 == gy0.rounded(), !t.image.hasAlpha {
            return copyBelow(t, dx: Int(gx0), dy: Int(gy0), columns: i0..<i1, rows: j0..<j1)
        }
        let x = src.x + Double(i0) / fx, y = src.y + Double(j0) / fy
        let (sum, cov) = PixelGrid.coverage(t.image, x: (x - Double(t.region.x * scale)) * rx,
                                            y: (y - Double(t.region.y * scale)) * ry,
                                            width: Double(i1 - i0) / fx * rx, height: Double(j1 - j0) / fy * ry,
                                            toWidth: i1 - i0, height: j1 - j0)
        let pw = i1 - i0
        for j in 0..<(j1 - j0) {
            for i in 0..<pw {
                let k = (j0 + j) * width + i0 + i, q = j * pw + i
                let c = cov[q], room = 1 - covered[k]
                guard c > 0, room > 1e-6 else { continue }
                let f = min(1, room / c)
                rgb[3 * k] += f * sum[3 * q]
                rgb[3 * k + 1] += f * sum[3 * q + 1]
                rgb[3 * k + 2] += f * sum[3 * q + 2]
                covered[k] += f * c
            }
        }
    }

    /// ``addBelow(_:_:scale:)`` at one tile pixel per sample on whole-pixel offsets (1:1 views):
    /// a copy into the samples nothing above has covered. Tile pixel (x, y) is sample (x + dx, y + dy).
    private mutating func copyBelow(_ t: Tile, dx: Int, dy: Int, columns: Range<Int>, rows: Range<Int>) {
        let tw = t.image.width, plane = t.image.planeSize, w = width
        t.image.pixels.withUnsafeBufferPointer { px in
            rgb.withUnsafeMutableBufferPointer { out in
                covered.withUnsafeMutableBufferPointer { cov in
                    for j in rows {
                        let src = (j - dy) * tw - dx
                        for i in columns where cov[j * w + i] < 1 {
                            let k = j * w + i, q = src + i
                            out[3 * k] = px[q]
                            out[3 * k + 1] = px[plane + q]
                            out[3 * k + 2] = px[2 * plane + q]
                            cov[k] = 1
                        }
                    }
                }
            }
        }
    }

    /// The composite over `base` (black where neither covers).
    func over(_ base: PixelGrid?) -> PixelGrid {
        var out = rgb
        for k in 0..<(width * height) {
            let rest = max(1 - covered[k], 0)
            guard rest > 1e-6, let base else { continue }
            out[3 * k] += rest * base.rgb[3 * k]
            out[3 * k + 1] += rest * base.rgb[3 * k + 1]
            out[3 * k + 2] += rest * base.rgb[3 * k + 2]
        }
        return PixelGrid(width: width, height: height, rgb: out)
    }
}

/// The input-pixel rectangles of the view where the primary pane shows network pixels (exact,
/// ≈ ladder interpolation or stale), not bicubic: a frame whose rectangles lose part of the
/// previous frame's (still in view) replaced network pixels by bicubic (`bench --tui-latency`).
public func networkCoverage(_ s: AppState) -> [PixelRect] {
    guard let p = s.preview, let view = neededRegion(s), p.primaryKey.method.isNetwork else { return [] }
    func walk(_ img: PaneImage?) -> [PixelRect] {
        switch img {
        case .none: return []
        case .tile(let t): return p.cache.tiles(MethodKey(.bicubic)).contains(t) ? [] : [t.region]
        case let .mix(a, b, _): return walk(a) + walk(b)
        case let .mosaic(base, tiles): return walk(base) + tiles.map(\.region)
        }
    }
    return walk(tileFor(s, p, p.primaryKey).0).map { $0.clipped(to: view) }.filter { $0.area > 0 }
}

/// The primary pane's label note ("  exact 37% ETA 3s", "  ≈ from …", "  stale …", "" when exact).
public func primaryNote(_ s: AppState) -> String {
    guard let p = s.preview else { return "" }
    return tileFor(s, p, p.primaryKey).1
}

/// Input pixels of the view that the primary method's own tiles cover at the density the panes
/// need, and the view's area (equal when the primary pane is exact).
public func primaryExactArea(_ s: AppState) -> (covered: Int, view: Int) {
    guard let p = s.preview, let view = neededRegion(s) else { return (0, 0) }
    let tiles = usableTiles(p, p.primaryKey, view: view, density: requiredDensity(s), scale: s.scale)
    let left = Progressive.uncovered(view, by: tiles.map(\.region)).reduce(0) { $0 + $1.area }
    return (view.area - left, view.area)
}

/// Whether every α of the ladder covers the view at full resolution.
public func ladderComplete(_ s: AppState) -> Bool {
    guard let p = s.preview else { return false }
    return ladderProgress(s, p) == "ladder \(alphaLadder.count)/\(alphaLadder.count)"
}

/// The parts of `r` that no rectangle of `rects` covers.
public func uncoveredRects(_ r: PixelRect, by rects: [PixelRect]) -> [PixelRect] {
    Progressive.uncovered(r, by: rects)
}

/// The primary pane's pixels over the whole view at full resolution (`scale·w × scale·h`, planar
/// RGB), composited from the primary method's tiles as the pane draws them; nil unless they cover
/// the view. (`bench --tui-latency` compares it with an export.)
public func primaryPixels(_ s: AppState) -> Image? {
    guard let p = s.preview, let view = neededRegion(s) else { return nil }
    let tiles = usableTiles(p, p.primaryKey, view: view, density: 1, scale: s.scale)
    guard Progressive.covers(view, tiles.map(\.region)) else { return nil }
    let k = s.scale, w = view.width * k, h = view.height * k
    var c = Compositor(width: w, height: h)
    let src = SourceRect(x: Double(view.x * k), y: Double(view.y * k), width: Double(w), height: Double(h),
                         symbols: .halfBlock)
    for t in tiles.reversed() { c.addBelow(t, src, scale: k) }
    let g = c.over(nil)
    var px = [Float](repeating: 0, count: 3 * w * h)
    for i in 0..<(w * h) { for ch in 0..<3 { px[ch * w * h + i] = g.rgb[i * 3 + ch] } }
    return Image(width: w, height: h, channelCount: 3, pixels: px)
}
