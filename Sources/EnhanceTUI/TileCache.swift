import EnhanceImaging

/// Upscaled tiles by method, bounded in bytes. Pure value: ``update(_:_:)`` inserts and evicts.
public struct TileCache: Equatable, Sendable {
    struct Entry: Equatable, Sendable {
        var key: MethodKey
        var tile: Tile
    }

    /// Oldest first.
    private(set) var entries: [Entry] = []
    /// Upper bound of the stored pixels in bytes (default 256 MiB).
    public var byteLimit: Int

    /// An empty cache holding at most `byteLimit` bytes of pixels (see ``evict(rank:)``).
    public init(byteLimit: Int = 256 << 20) {
        self.byteLimit = byteLimit
    }

    /// Tiles held.
    public var count: Int { entries.count }

    /// Bytes of the stored pixels.
    public var bytes: Int { entries.reduce(0) { $0 + $1.tile.bytes } }

    /// Every tile of `key`, oldest first.
    public func tiles(_ key: MethodKey) -> [Tile] { entries.filter { $0.key == key }.map(\.tile) }

    /// The newest tile of `key` covering `region` with at least `density` stored pixels per output pixel.
    public func covering(_ key: MethodKey, _ region: PixelRect, density: Double = 0, scale: Int) -> Tile? {
        entries.last {
            $0.key == key && $0.tile.region.contains(region) && $0.tile.density(scale: scale) >= density - 1e-9
        }?.tile
    }

    /// Adds `tile`, dropping tiles of the same key that it covers.
    public mutating func insert(_ key: MethodKey, _ tile: Tile) {
        entries.removeAll { $0.key == key && tile.region.contains($0.tile.region)
            && tile.density(scale: 1) >= $0.tile.density(scale: 1) && (tile.refined || !$0.tile.refined) }
        entries.append(Entry(key: key, tile: tile))
    }

    /// Drops tiles, least useful first (lowest `rank`, oldest among equals), until the stored
    /// pixels fit ``byteLimit``. The newest tile is kept whatever its size.
    public mutating func evict(rank: (MethodKey, Tile) -> Int) {
        var total = bytes
        guard total > byteLimit, entries.count > 1 else { return }
        let order = entries.indices.dropLast().sorted { (rank(entries[$0].key, entries[$0].tile), $0)
            < (rank(entries[$1].key, entries[$1].tile), $1) }
        var drop = Set<Int>()
        for i in order where total > byteLimit {
            drop.insert(i)
            total -= entries[i].tile.bytes
        }
        entries = entries.indices.filter { !drop.contains($0) }.map { entries[$0] }
    }

    /// Drops every tile.
    public mutating func removeAll() { entries = [] }
}

extension Tile {
    /// Bytes of the stored pixels (Float samples).
    public var bytes: Int { image.pixels.count * MemoryLayout<Float>.size }
}

extension PixelRect {
    /// Whether the two rectangles share at least one pixel.
    func intersects(_ o: PixelRect) -> Bool {
        x < o.x + o.width && o.x < x + width && y < o.y + o.height && o.y < y + height
    }

    /// The smallest rectangle holding both.
    func union(_ o: PixelRect) -> PixelRect {
        let x0 = min(x, o.x), y0 = min(y, o.y)
        return PixelRect(x: x0, y: y0, width: max(x + width, o.x + o.width) - x0,
                         height: max(y + height, o.y + o.height) - y0)
    }
}
