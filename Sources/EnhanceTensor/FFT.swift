import Foundation

/// Eight independent complex FFTs run side by side, one per SIMD lane, on an `n × n` tile
/// (``FFTConv``'s transform).
///
/// A tile is `n` rows of ``rowStride`` elements (the last one padding, so a column's elements fall in
/// different L1 sets); an element is 16 floats: the real parts of the 8 lanes, then their imaginary
/// parts. The forward transform is decimation in frequency (natural order in, both axes' bins
/// bit-reversed out), the inverse decimation in time (bit-reversed in, natural out, unnormalised:
/// `inverse(forward(x)) = n²·x`), so no permutation pass is ever made. Radix-4 stages, with one
/// radix-2 stage where log₂ n is odd. Twiddles are precomputed in double precision.
final class FFTPlan: Sendable {
    typealias V = SIMD8<Float>
    /// Transform length along each axis (a power of two, ≥ 4).
    let n: Int
    /// Elements per tile row (`n + 1`).
    let rowStride: Int
    /// `cos(−2πm/n)` and `sin(−2πm/n)`, `m < n`.
    private let cosines: [Float], sines: [Float]
    /// Storage element (`row · rowStride + column`) of each bin of a half spectrum (one of every
    /// pair `k`, `−k`: `n²/2 + 2` bins), and of its mirror `−k` (itself for the 4 self-conjugate bins).
    let bins: [Int32], mirrors: [Int32]

    /// Floats in one tile.
    var tileFloats: Int { n * rowStride * 16 }

    private static let cache = Locked<[Int: FFTPlan]>([:])

    /// The (shared) plan for `n`-point transforms.
    static func plan(_ n: Int) -> FFTPlan {
        cache.withLock { plans in
            if let p = plans[n] { return p }
            let p = FFTPlan(n: n)
            plans[n] = p
            return p
        }
    }

    private init(n: Int) {
        precondition(n >= 4 && n & (n - 1) == 0, "FFTPlan: n must be a power of two ≥ 4")
        self.n = n
        rowStride = n + 1
        cosines = (0..<n).map { Float(cos(-2 * Double.pi * Double($0) / Double(n))) }
        sines = (0..<n).map { Float(sin(-2 * Double.pi * Double($0) / Double(n))) }
        let bits = n.trailingZeroBitCount
        func reversed(_ j: Int) -> Int {
            var r = 0
            for b in 0..<bits where j & (1 << b) != 0 { r |= 1 << (bits - 1 - b) }
            return r
        }
        // Storage index j holds frequency reversed(j); the mirror of that frequency is stored at m[j].
        let m = (0..<n).map { reversed((n - reversed($0)) % n) }
        var bins: [Int32] = [], mirrors: [Int32] = []
        for y in 0..<n { for x in 0..<n where y * n + x <= m[y] * n + m[x] {
            bins.append(Int32(y * rowStride + x))
            mirrors.append(Int32(m[y] * rowStride + m[x]))
        } }
        self.bins = bins
        self.mirrors = mirrors
    }

    /// Forward 2-D transform of `tile` in place. Rows outside `rows` must be zero (their row
    /// transforms are skipped).
    func forward(_ tile: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        for r in rows { forward1D(tile + r * rowStride * 16, stride: 16) }
        for c in 0..<n { forward1D(tile + c * 16, stride: rowStride * 16) }
    }

    /// Inverse 2-D transform of `tile` in place (unnormalised); only `rows` of the result are
    /// computed (the others hold column-transformed garbage).
    func inverse(_ tile: UnsafeMutablePointer<Float>, rows: Range<Int>) {
        for c in 0..<n { inverse1D(tile + c * 16, stride: rowStride * 16) }
        for r in rows { inverse1D(tile + r * rowStride * 16, stride: 16) }
    }

    /// One axis, forward: `n` elements `stride` floats apart from `x`.
    func forward1D(_ x: UnsafeMutablePointer<Float>, stride s: Int) {
        cosines.withUnsafeBufferPointer { cs in sines.withUnsafeBufferPointer { sn in
            var span = n
            if n.trailingZeroBitCount % 2 == 1 {
                radix2(x, stride: s, half: n / 2, inverse: false, cs.baseAddress!, sn.baseAddress!)
                span = n / 2
            }
            while span >= 4 {
                radix4Forward(x, stride: s, quarter: span / 4, cs.baseAddress!, sn.baseAddress!)
                span /= 4
            }
        } }
    }

    /// One axis, inverse (unnormalised): undoes ``forward1D(_:stride:)`` stage by stage.
    func inverse1D(_ x: UnsafeMutablePointer<Float>, stride s: Int) {
        cosines.withUnsafeBufferPointer { cs in sines.withUnsafeBufferPointer { sn in
            let odd = n.trailingZeroBitCount % 2 == 1, top = odd ? n / 2 : n
            var span = 4
            while span <= top {
                radix4Inverse(x, stride: s, quarter: span / 4, cs.baseAddress!, sn.baseAddress!)
                span *= 4
            }
            if odd { radix2(x, stride: s, half: n / 2, inverse: true, cs.baseAddress!, sn.baseAddress!) }
        } }
    }

    /// A radix-2 stage of span `2·half`: forward `(a, b) → (a + b, (a − b)·w^j)`, inverse
    /// `(a, b) → (a + b·w̄^j, a − b·w̄^j)`, `w = e^{−2πi/(2·half)}`.
    private func radix2(_ x: UnsafeMutablePointer<Float>, stride s: Int, half: Int, inverse: Bool,
                        _ cs: UnsafePointer<Float>, _ sn: UnsafePointer<Float>) {
        let step = n / (2 * half)
        for j in 0..<half {
            let c = V(repeating: cs[j * step]), t = V(repeating: inverse ? -sn[j * step] : sn[j * step])
            var start = 0
            while start < n {
                let a = x + (start + j) * s, b = a + half * s
                let ar = load8(a), ai = load8(a + 8), br = load8(b), bi = load8(b + 8)
                if inverse {
                    let pr = br * c - bi * t, pi = br * t + bi * c
                    store8(a, ar + pr); store8(a + 8, ai + pi); store8(b, ar - pr); store8(b + 8, ai - pi)
                } else {
                    let dr = ar - br, di = ai - bi
                    store8(a, ar + br); store8(a + 8, ai + bi)
                    store8(b, dr * c - di * t); store8(b + 8, dr * t + di * c)
                }
                start += 2 * half
            }
        }
    }

    /// A forward radix-4 stage of span `4q` (two radix-2 DIF stages in one pass), `t = e^{−2πij/4q}`:
    /// `y0 = (x0 + x2) + (x1 + x3)`, `y1 = ((x0 + x2) − (x1 + x3))·t²`,
    /// `y2 = ((x0 − x2) − i(x1 − x3))·t`, `y3 = ((x0 − x2) + i(x1 − x3))·t³`.
    private func radix4Forward(_ x: UnsafeMutablePointer<Float>, stride s: Int, quarter q: Int,
                               _ cs: UnsafePointer<Float>, _ sn: UnsafePointer<Float>) {
        let step = n / (4 * q)
        for j in 0..<q {
            let t1 = (V(repeating: cs[j * step]), V(repeating: sn[j * step]))
            let t2 = (V(repeating: cs[2 * j * step]), V(repeating: sn[2 * j * step]))
            let t3 = (V(repeating: cs[3 * j * step]), V(repeating: sn[3 * j * step]))
            var start = 0
            while start < n {
                let p0 = x + (start + j) * s, p1 = p0 + q * s, p2 = p1 + q * s, p3 = p2 + q * s
                let x0 = (load8(p0), load8(p0 + 8)), x1 = (load8(p1), load8(p1 + 8))
                let x2 = (load8(p2), load8(p2 + 8)), x3 = (load8(p3), load8(p3 + 8))
                let sr = x0.0 + x2.0, si = x0.1 + x2.1, dr = x0.0 - x2.0, di = x0.1 - x2.1
                let ur = x1.0 + x3.0, ui = x1.1 + x3.1, vr = x1.0 - x3.0, vi = x1.1 - x3.1
                store8(p0, sr + ur); store8(p0 + 8, si + ui)
                if j == 0 {
                    store8(p1, sr - ur); store8(p1 + 8, si - ui)
                    store8(p2, dr + vi); store8(p2 + 8, di - vr)
                    store8(p3, dr - vi); store8(p3 + 8, di + vr)
                } else {
                    multiply(p1, sr - ur, si - ui, t2)
                    multiply(p2, dr + vi, di - vr, t1)
                    multiply(p3, dr - vi, di + vr, t3)
                }
                start += 4 * q
            }
        }
    }

    /// The inverse of ``radix4Forward(_:stride:quarter:_:_:)`` times 4: with `u = y0`, `v = y1·t̄²`,
    /// `r = y2·t̄`, `w = y3·t̄³`: `x0 = (u + v) + (r + w)`, `x2 = (u + v) − (r + w)`,
    /// `x1 = (u − v) + i(r − w)`, `x3 = (u − v) − i(r − w)`.
    private func radix4Inverse(_ x: UnsafeMutablePointer<Float>, stride s: Int, quarter q: Int,
                               _ cs: UnsafePointer<Float>, _ sn: UnsafePointer<Float>) {
        let step = n / (4 * q)
        for j in 0..<q {
            let t1 = (V(repeating: cs[j * step]), V(repeating: -sn[j * step]))
            let t2 = (V(repeating: cs[2 * j * step]), V(repeating: -sn[2 * j * step]))
            let t3 = (V(repeating: cs[3 * j * step]), V(repeating: -sn[3 * j * step]))
            var start = 0
            while start < n {
                let p0 = x + (start + j) * s, p1 = p0 + q * s, p2 = p1 + q * s, p3 = p2 + q * s
                let u = (load8(p0), load8(p0 + 8))
                let v = j == 0 ? (load8(p1), load8(p1 + 8)) : product(load8(p1), load8(p1 + 8), t2)
                let r = j == 0 ? (load8(p2), load8(p2 + 8)) : product(load8(p2), load8(p2 + 8), t1)
                let w = j == 0 ? (load8(p3), load8(p3 + 8)) : product(load8(p3), load8(p3 + 8), t3)
                let ar = u.0 + v.0, ai = u.1 + v.1, br = u.0 - v.0, bi = u.1 - v.1
                let cr = r.0 + w.0, ci = r.1 + w.1, dr = r.0 - w.0, di = r.1 - w.1
                store8(p0, ar + cr); store8(p0 + 8, ai + ci)
                store8(p2, ar - cr); store8(p2 + 8, ai - ci)
                store8(p1, br - di); store8(p1 + 8, bi + dr)
                store8(p3, br + di); store8(p3 + 8, bi - dr)
                start += 4 * q
            }
        }
    }

    @inline(__always)
    private func product(_ re: V, _ im: V, _ t: (V, V)) -> (V, V) {
        (re * t.0 - im * t.1, re * t.1 + im * t.0)
    }

    @inline(__always)
    private func multiply(_ p: UnsafeMutablePointer<Float>, _ re: V, _ im: V, _ t: (V, V)) {
        let r = product(re, im, t)
        store8(p, r.0); store8(p + 8, r.1)
    }
}

/// Eight floats at `p` (unaligned), for the FFT and ``FFTConv``.
@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

/// Stores eight floats at `p` (unaligned).
@inline(__always)
func store8(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
