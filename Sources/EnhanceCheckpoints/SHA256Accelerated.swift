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

    @inline(__always) private static func lanes(_ x: __m128i) -> SIMD4<UInt32> { unsafeBitCast(x, to: SIMD4<UInt32>.self) }
    @inline(__always) private static func vector(_ x: SIMD4<UInt32>) -> __m128i { unsafeBitCast(x, to: __m128i.self) }

    /// Compresses `count` 64-byte blocks at `p` into the state `h` (8 words, A…H).
    static func compress(_ h: UnsafeMutablePointer<UInt32>, _ p: UnsafePointer<UInt8>, count: Int,
                         k: UnsafePointer<UInt32>) {
        // The instructions keep the state as two vectors, lanes low → high: [F, E, B, A], [H, G, D, C].
        var abef = vector(SIMD4(h[5], h[4], h[1], h[0]))
        var cdgh = vector(SIMD4(h[7], h[6], h[3], h[2]))
        let byteSwap = unsafeBitCast(SIMD16<UInt8>(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12),
                                     to: __m128i.self)
        withUnsafeTemporaryAllocation(of: __m128i.self, capacity: 4) { w in
            for block in 0 ..< count {
                let savedABEF = abef, savedCDGH = cdgh
                let base = UnsafeRawPointer(p + 64 * block)
                for i in 0 ..< 16 {
                    if i < 4 {
                        let raw = _mm_loadu_si128((base + 16 * i).assumingMemoryBound(to: __m128i.self))
                        w[i] = _mm_shuffle_epi8(raw, byteSwap)
                    } else {
                        // W[t..t+3] from W[t-16..], W[t-15..], W[t-7..] (= [b1, b2, b3, a0]) and W[t-4..].
                        let a = lanes(w[(i + 3) % 4]), b = lanes(w[(i + 2) % 4])
                        let sum = _mm_add_epi32(_mm_sha256msg1_epu32(w[i % 4], w[(i + 1) % 4]),
                                                vector(SIMD4(b[1], b[2], b[3], a[0])))
                        w[i % 4] = _mm_sha256msg2_epu32(sum, w[(i + 3) % 4])
                    }
                    let wk = _mm_add_epi32(w[i % 4], _mm_loadu_si128(UnsafeRawPointer(k + 4 * i)
                        .assumingMemoryBound(to: __m128i.self)))
                    cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk)
                    let high = lanes(wk)
                    abef = _mm_sha256rnds2_epu32(abef, cdgh, vector(SIMD4(high[2], high[3], 0, 0)))
                }
                abef = _mm_add_epi32(abef, savedABEF)
                cdgh = _mm_add_epi32(cdgh, savedCDGH)
            }
        }
        let x = lanes(abef), y = lanes(cdgh)
        (h[0], h[1], h[2], h[3]) = (x[3], x[2], y[3], y[2])
        (h[4], h[5], h[6], h[7]) = (x[1], x[0], y[1], y[0])
    }
}
#endif
