/// A 1×1 convolution on channel-packed tensors (``Packed16``): each pixel's `K` outputs from its
/// `C` inputs, a GEMM whose rows are pixels. A 16-channel group's pixels are consecutive 16-float
/// vectors, i.e. row-major `[pixels][16]`: the channel-packed micro-kernel (``packedBlock``) takes
/// blocks of the tile shape's rows of pixels × 16 output channels from one input group at a time,
/// accumulating in the output group's own pixels, and the epilogue then runs on them in place.
///
/// Work unit: a chunk of ``chunkBlocks`` blocks of pixels; within it each 16×16 weight block (1 KB)
/// is read once for all its blocks, while their inputs and outputs stay in L1/L2.
enum PackedPointwise {
    /// Pixel blocks per work unit.
    static let chunkBlocks = 8

    /// OIHW `[K, C, 1, 1]` weights as `[K/16][C/16][16 inputs][16 outputs]` (`B` blocks of
    /// ``packedBlock``).
    static func packWeights(_ weight: [Float], outChannels k: Int, inChannels c: Int) -> [Float] {
        precondition(Packed16.fits(k) && Packed16.fits(c) && weight.count == k * c,
                     "PackedPointwise: \(c)→\(k) 1×1 weights")
        let groups = c / 16
        var p = [Float](repeating: 0, count: k * c)
        for o in 0..<k { for i in 0..<c {
            p[(((o / 16) * groups + i / 16) * 16 + i % 16) * 16 + o % 16] = weight[o * c + i]
        } }
        return p
    }

    /// `out` (packed `[K, n]` pixels) = the epilogue of the 1×1 convolution of the packed groups at
    /// `groups` (each `n` pixels of 16 channels, in concatenation order) with `weights` from
    /// ``packWeights(_:outChannels:inChannels:)``. The groups of one tensor (`n·16` floats apart) are
    /// one run of segments, summed in registers.
    static func run(_ isa: KernelISA, weights: UnsafePointer<Float>, outChannels k: Int,
                    groups: [UnsafePointer<Float>], pixels n: Int, out: UnsafeMutablePointer<Float>,
                    epilogue: Epilogue, pool: ThreadPool) {
        let rows = isa.tileShape.rows, g = groups.count, blocks = (n + rows - 1) / rows
        let chunks = (blocks + chunkBlocks - 1) / chunkBlocks
        // Runs of evenly spaced groups (one input tensor each): (first group, count).
        var runs: [(first: Int, count: Int)] = []
        for i in 0..<g {
            if let last = runs.last, groups[i] == groups[last.first] + last.count * n * 16 {
                runs[runs.count - 1].count += 1
            } else {
                runs.append((i, 1))
            }
        }
        let spaced = (0..<g).map { $0 * n * 16 }, packed = (0..<g).map { $0 * rows * 16 }, bs = (0..<g).map { $0 * 256 }
        groups.withUnsafeBufferPointer { groups in
            spaced.withUnsafeBufferPointer { spaced in packed.withUnsafeBufferPointer { packed in
                bs.withUnsafeBufferPointer { bs in
                    pool.parallelFor(chunks) { chunk, worker in
                        // A short last block reads its inputs from, and sums into, zero-padded scratch.
                        let scratch = pool.arenas[worker].floats((g + 1) * rows * 16)
                        let b0 = chunk * chunkBlocks, b1 = min(blocks, b0 + chunkBlocks)
                        let tail = n % rows != 0 && b1 == blocks, full = tail ? b1 - 1 : b1
                        if tail {
                            let p0 = (blocks - 1) * rows, valid = n - p0
                            scratch.update(repeating: 0, count: (g + 1) * rows * 16)
                            for gi in 0..<g {
                                (scratch + gi * rows * 16).update(from: groups[gi] + p0 * 16, count: valid * 16)
                            }
                        }
                        let sums = scratch + g * rows * 16
                        for q in 0..<k / 16 {
                            let outGroup = out + q * n * 16, w = weights + q * g * 256
                            for (r, run) in runs.enumerated() {
                                for blk in b0..<full {
                                    packedBlock(isa, groups[run.first] + blk * rows * 16, lda: 16,
                                                aOffsets: spaced.baseAddress!, w + run.first * 256,
                                                bOffsets: bs.baseAddress!, segments: run.count,
                                                outGroup + blk * rows * 16, accumulate: r > 0)
                                }
                            }
                            if tail {
                                packedBlock(isa, scratch, lda: 16, aOffsets: packed.baseAddress!, w,
                                            bOffsets: bs.baseAddress!, segments: g, sums, accumulate: false)
                            }
                            let bias = epilogue.vector(epilogue.bias, q), slope = epilogue.vector(epilogue.slope, q)
                            for p in b0 * rows..<min(n, b1 * rows) {
                                let from = p < full * rows ? outGroup + p * 16 : sums + (p - full * rows) * 16
                                let v = UnsafeRawPointer(from).loadUnaligned(as: SIMD16<Float>.self)
                                epilogue.storePacked(v, bias: bias, slope: slope, out, (q * n + p) * 16)
                            }
                        }
                    }
                }
            } }
        }
    }
}
