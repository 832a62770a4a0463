#if arch(x86_64) && os(Linux)
import _Builtin_intrinsics.intel
import Foundation

/// SHA-256 block compression with the x86 SHA extensions (SHA-NI), about 3× the portable code
/// (which ``SHA256`` falls back to when the CPU lacks them). The package compiles this file's
/// module with `-msha`; ``available`` checks the running CPU.
enum SHA256Accelerated {
    /// Whether the CPU reports `sha_ni` (read once from /proc/cpuinfo).
    static let available: Bool = {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        return flags.split(separator: " ").contains("sha_ni")
    }()

    @inline(__always) private static func lanes(_ x: __m128i) -> SIMD4<UInt32> {
        unsafeBitCast(x, to: SIMD4<UInt32>.self)
    }
    @inline(__always) private static func vector(_ x: SIMD4<UInt32>) -> __m128i { unsafeBitCast(x, to: __m128i.self) }

    /// Compresses `count` 64-byte blocks at `p` into the state `h` (8 words, A…H).
    static func compress(_ h: UnsafeMutablePointer<UInt32>, _ p: UnsafePointer<UInt8>, count: Int,
                         k: UnsafePointer<UInt32>) {
        // The instructions keep the state as two vectors, lanes low → high: [F, E, B, A], [H, G, D, C].
        var abef = vector(SIMD4(h[5], h[4], h[1], h[0]))
        var cdgh = vector(SIMD4(h[7], h[6], h[3], h[2]))
        let byteSwap = unsafeBitCast(SIMD16<UInt8>(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12),
                                     to: __m128i.self)
        let kv = UnsafeRawPointer(k).assumingMemoryBound(to: __m128i.self)
        for block in 0 ..< count {
            let savedABEF = abef, savedCDGH = cdgh
            let base = UnsafeRawPointer(p + 64 * block).assumingMemoryBound(to: __m128i.self)
            // Four rounds with message words `w` (W[4g…4g+3]).
            func rounds(_ w: __m128i, _ g: Int) {
                let wk = _mm_add_epi32(w, _mm_loadu_si128(kv + g))
                cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk)
                let high = lanes(wk)
                abef = _mm_sha256rnds2_epu32(abef, cdgh, vector(SIMD4(high[2], high[3], 0, 0)))
            }
            // W[t…t+3] from W[t-16…] (a), W[t-12…] (b), W[t-8…] (c), W[t-4…] (d);
            // W[t-7…] = [c1, c2, c3, d0].
            func next(_ a: __m128i, _ b: __m128i, _ c: __m128i, _ d: __m128i) -> __m128i {
                let cl = lanes(c), dl = lanes(d)
                let sum = _mm_add_epi32(_mm_sha256msg1_epu32(a, b), vector(SIMD4(cl[1], cl[2], cl[3], dl[0])))
                return _mm_sha256msg2_epu32(sum, d)
            }
            var m0 = _mm_shuffle_epi8(_mm_loadu_si128(base), byteSwap)
            var m1 = _mm_shuffle_epi8(_mm_loadu_si128(base + 1), byteSwap)
            var m2 = _mm_shuffle_epi8(_mm_loadu_si128(base + 2), byteSwap)
            var m3 = _mm_shuffle_epi8(_mm_loadu_si128(base + 3), byteSwap)
            rounds(m0, 0); rounds(m1, 1); rounds(m2, 2); rounds(m3, 3)
            for g in stride(from: 4, to: 16, by: 4) {
                m0 = next(m0, m1, m2, m3); rounds(m0, g)
                m1 = next(m1, m2, m3, m0); rounds(m1, g + 1)
                m2 = next(m2, m3, m0, m1); rounds(m2, g + 2)
                m3 = next(m3, m0, m1, m2); rounds(m3, g + 3)
            }
            abef = _mm_add_epi32(abef, savedABEF)
            cdgh = _mm_add_epi32(cdgh, savedCDGH)
        }
        let x = lanes(abef), y = lanes(cdgh)
        (h[0], h[1], h[2], h[3]) = (x[3], x[2], y[3], y[2])
        (h[4], h[5], h[6], h[7]) = (x[1], x[0], y[1], y[0])
    }
}
#endif
