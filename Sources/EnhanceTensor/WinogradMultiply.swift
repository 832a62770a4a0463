/// The transform-domain products of ``WinogradConv``: `M[ξ] (+)= U[ξ]ᵀ V[ξ]` for the 36 points ξ.
extension WinogradConv {
    /// One input's channel block (`count` channels from `c0`) into `m`, for the output row
    /// blocks `blocks` (`m` holds just those: `[P][blocks.count · rows][48]`).
    @inline(never)
    static func multiply(_ isa: KernelISA, rows: Int, u: UnsafePointer<Float>, cIn: Int, c0: Int,
                         count n: Int, kBlocks: Int, blocks: Range<Int>, v: UnsafePointer<Float>, vStride: Int,
                         m: UnsafeMutablePointer<Float>, mStride: Int, accumulate: Bool) {
        for xi in 0..<36 {
            for kb in blocks {
                gemmPanel(isa, u + ((xi * kBlocks + kb) * cIn + c0) * rows, v + xi * vStride, count: n, ldb: lanes,
                          m + xi * mStride + (kb - blocks.lowerBound) * rows * lanes, ldc: lanes, columns: lanes,
                          accumulate: accumulate)
            }
        }
    }

    /// Channels per segment when every input's channel count is a multiple of it (the inputs'
    /// greatest common divisor), or 0 when that is below 8 (short segments: per-input passes).
    static func segmentSpan(_ channels: [Int]) -> Int {
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let g = channels.reduce(0, gcd)
        return g >= 8 ? g : 0
    }

    /// All inputs at once: input `i`'s `V` starts at `v + groups[i].offset`, and its channels are
    /// walked as segments of `span` (the micro-kernel's offset list, per ξ).
    @inline(never)
    static func multiply(_ isa: KernelISA, rows: Int, u: UnsafePointer<Float>, cIn: Int, span: Int,
                         groups: [Group], v: UnsafePointer<Float>, kBlocks: Int, blocks: Range<Int>,
                         m: UnsafeMutablePointer<Float>, mStride: Int) {
        let segments = cIn / span
        withUnsafeTemporaryAllocation(of: Int.self, capacity: segments) { offsets in
            for xi in 0..<36 {
                var s = 0
                for g in groups {
                    let start = g.offset + xi * vXiStride(g.channels)
                    for k in 0..<g.channels / span {
                        offsets[s] = start + k * span * lanes
                        s += 1
                    }
                }
                for kb in blocks {
                    gemmPanel(isa, u + (xi * kBlocks + kb) * cIn * rows, v, offsets: offsets.baseAddress!,
                              segments: segments, count: span, ldb: lanes,
                              m + xi * mStride + (kb - blocks.lowerBound) * rows * lanes, ldc: lanes, columns: lanes)
                }
            }
        }
    }
}
