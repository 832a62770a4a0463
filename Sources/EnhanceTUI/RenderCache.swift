import EnhanceTerminal
import Foundation

/// Memoises rendered pane images so frames that change only text (progress, status) do not
/// re-sample large tiles. Lookups compare the tile values themselves (cheap: equal images share
/// storage), so the cache can never return a stale picture; `view` stays a function of the state.
final class RenderCache: @unchecked Sendable {
    static let shared = RenderCache()

    private struct Entry {
        var image: PaneImage
        var src: SourceRect
        var columns: Int
        var rows: Int
        var mode: ColorMode
        var grid: CellGrid
    }

    private let lock = NSLock()
    private var entries: [Entry] = []
    private let capacity = 16

    func grid(_ image: PaneImage, _ src: SourceRect, _ area: CellRect, mode: ColorMode, make: () -> CellGrid) -> CellGrid {
        lock.lock()
        if let i = entries.firstIndex(where: {
            $0.src == src && $0.columns == area.width && $0.rows == area.height && $0.mode == mode && $0.image == image
        }) {
            let e = entries.remove(at: i)
            entries.append(e)
            lock.unlock()
            return e.grid
        }
        lock.unlock()
        let g = make()
        lock.lock()
        entries.append(Entry(image: image, src: src, columns: area.width, rows: area.height, mode: mode, grid: g))
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        lock.unlock()
        return g
    }
}

extension PaneImage: Equatable {
    static func == (a: PaneImage, b: PaneImage) -> Bool {
        switch (a, b) {
        case let (.tile(x), .tile(y)): return x == y
        case let (.mix(x1, x2, xa), .mix(y1, y2, ya)): return xa == ya && x1 == y1 && x2 == y2
        default: return false
        }
    }
}
