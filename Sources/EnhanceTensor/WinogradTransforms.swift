import CVectorISA

/// Winograd F(4×4, 3×3) transforms (points 0, ±1, ±2, ∞; Lavin & Gray 2015).
///
/// A 6×6 input tile `d` maps to `V = Bᵀ d B`, a 3×3 kernel `g` to `U = G g Gᵀ`, and the 6×6
/// element-wise product `M = U ⊙ V` (summed over input channels) back to the 4×4 output
/// `Y = Aᵀ M A`. Tile vectors hold 16 consecutive tiles of one tile row, one per SIMD lane.
enum Winograd {
    typealias V = SIMD16<Float>

    /// `G` (6×3), row-major.
    static let g: [Double] = [
        1.0 / 4, 0, 0,
        -1.0 / 6, -1.0 / 6, -1.0 / 6,
        -1.0 / 6, 1.0 / 6, -1.0 / 6,
        1.0 / 24, 1.0 / 12, 1.0 / 6,
        1.0 / 24, -1.0 / 12, 1.0 / 6,
        0, 0, 1,
    ]

    /// `U = G g Gᵀ` (`n × n`, `n` = `g.count / 3`) of eight 3×3 kernels at once, in float32:
    /// `s[t]` lane `l` is tap `t` of kernel `l`; `body(i, j, u)` gets element (i, j) of all eight.
    /// The F(4×4) and F(6×6) weight transforms share it.
    @inline(__always)
    static func kernelTransform(_ s: UnsafePointer<SIMD8<Float>>, g: [Float],
                                _ body: (Int, Int, SIMD8<Float>) -> Void) {
        let n = g.count / 3
        for i in 0..<n {
            // Row i of G g (3 vectors), then its product with Gᵀ (n vectors).
            let g0 = g[i * 3], g1 = g[i * 3 + 1], g2 = g[i * 3 + 2]
            let t0 = g0 * s[0] + g1 * s[3] + g2 * s[6]
            let t1 = g0 * s[1] + g1 * s[4] + g2 * s[7]
            let t2 = g0 * s[2] + g1 * s[5] + g2 * s[8]
            for j in 0..<n { body(i, j, t0 * g[j * 3] + t1 * g[j * 3 + 1] + t2 * g[j * 3 + 2]) }
        }
    }

    /// One row of `Bᵀ d`: six outputs from six inputs.
    @inline(__always)
    static func bt(_ d0: V, _ d1: V, _ d2: V, _ d3: V, _ d4: V, _ d5: V)
        -> (V, V, V, V, V, V) {
        let t0 = d4 - 4 * d2, t1 = d3 - 4 * d1
        let t2 = d4 - d2, t3 = 2 * (d3 - d1)
        return (4 * d0 - 5 * d2 + d4, t0 + t1, t0 - t1, t2 + t3, t2 - t3, 4 * d1 - 5 * d3 + d5)
    }

    /// One row of `Aᵀ m`: four outputs from six inputs.
    @inline(__always)
    static func at(_ m0: V, _ m1: V, _ m2: V, _ m3: V, _ m4: V, _ m5: V) -> (V, V, V, V) {
        let a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4
        return (m0 + a + c, b + 2 * d, a + 4 * c, b + 8 * d + m5)
    }

    /// Lanes `q, q+4, …` of the 64 floats `a ‖ b ‖ c ‖ d` (stride-4 de-interleave).
    @inline(__always)
    static func phase(_ a: V, _ b: V, _ c: V, _ d: V, _ q: Int) -> V {
        V(a[q], a[q + 4], a[q + 8], a[q + 12], b[q], b[q + 4], b[q + 8], b[q + 12],
          c[q], c[q + 4], c[q + 8], c[q + 12], d[q], d[q + 4], d[q + 8], d[q + 12])
    }

    /// Lanes 1…15 of `a` followed by `s`.
    @inline(__always)
    static func shift(_ a: V, _ s: Float) -> V {
        V(a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8],
          a[9], a[10], a[11], a[12], a[13], a[14], a[15], s)
    }

    /// Interleaves four phase vectors into output vector `m` (lanes `4m…4m+3` of each phase).
    @inline(__always)
    static func interleave(_ p0: V, _ p1: V, _ p2: V, _ p3: V, _ m: Int) -> V {
        let t = 4 * m
        return V(p0[t], p1[t], p2[t], p3[t], p0[t + 1], p1[t + 1], p2[t + 1], p3[t + 1],
                 p0[t + 2], p1[t + 2], p2[t + 2], p3[t + 2], p0[t + 3], p1[t + 3], p2[t + 3], p3[t + 3])
    }

    /// 16 floats of a row from column `x`, lanes outside `0..<width` zeroed. Reads past the row
    /// (masked) when that stays inside the tensor storage, else gathers lane by lane.
    @inline(__always)
    static func loadMasked(_ row: UnsafePointer<Float>, _ x: Int, _ width: Int, _ plane: Plane) -> V {
        let p = row + x
        let lane = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
        let a = lane &+ SIMD16<Int32>(repeating: Int32(x))
        let keep = (a .>= SIMD16<Int32>(repeating: 0)) .& (a .< SIMD16<Int32>(repeating: Int32(width)))
        if p >= plane.lo && p + 16 <= plane.hi {
            return UnsafeRawPointer(p).loadUnaligned(as: V.self).replacing(with: 0, where: .!keep)
        }
        return gatherRow(row, x, width)
    }

    @inline(never)
    static func gatherRow(_ row: UnsafePointer<Float>, _ x: Int, _ width: Int) -> V {
        var v = V()
        for l in 0..<16 where x + l >= 0 && x + l < width { v[l] = row[x + l] }
        return v
    }

    /// Prefetches rows `y0 ..< y0 + rows`, columns `x0 ..< x0 + columns` of `plane` (clipped).
    @inline(__always)
    static func prefetch(_ plane: Plane, y0: Int, x0: Int, rows: Int, columns: Int, width: Int, height: Int) {
        let lo = max(0, x0), hi = min(width, x0 + columns)
        guard lo < hi else { return }
        for a in max(0, y0)..<min(height, y0 + rows) {
            let row = plane.base + a * width
            for x in Swift.stride(from: lo, to: hi, by: 16) { enhance_prefetch(row + x) }
            enhance_prefetch(row + hi - 1)
        }
    }

    /// Input transform of 16 tiles (tile row `ty`, tiles `tx …`) of one channel plane.
    ///
    /// Writes `V[ξ]` for ξ = 0..<36 to `dst + ξ·stride` (16 floats each). `tb` is 6×80 scratch.
    /// Only the first `count` lanes (tiles) are meaningful: the columns the others would read are
    /// not loaded (a narrow image's runs are short), so those lanes hold garbage for the caller to
    /// overwrite.
    /// `next`, when given, is the same tile's plane of the next channel: its rows are prefetched
    /// while this one is transformed (the planes are far apart, beyond what the hardware
    /// prefetchers follow).
    @inline(never)
    static func inputTile(plane: Plane, height: Int, width: Int, ty: Int, tx: Int,
                          rows tb: UnsafeMutablePointer<Float>,
                          dst: UnsafeMutablePointer<Float>, stride: Int, next: Plane? = nil, count: Int = 16) {
        let y0 = 4 * ty - 1, x0 = 4 * tx - 1, blocks = min(5, (4 * count + 2 + 15) / 16)
        let out = UnsafeMutableRawPointer(tb)
        if let next { prefetch(next, y0: y0, x0: x0, rows: 6, columns: 66, width: width, height: height) }
        // Rows outside the image are zero; the interior fast path needs all six rows.
        if y0 >= 0 && y0 + 6 <= height {
            let r0 = plane.base + y0 * width
            for j in 0..<blocks {
                let x = x0 + 16 * j
                let t: (V, V, V, V, V, V)
                if x >= 0 && x + 16 <= width {
                    let p = UnsafeRawPointer(r0 + x), s = 4 * width
                    t = bt(p.loadUnaligned(as: V.self), p.loadUnaligned(fromByteOffset: s, as: V.self),
                           p.loadUnaligned(fromByteOffset: 2 * s, as: V.self),
                           p.loadUnaligned(fromByteOffset: 3 * s, as: V.self),
                           p.loadUnaligned(fromByteOffset: 4 * s, as: V.self),
                           p.loadUnaligned(fromByteOffset: 5 * s, as: V.self))
                } else {
                    t = bt(loadMasked(r0, x, width, plane), loadMasked(r0 + width, x, width, plane),
                           loadMasked(r0 + 2 * width, x, width, plane), loadMasked(r0 + 3 * width, x, width, plane),
                           loadMasked(r0 + 4 * width, x, width, plane), loadMasked(r0 + 5 * width, x, width, plane))
                }
                out.storeBytes(of: t.0, toByteOffset: (0 * 80 + 16 * j) * 4, as: V.self)
                out.storeBytes(of: t.1, toByteOffset: (1 * 80 + 16 * j) * 4, as: V.self)
                out.storeBytes(of: t.2, toByteOffset: (2 * 80 + 16 * j) * 4, as: V.self)
                out.storeBytes(of: t.3, toByteOffset: (3 * 80 + 16 * j) * 4, as: V.self)
                out.storeBytes(of: t.4, toByteOffset: (4 * 80 + 16 * j) * 4, as: V.self)
                out.storeBytes(of: t.5, toByteOffset: (5 * 80 + 16 * j) * 4, as: V.self)
            }
        } else {
            for j in 0..<blocks {
                let x = x0 + 16 * j
                var d = (V(), V(), V(), V(), V(), V())
                for a in 0..<6 where y0 + a >= 0 && y0 + a < height {
                    let v = loadMasked(plane.base + (y0 + a) * width, x, width, plane)
                    switch a {
                    case 0: d.0 = v
                    case 1: d.1 = v
                    case 2: d.2 = v
                    case 3: d.3 = v
                    case 4: d.4 = v
                    default: d.5 = v
                    }
                }
                let t = bt(d.0, d.1, d.2, d.3, d.4, d.5)
                out.storeBytes(of: t.0, toByteOffset: (0 * 80 + 16 * j) * 4, as: V.self)
                out.storeBytes(of: t.1, toByteOffset: (1 * 80 + 16 * j) * 4, as: V.self)
                out.storeBytes(of: t.2, toByteOffset: (2 * 80 + 16 * j) * 4, as: V.self)
                out.storeBytes(of: t.3, toByteOffset: (3 * 80 + 16 * j) * 4, as: V.self)
                out.storeBytes(of: t.4, toByteOffset: (4 * 80 + 16 * j) * 4, as: V.self)
                out.storeBytes(of: t.5, toByteOffset: (5 * 80 + 16 * j) * 4, as: V.self)
            }
        }
        let dp = UnsafeMutableRawPointer(dst)
        for i in 0..<6 {
            let row = UnsafeRawPointer(tb + i * 80)
            let a = row.load(as: V.self), b = row.load(fromByteOffset: 64, as: V.self)
            let c = row.load(fromByteOffset: 128, as: V.self)
            let d = row.load(fromByteOffset: 192, as: V.self)
            let q0 = phase(a, b, c, d, 0), q1 = phase(a, b, c, d, 1)
            let q2 = phase(a, b, c, d, 2), q3 = phase(a, b, c, d, 3)
            let q4 = shift(q0, tb[i * 80 + 64]), q5 = shift(q1, tb[i * 80 + 65])
            let h = bt(q0, q1, q2, q3, q4, q5)
            let o = i * 6 * stride * 4
            dp.storeBytes(of: h.0, toByteOffset: o, as: V.self)
            dp.storeBytes(of: h.1, toByteOffset: o + stride * 4, as: V.self)
            dp.storeBytes(of: h.2, toByteOffset: o + 2 * stride * 4, as: V.self)
            dp.storeBytes(of: h.3, toByteOffset: o + 3 * stride * 4, as: V.self)
            dp.storeBytes(of: h.4, toByteOffset: o + 4 * stride * 4, as: V.self)
            dp.storeBytes(of: h.5, toByteOffset: o + 5 * stride * 4, as: V.self)
        }
    }

    /// Output transform + epilogue for 16 tiles (tile row `ty`, tiles `tx …`, the first `count`
    /// of them stored), output channels `channels`; `m` points at the tiles' lane in the first
    /// channel's `M[0]`.
    /// `tmp` is 24×16 scratch.
    @inline(never)
    static func outputTile(m: UnsafePointer<Float>, stride: Int, channels: Range<Int>, mChannelStride: Int,
                           ty: Int, tx: Int, count: Int, height h: Int, width w: Int,
                           tmp: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                           epilogue: Epilogue) {
        let t = UnsafeMutableRawPointer(tmp)
        let xb = 4 * tx, n = min(w, 4 * (tx + count)) - xb
        for k in channels {
            let mp = UnsafeRawPointer(m + (k - channels.lowerBound) * mChannelStride)
            @inline(__always) func ld(_ xi: Int) -> V { mp.loadUnaligned(fromByteOffset: xi * stride * 4, as: V.self) }
            for b in 0..<6 {
                let s = at(ld(b), ld(6 + b), ld(12 + b), ld(18 + b), ld(24 + b), ld(30 + b))
                t.storeBytes(of: s.0, toByteOffset: (0 * 6 + b) * 64, as: V.self)
                t.storeBytes(of: s.1, toByteOffset: (1 * 6 + b) * 64, as: V.self)
                t.storeBytes(of: s.2, toByteOffset: (2 * 6 + b) * 64, as: V.self)
                t.storeBytes(of: s.3, toByteOffset: (3 * 6 + b) * 64, as: V.self)
            }
            let plane = k * h * w
            for i in 0..<4 {
                let y = 4 * ty + i
                if y >= h { break }
                @inline(__always) func lt(_ b: Int) -> V { t.load(fromByteOffset: (i * 6 + b) * 64, as: V.self) }
                let o = at(lt(0), lt(1), lt(2), lt(3), lt(4), lt(5))
                let p0 = epilogue.apply(o.0, k), p1 = epilogue.apply(o.1, k)
                let p2 = epilogue.apply(o.2, k), p3 = epilogue.apply(o.3, k)
                let row = plane + y * w + xb
                epilogue.store(interleave(p0, p1, p2, p3, 0), out, row, valid: min(16, n))
                epilogue.store(interleave(p0, p1, p2, p3, 1), out, row + 16, valid: min(16, n - 16))
                epilogue.store(interleave(p0, p1, p2, p3, 2), out, row + 32, valid: min(16, n - 32))
                epilogue.store(interleave(p0, p1, p2, p3, 3), out, row + 48, valid: min(16, n - 48))
            }
        }
    }
}
