/// Direct convolution for any odd kernel size (used for 1×1, 9×9 and as a 3×3 fallback).
///
/// Output rows are cut into blocks of the ``KernelShape``'s width; each block × `R` output
/// channels is one micro-kernel call reducing over every tap and input channel of a zero-padded
/// copy of the input.
enum DirectConv {
    /// Packs OIHW weights as `[kp/R][k·k][cIn][R]` (`R` = `rows`, `kp` = outChannels rounded up to R).
    static func packWeights(_ weight: [Float], outChannels: Int, inChannels: Int, kernelSize k: Int,
                            rows: Int) -> [Float] {
        let kp = (outChannels + rows - 1) / rows * rows, taps = k * k
        var p = [Float](repeating: 0, count: kp * taps * inChannels)
        p.withUnsafeMutableBufferPointer { dst in weight.withUnsafeBufferPointer { src in
            for o in 0..<outChannels { for c in 0..<inChannels { for t in 0..<taps {
                dst[((o / rows * taps + t) * inChannels + c) * rows + o % rows] = src[(o * inChannels + c) * taps + t]
            } } }
        } }
        return p
    }

    static func run(_ isa: KernelISA, packed: UnsafePointer<Float>, outChannels: Int,
                    kernelSize k: Int, planes: [Plane], height h: Int, width w: Int,
                    out: UnsafeMutablePointer<Float>, epilogue: Epilogue, pool: ThreadPool) {
        let rows = isa.rows, bw = isa.width
        let cIn = planes.count, p = k / 2, taps = k * k
        let pw = w + 2 * p + bw, ph = h + 2 * p, planeSize = pw * ph
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
        let xBlocks = (w + bw - 1) / bw, kBlocks = (outChannels + rows - 1) / rows
        offsets.withUnsafeBufferPointer { offsets in
            pool.parallelFor(h * xBlocks) { item, worker in
                let y = item / xBlocks, xb = (item % xBlocks) * bw
                let tmp = pool.arenas[worker].floats(rows * bw + 16)  // 16: the epilogue reads whole vectors
                for kb in 0..<kBlocks {
                    gemmPanel(isa, packed + kb * taps * cIn * rows, padded + y * pw + xb,
                              offsets: offsets.baseAddress!, segments: taps, count: cIn,
                              ldb: planeSize, tmp, ldc: bw, columns: bw)
                    for r in 0..<min(rows, outChannels - kb * rows) {
                        let o = kb * rows + r, row = (o * h + y) * w + xb
                        for j in stride(from: 0, to: bw, by: 16) {
                            let v = UnsafeRawPointer(tmp + r * bw + j).loadUnaligned(as: SIMD16<Float>.self)
                            epilogue.store(epilogue.apply(v, o), out, row + j, valid: min(16, bw - j, w - xb - j))
                        }
                    }
                }
            }
        }
    }
}
