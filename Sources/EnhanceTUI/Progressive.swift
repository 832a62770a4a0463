/// Rectangle arithmetic for progressive inference: what part of a view is not yet covered, and how
/// to cut it into pieces that appear centre first (input pixels throughout).
enum Progressive {
    /// The parts of `view` that no rectangle of `rects` covers, as disjoint rectangles (row bands
    /// of maximal runs, merged down where consecutive bands have the same runs).
    static func uncovered(_ view: PixelRect, by rects: [PixelRect]) -> [PixelRect] {
        guard view.area > 0 else { return [] }
        let inside = rects.map { $0.clipped(to: view) }.filter { $0.area > 0 }
        if inside.isEmpty { return [view] }
        func cuts(_ lo: Int, _ hi: Int, _ edges: [Int]) -> [Int] {
            Array(Set([lo, hi] + edges.filter { $0 > lo && $0 < hi })).sorted()
        }
        let xs = cuts(view.x, view.x + view.width, inside.flatMap { [$0.x, $0.x + $0.width] })
        let ys = cuts(view.y, view.y + view.height, inside.flatMap { [$0.y, $0.y + $0.height] })
        var out: [PixelRect] = []
        var open: [Int: Int] = [:]  // run (x0 << 32 | x1) → index in out of the rectangle it extends
        for j in 0..<(ys.count - 1) {
            var runs: [(Int, Int)] = []
            var start: Int?
            for i in 0..<(xs.count - 1) {
                let cx = xs[i], cy = ys[j]
                let covered = inside.contains {
                    cx >= $0.x && cx < $0.x + $0.width && cy >= $0.y && cy < $0.y + $0.height
                }
                if !covered && start == nil { start = cx }
                if covered, let s = start { runs.append((s, cx)); start = nil }
            }
            if let s = start { runs.append((s, xs[xs.count - 1])) }
            var next: [Int: Int] = [:]
            for (a, b) in runs {
                let id = a << 32 | b
                if let k = open[id], out[k].y + out[k].height == ys[j] {
                    out[k].height += ys[j + 1] - ys[j]
                    next[id] = k
                } else {
                    out.append(PixelRect(x: a, y: ys[j], width: b - a, height: ys[j + 1] - ys[j]))
                    next[id] = out.count - 1
                }
            }
            open = next
        }
        return out
    }

    /// Whether the rectangles together cover every pixel of `view`.
    static func covers(_ view: PixelRect, _ rects: [PixelRect]) -> Bool {
        uncovered(view, by: rects).isEmpty
    }

    /// `r` cut into pieces that appear from `focus` outwards: first a square of edge `first` around
    /// the focus (clamped into `r`), soon on screen; then `r` in halves across its long side, each
    /// whole (the square is computed again inside one of them: a few per cent, against the
    /// context margin every further cut would add). An `r` no larger than `whole` pixels stays one
    /// piece.
    static func pieces(_ r: PixelRect, focus: (x: Double, y: Double), first: Int, whole: Int) -> [PixelRect] {
        guard r.area > whole, r.width > first || r.height > first else { return r.area > 0 ? [r] : [] }
        let cw = min(first, r.width), ch = min(first, r.height)
        let cx = min(max(Int(focus.x.rounded()) - cw / 2, r.x), r.x + r.width - cw)
        let cy = min(max(Int(focus.y.rounded()) - ch / 2, r.y), r.y + r.height - ch)
        let centre = PixelRect(x: cx, y: cy, width: cw, height: ch)
        let halves = Self.halves(r)
        func distance(_ p: PixelRect) -> Double {
            let mx = Double(p.x) + Double(p.width) / 2 - focus.x, my = Double(p.y) + Double(p.height) / 2 - focus.y
            return mx * mx + my * my
        }
        return [centre] + halves.sorted { distance($0) < distance($1) }
    }

    /// `r` cut in two across its long side.
    static func halves(_ r: PixelRect) -> [PixelRect] {
        if r.width >= r.height {
            let w = r.width / 2
            return [PixelRect(x: r.x, y: r.y, width: w, height: r.height),
                    PixelRect(x: r.x + w, y: r.y, width: r.width - w, height: r.height)]
        }
        let h = r.height / 2
        return [PixelRect(x: r.x, y: r.y, width: r.width, height: h),
                PixelRect(x: r.x, y: r.y + h, width: r.width, height: r.height - h)]
    }
}

extension PixelRect {
    /// The part inside `o`.
    public func clipped(to o: PixelRect) -> PixelRect {
        let x0 = max(x, o.x), y0 = max(y, o.y)
        let x1 = min(x + width, o.x + o.width), y1 = min(y + height, o.y + o.height)
        return PixelRect(x: x0, y: y0, width: max(x1 - x0, 0), height: max(y1 - y0, 0))
    }
}

