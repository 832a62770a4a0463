import EnhanceImaging
import EnhanceTerminal
import Foundation

/// Memoises rendered pane images so frames that change only text (progress, status) do not
/// re-sample large tiles. Lookups compare the tile values themselves (cheap: equal images share
/// storage), so the cache can never return a stale picture; `view` stays a function of the state.
/// The event loop owns one and passes it to ``view(_:cache:)``.
public final class RenderCache: @unchecked Sendable {
    public init() {}

    /// A pane rendered as block cells, or as pixels for a graphics protocol.
    private enum Rendered {
        case cells(CellGrid)
        case pixels(RGBImage)
    }

    private struct Entry {
        var image: PaneImage
        var src: SourceRect
        var columns: Int
        var rows: Int
        /// nil for pixels (no colour mode applies).
        var mode: ColorMode?
        var value: Rendered
    }

    private let entries = Locked<[Entry]>([])
    private let capacity = 16

    func grid(_ image: PaneImage, _ src: SourceRect, _ area: CellRect, mode: ColorMode,
              make: () -> CellGrid) -> CellGrid {
        let v = lookup(image, src, area, mode: mode) { .cells(make()) }
        if case .cells(let g) = v { return g }
        return CellGrid(columns: area.width, rows: area.height)
    }

    func pixels(_ image: PaneImage, _ src: SourceRect, _ area: CellRect, make: () -> RGBImage) -> RGBImage {
        let v = lookup(image, src, area, mode: nil) { .pixels(make()) }
        if case .pixels(let p) = v { return p }
        return RGBImage(width: 0, height: 0, bytes: [])
    }

    private func lookup(_ image: PaneImage, _ src: SourceRect, _ area: CellRect, mode: ColorMode?,
                        make: () -> Rendered) -> Rendered {
        let hit: Rendered? = entries.withLock { entries in
            guard let i = entries.firstIndex(where: {
                $0.src == src && $0.columns == area.width && $0.rows == area.height && $0.mode == mode
                    && $0.image == image
            }) else { return nil }
            let e = entries.remove(at: i)
            entries.append(e)  // most recently used last
            return e.value
        }
        if let hit { return hit }
        let v = make()  // outside the lock: rendering is slow
        entries.withLock { entries in
            entries.append(Entry(image: image, src: src, columns: area.width, rows: area.height, mode: mode, value: v))
            if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        }
        return v
    }
}

extension PaneImage: Equatable {
    static func == (a: PaneImage, b: PaneImage) -> Bool {
        switch (a, b) {
        case let (.tile(x), .tile(y)): return x == y
        case let (.mix(x1, x2, xa), .mix(y1, y2, ya)): return xa == ya && x1 == y1 && x2 == y2
        case let (.mosaic(xb, xt), .mosaic(yb, yt)): return xb == yb && xt == yt
        default: return false
        }
    }
}
