import EnhanceImaging
import EnhanceTerminal

/// Pixel size of each cell when the panes are drawn with a graphics protocol: nil for block
/// characters. While a dialog (help, export, pair picker) is open the panes are still composed in pixels, and
/// ``view(_:cache:)`` then blanks them (``ScreenBuffer/blankImages()``): no pixels over the
/// dialog, and no picture at another magnification in their place.
func pixelCells(_ s: AppState) -> CellPixels? {
    s.pixelCells
}

extension PlacedImage {
    /// `image` over the cell rectangle `area`.
    init(_ area: CellRect, _ image: RGBImage, slot: Int) {
        self.init(row: area.row, column: area.column, columns: area.width, rows: area.height, image: image, slot: slot)
    }
}

/// `img` for `area` at one sample per screen pixel (`cell` pixels per cell), memoised.
func pixelTile(_ img: PaneImage, _ src: SourceRect, _ area: CellRect, scale: Int, cell: CellPixels,
               cache: RenderCache) -> RGBImage {
    cache.pixels(img, src, area) {
        if let fast = window(img, src, area, scale: scale, cell: cell) { return fast }
        switch img {
        case .tile, .mosaic: return RGBImage(samples(img, src, area, scale: scale, perCell: cell))
        case let .mix(a, b, alpha):
            return RGBImage(mixing: samples(a, src, area, scale: scale, perCell: cell),
                            samples(b, src, area, scale: scale, perCell: cell), t: alpha)
        }
    }
}

/// ``pixelTile(_:_:_:scale:cell:)`` without resampling when the view is one stored pixel per
/// screen pixel at an integer offset (1:1 of a full-resolution tile); nil otherwise.
func window(_ img: PaneImage, _ src: SourceRect, _ area: CellRect, scale: Int, cell: CellPixels) -> RGBImage? {
    let w = area.width * cell.width, h = area.height * cell.height
    let (t, other, alpha): (Tile, Tile?, Float)
    switch img {
    case .tile(let a): (t, other, alpha) = (a, nil, 0)
    case let .mix(.tile(a), .tile(b), al): (t, other, alpha) = (a, b, al)
    case .mix, .mosaic: return nil
    }
    let x = src.x - Double(t.region.x * scale), y = src.y - Double(t.region.y * scale)
    guard src.width == Double(w), src.height == Double(h), x == x.rounded(), y == y.rounded(),
          t.image.width == t.region.width * scale, t.image.height == t.region.height * scale,
          other.map({ $0.region == t.region && $0.image.width == t.image.width }) ?? true else { return nil }
    return RGBImage(window: t.image, x: Int(x), y: Int(y), width: w, height: h, mixing: other?.image, t: alpha)
}

/// The wipe view in pixels: `left` up to the divider column `split` (cells), `right` after it,
/// and a two-pixel accent line at the divider.
func pixelWipe(_ left: PaneImage?, _ right: PaneImage?, _ src: SourceRect, _ area: CellRect, split: Int,
               scale: Int, cell: CellPixels, cache: RenderCache) -> RGBImage {
    let w = area.width * cell.width, h = area.height * cell.height
    let l = left.map { pixelTile($0, src, area, scale: scale, cell: cell, cache: cache) }
    let r = right.map { pixelTile($0, src, area, scale: scale, cell: cell, cache: cache) }
    var bytes = l?.bytes ?? [UInt8](repeating: 0, count: w * h * 3)
    let cut = min(max(split * cell.width, 0), w)
    for y in 0..<h {
        let row = y * w * 3
        if let r, cut < w {
            let span = (row + cut * 3)..<(row + w * 3)
            bytes.replaceSubrange(span, with: r.bytes[span])
        }
        for x in max(cut - 1, 0)..<min(cut + 1, w) {
            bytes[row + x * 3] = 255; bytes[row + x * 3 + 1] = 200; bytes[row + x * 3 + 2] = 0
        }
    }
    return RGBImage(width: w, height: h, bytes: bytes)
}
