import EnhanceImaging
import EnhanceTerminal
import EnhanceTUI
import Foundation

/// Cost of one α redraw per backend: the frame (`view`, sampling the pixel blend of the cached
/// PSNR and GAN crops at the new α) and its encoding to terminal bytes, as the ncurses backend
/// writes them (block cells: SGR runs; graphics: the pane image in the protocol). Times are the
/// calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`; both steps are single-threaded), so
/// other load on a shared machine inflates them less than wall time.
public struct GraphicsRedrawLine: Sendable {
    public var kind: GraphicsProtocol
    /// Median milliseconds over the repeats.
    public var viewMs: Double
    public var encodeMs: Double
    /// Bytes written for the frame.
    public var bytes: Int
    public var totalMs: Double { viewMs + encodeMs }
}

/// α redraws of `image` ×4 at 1:1 in a `columns × rows` terminal of `cell`-pixel cells, median of
/// `repeats`, for blocks, kitty, sixel and iTerm2.
public func measureGraphicsRedraw(image: Image, columns: Int = 120, rows: Int = 40,
                                  cell: CellPixels = CellPixels(width: 10, height: 20),
                                  repeats: Int = 15) -> [GraphicsRedrawLine] {
    var s = AppState(columns: columns, rows: rows, directory: "/")
    s.screen = .preview
    var p = PreviewState(path: "/bench.png", image: image, scale: 4)
    p.zoom = .factor(1)
    let up = Resample.bicubic(image, width: image.width * 4, height: image.height * 4)
    let region = PixelRect(x: 0, y: 0, width: image.width, height: image.height)
    p.cache.insert(MethodKey(.blend, alpha: 0), Tile(region: region, image: up))  // the ladder's ends: ≈ at α
    var gan = up  // channels rotated: a different picture with as many colours, so every α changes every pixel
    let plane = up.planeSize
    for c in 0..<3 {
        let from = ((c + 1) % 3) * plane
        gan.pixels.replaceSubrange((c * plane)..<((c + 1) * plane), with: up.pixels[from..<(from + plane)])
    }
    p.cache.insert(MethodKey(.blend, alpha: 1), Tile(region: region, image: gan))
    s.preview = p
    s.cellPixels = cell
    var lines: [GraphicsRedrawLine] = []
    var alpha: Float = 0
    for kind in GraphicsProtocol.allCases.sorted(by: { $0 == .blocks && $1 != .blocks }) {
        s.graphics = kind
        let encoder = GraphicsEncoder(kind)
        var views = [Double](), encodes = [Double](), bytes = 0
        let cache = RenderCache()
        var last = view(s, cache: cache)
        for _ in 0..<max(repeats, 1) {
            alpha = alpha >= 0.95 ? 0.01 : alpha + 0.01  // a new α each time: never a cached frame
            s.preview!.alpha = alpha
            let t0 = cpuSeconds()
            let frame = view(s, cache: cache)
            let t1 = cpuSeconds()
            var out = Array(ANSIWriter.drawSparse(frame.cells.map(\.image), columns: frame.columns, mode: .trueColor,
                                                  previous: last.cells.map(\.image)).utf8)
            for img in frame.images { out += encoder.draw(img) }
            let t2 = cpuSeconds()
            views.append((t1 - t0) * 1000)
            encodes.append((t2 - t1) * 1000)
            bytes = out.count
            last = frame
        }
        lines.append(GraphicsRedrawLine(kind: kind, viewMs: views.sorted()[views.count / 2],
                                        encodeMs: encodes.sorted()[encodes.count / 2], bytes: bytes))
    }
    return lines
}

/// CPU seconds used by the calling thread.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
