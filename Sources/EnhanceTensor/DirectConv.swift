/// Direct convolution for any odd kernel size (used for 1×1, 9×9 and as a 3×3 fallback).
///
/// Output rows are cut into 48-pixel blocks; each block × 8 output channels is one micro-kernel
/// call reducing over every tap and input channel of a zero-padded copy of the input.
enum DirectConv {
    /// Packs OIHW weights as `[kp/8][k·k][cIn][8]` (`kp` = outChannels rounded up to 8).
    static func packWeights(_ weight: [Float], outChannels: Int, inChannels: Int, kernelSize k: Int) -> [Float] {
        let kp = (outChannels + 7) / 8 * 8, taps = k * k
        var p = [Float](repeating: 0, count: kp * taps * inChannels)
        for o in 0..<outChannels { for c in 0..<inChannels { for t in 0..<taps {
            p[((o / 8 * taps + t) * inChannels + c) * 8 + o % 8] = weight[(o * inChannels + c) * taps + t]
        } } }
        return p
    }

    static func run(packed: UnsafePointer<Float>, outChannels: Int, kernelSize k: Int,
                    planes: [Plane], height h: Int, width w: Int,
                    out: UnsafeMutablePointer<Float>, epilogue: Epilogue, pool: ThreadPool) {
        let cIn = planes.count, p = k / 2, taps = k * k
        let pw = w + 2 * p + 48, ph = h + 2 * p, planeSize = pw * ph
        let padded = UnsafeMutablePointer<Float>.allocate(capacity: cIn * planeSize)
        defer { padded.deallocate() }
        planes.withUnsafeBufferPointer { planes in
            pool.parallelFor(cIn) { c in
                let dst = padded + c * planeSize
                dst.update(repeating: 0, count: planeSize)
                for y in 0..<h { (dst + (y + p) * pw + p).update(from: planes[c].base + y * w, count: w) }
            }
        }
        var offsets = [Int](repeating: 0, count: taps)
        for ky in 0..<k { for kx in 0..<k { offsets[ky * k + kx] = ky * pw + kx } }
        let xBlocks = (w + 47) / 48, kBlocks = (outChannels + 7) / 8
        offsets.withUnsafeBufferPointer { offsets in
            pool.parallelFor(h * xBlocks) { item, worker in
                let y = item / xBlocks, xb = (item % xBlocks) * 48
                let tmp = pool.arenas[worker].floats(8 * 48)
                for kb in 0..<kBlocks {
                    microKernel8x48(packed + kb * taps * cIn * 8, padded + y * pw + xb,
                                    offsets: offsets.baseAddress!, segments: taps, count: cIn,
                                    ldb: planeSize, tmp, ldc: 48)
                    for r in 0..<min(8, outChannels - kb * 8) {
                        let o = kb * 8 + r, row = (o * h + y) * w + xb
                        for j in 0..<3 {
                            let v = UnsafeRawPointer(tmp + r * 48 + 16 * j).load(as: SIMD16<Float>.self)
                            epilogue.store(epilogue.apply(v, o), out, row + 16 * j, valid: min(16, w - xb - 16 * j))
                        }
                    }
                }
            }
        }
    }
}
