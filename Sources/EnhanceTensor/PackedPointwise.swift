/// A 1×1 convolution on channel-packed tensors (``Packed16``): each pixel's `K` outputs from its
/// `C` inputs, a GEMM whose rows are pixels. A 16-channel group's pixels are consecutive 16-float
/// vectors, i.e. row-major `[pixels][16]`: the channel-packed micro-kernel (``packedBlock``) takes
/// blocks of the tile shape's rows of pixels × 16 output channels, summing over every input group
/// of a tensor in registers, writes them into the output group's own pixels, and the epilogue then
/// runs on them in place.
///
/// Optionally fused with a space-to-depth of the input (`inFactor` r: conv input channel `s·C + c`
/// is sub-position `s = i·r + j` of channel `c`, read in place with a row stride of `r` pixels) or a
/// depth-to-space of the output (`outFactor` r: conv output channel `s·K' + k` is written to
/// sub-position `s` of channel `k`, row stride `r` pixels): the sub-position-major orders of
/// ``Packed16/pixelUnshuffle(_:_:pool:)`` and ``Packed16/pixelShuffle(_:_:pool:)``, without their maps.
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

    /// A packed map added to the result after the epilogue, its centre: `[K/outFactor², H + 2·margin,
    /// W + 2·margin]` for a `[K/outFactor², H, W]` result (the U-Net skip `crop(x) + y`, in one pass).
    struct Skip {
        let base: UnsafePointer<Float>
        let height, width, margin: Int
    }

    /// Segments of `A` read from one base pointer: conv input groups `first ..< first + count` at
    /// `base + offsets[first + s]` (plus the line's and the block's offsets).
    struct Run {
        let base: UnsafePointer<Float>
        let first: Int
        var count: Int
    }

    /// `out` = the epilogue of the 1×1 convolution (`weights` from ``packWeights(_:outChannels:inChannels:)``,
    /// `K` outputs) over a `height × width` grid of conv pixels. `groups`: every 16-channel group of
    /// the packed inputs, in concatenation order, each `height·inFactor × width·inFactor`; with
    /// `inFactor` > 1 one input tensor, its `C/r²` source channels unshuffled in place. `out`: packed
    /// `[K/outFactor², height·outFactor, width·outFactor]`.
    static func run(_ isa: KernelISA, weights: UnsafePointer<Float>, outChannels k: Int,
                    groups: [UnsafePointer<Float>], height oh: Int, width ow: Int, inFactor ri: Int = 1,
                    outFactor ro: Int = 1, out: UnsafeMutablePointer<Float>, epilogue: Epilogue, skip: Skip? = nil,
                    pool: ThreadPool) {
        let rows = isa.tileShape.rows, sh = oh * ri, sw = ow * ri, plane = sh * sw * 16
        // Lines of conv pixels: the whole map when nothing is strided or added, else its rows.
        let flat = ri == 1 && ro == 1 && skip == nil, lines = flat ? 1 : oh, len = flat ? oh * ow : ow
        let lda = ri * 16, ldc = ro * 16, kOut = k / (ro * ro)
        var runs: [Run] = [], offsets: [Int] = []
        if ri == 1 {
            for (i, g) in groups.enumerated() {
                if let last = runs.last, g == last.base + last.count * plane {
                    offsets.append(last.count * plane)
                    runs[runs.count - 1].count += 1
                } else {
                    offsets.append(0)
                    runs.append(Run(base: g, first: i, count: 1))
                }
            }
        } else {
            let sources = groups.count / (ri * ri)
            precondition(groups.count % (ri * ri) == 0
                         && (0..<sources).allSatisfy { groups[$0] == groups[0] + $0 * plane },
                         "PackedPointwise: an unshuffled input is one tensor")
            offsets = (0..<groups.count).map { seg in
                let (s, g) = (seg / sources, seg % sources)
                return ((g * sh + s / ri) * sw + s % ri) * 16
            }
            runs = [Run(base: groups[0], first: 0, count: groups.count)]
        }
        let segments = groups.count, perLine = ((len + rows - 1) / rows + chunkBlocks - 1) / chunkBlocks
        let packedOffsets = (0..<segments).map { $0 * rows * 16 }, bs = (0..<segments).map { $0 * 256 }
        /// Offset in `out` of pixel 0 of line `line` of conv output group `q`, and in the skip's map.
        @inline(__always) func outLine(_ q: Int, _ line: Int) -> (out: Int, skip: Int) {
            guard ro > 1 || skip != nil else { return ((q * oh * ow + line * len) * 16, 0) }
            let (s, c) = (q / (kOut / 16), q % (kOut / 16)), (y, x) = (line * ro + s / ro, s % ro)
            let skipped = skip.map { k in ((c * k.height + y + k.margin) * k.width + x + k.margin) * 16 } ?? 0
            return (((c * oh * ro + y) * ow * ro + x) * 16, skipped)
        }
        packedOffsets.withUnsafeBufferPointer { packedOffsets in bs.withUnsafeBufferPointer { bs in
          offsets.withUnsafeBufferPointer { offsets in
            pool.parallelFor(lines * perLine) { item, worker in
                let line = item / perLine, b0 = item % perLine * chunkBlocks
                let blocks = (len + rows - 1) / rows, b1 = min(blocks, b0 + chunkBlocks)
                guard b0 < b1 else { return }
                let tail = len % rows != 0 && b1 == blocks, full = tail ? b1 - 1 : b1
                let aLine = flat ? 0 : line * ri * sw * 16
                // A short last block reads its inputs from, and sums into, zero-padded scratch.
                let scratch = pool.arenas[worker].floats((segments + 1) * rows * 16)
                let sums = scratch + segments * rows * 16
                if tail {
                    let p0 = (blocks - 1) * rows
                    scratch.update(repeating: 0, count: segments * rows * 16)
                    for run in runs { for s in run.first..<(run.first + run.count) { for p in p0..<len {
                        let from = run.base + aLine + offsets[s] + p * lda
                        (scratch + (s * rows + p - p0) * 16).update(from: from, count: 16)
                    } } }
                }
                /// One block, its strides constant where they take the values of a plain, unshuffled or
                /// shuffled 1×1 (a runtime stride costs the micro-kernel's addressing registers).
                @inline(__always) func block(_ a: UnsafePointer<Float>, _ aOffsets: UnsafePointer<Int>,
                                             _ b: UnsafePointer<Float>, _ segments: Int,
                                             _ c: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
                    let o = bs.baseAddress!
                    switch (lda, ldc) {
                    case (16, 16): packedBlock(isa, a, lda: 16, aOffsets: aOffsets, b, bOffsets: o, segments: segments,
                                               c, ldc: 16, accumulate: accumulate)
                    case (32, 16): packedBlock(isa, a, lda: 32, aOffsets: aOffsets, b, bOffsets: o, segments: segments,
                                               c, ldc: 16, accumulate: accumulate)
                    case (16, 32): packedBlock(isa, a, lda: 16, aOffsets: aOffsets, b, bOffsets: o, segments: segments,
                                               c, ldc: 32, accumulate: accumulate)
                    default: packedBlock(isa, a, lda: lda, aOffsets: aOffsets, b, bOffsets: o, segments: segments, c,
                                         ldc: ldc, accumulate: accumulate)
                    }
                }
                for q in 0..<k / 16 {
                    let w = weights + q * segments * 256, (o, so) = outLine(q, line)
                    for (r, run) in runs.enumerated() {
                        for blk in b0..<full {
                            block(run.base + aLine + blk * rows * lda, offsets.baseAddress! + run.first,
                                  w + run.first * 256, run.count, out + o + blk * rows * ldc, r > 0)
                        }
                    }
                    if tail {
                        packedBlock(isa, scratch, lda: 16, aOffsets: packedOffsets.baseAddress!, w,
                                    bOffsets: bs.baseAddress!, segments: segments, sums, ldc: 16, accumulate: false)
                    }
                    let bias = epilogue.vector(epilogue.bias, q), slope = epilogue.vector(epilogue.slope, q)
                    for p in b0 * rows..<min(len, b1 * rows) {
                        let from = p < full * rows ? out + o + p * ldc : sums + (p - full * rows) * 16
                        let v = UnsafeRawPointer(from).loadUnaligned(as: SIMD16<Float>.self)
                        if let skip {
                            epilogue.storePacked(v, bias: bias, slope: slope, out, o + p * ldc,
                                                 adding: skip.base + so + p * ldc)
                        } else {
                            epilogue.storePacked(v, bias: bias, slope: slope, out, o + p * ldc)
                        }
                    }
                }
            }
          }
        } }
    }
}

extension Conv2D {
    /// This packed16 1×1 convolution of `Packed16.pixelUnshuffle(x, r)` (`x` packed `[C/r², H, W]`, its
    /// `C` inputs sub-position-major) → packed `[O, H/r, W/r]`, reading `x` in place: PyTorch's
    /// `Conv2d(C/r², O, r, stride=r)` for weights reordered to `[O][(i·r + j)·C/r² + c]`.
    public func unshuffledPointwise(_ x: Tensor, factor r: Int, activation: Activation = .identity,
                                    pool: ThreadPool) -> Tensor {
        precondition(x.channels * r * r == inChannels, "Conv2D.unshuffledPointwise: \(x.channels) channels by \(r)")
        return fusedPointwise(x, inFactor: r, outFactor: 1, activation: activation, pool: pool,
                              isa: .compiled)
    }

    /// `Packed16.pixelShuffle(self(x), r)` for this packed16 1×1 convolution (its `O` outputs
    /// sub-position-major) → packed `[O/r², H·r, W·r]`, written in place: PyTorch's
    /// `ConvTranspose2d(C, O/r², r, stride=r)` for weights reordered to `[(i·r + j)·O/r² + o][C]`.
    /// With `skip` (packed `[O/r², H·r + 2m, W·r + 2m]`) its centre is added after the activation in
    /// the same pass: `crop(skip, m) + act(…)`, a U-Net's skip connection.
    public func shuffledPointwise(_ x: Tensor, factor r: Int, activation: Activation = .identity,
                                  adding skip: Tensor? = nil, pool: ThreadPool) -> Tensor {
        fusedPointwise(x, inFactor: 1, outFactor: r, activation: activation, skip: skip, pool: pool, isa: .compiled)
    }

    /// ``unshuffledPointwise(_:factor:activation:pool:)`` (`inFactor`) or
    /// ``shuffledPointwise(_:factor:activation:pool:)`` (`outFactor`) on `isa`'s block shape.
    func fusedPointwise(_ x: Tensor, inFactor ri: Int, outFactor ro: Int, activation: Activation,
                        skip: Tensor? = nil, pool: ThreadPool, isa: KernelISA) -> Tensor {
        precondition(layout == .packed16 && kernelSize == 1 && ri >= 1 && ro >= 1,
                     "Conv2D: fused shuffles are for packed16 1×1 convolutions")
        x.require(.packed16, "Conv2D fused pointwise")
        precondition(x.height % ri == 0 && x.width % ri == 0 && Packed16.fits(outChannels / (ro * ro))
                     && outChannels % (ro * ro) == 0, "Conv2D fused pointwise: shape")
        let (h, w) = (x.height / ri, x.width / ri), n = outChannels * h * w
        let margin = skip.map { ($0.height - h * ro) / 2 } ?? 0
        if let skip {
            skip.require(.packed16, "Conv2D fused pointwise skip")
            precondition(skip.channels == outChannels / (ro * ro) && margin >= 0 && skip.height == h * ro + 2 * margin
                         && skip.width == w * ro + 2 * margin, "Conv2D fused pointwise: skip shape")
        }
        guard pool.preparesKernels else {
            let y = self(ri > 1 ? Packed16.pixelUnshuffle(x, ri, pool: pool) : x, activation: activation, pool: pool)
            let z = ro > 1 ? Packed16.pixelShuffle(y, ro, pool: pool) : y
            return skip.map { s in
                add(s.cropped(y: margin, x: margin, height: z.height, width: z.width, pool: pool), z, pool: pool)
            } ?? z
        }
        return pool.exclusive { pool in
            let u = tileKernels.value(pool)
            let data = [Float](unsafeUninitializedCapacity: n) { out, count in
                count = n
                guard n > 0 else { return }
                withPlanes([x]) { planes in
                    let groups = (0..<(ri * ri)).flatMap { _ in stride(from: 0, to: planes.count, by: 16) }
                        .map { planes[$0].base }
                    withEpilogue(activation: activation, outputScale: 1, residual: nil) { epilogue in
                        u.withUnsafeBufferPointer { u in withStorage(skip?.data) { s in
                            let added = s.map { PackedPointwise.Skip(base: $0, height: skip!.height, width: skip!.width,
                                                                     margin: margin) }
                            PackedPointwise.run(isa, weights: u.baseAddress!, outChannels: outChannels, groups: groups,
                                                height: h, width: w, inFactor: ri, outFactor: ro,
                                                out: out.baseAddress!, epilogue: epilogue, skip: added, pool: pool)
                        } }
                    }
                }
            }
            return Tensor(channels: outChannels / (ro * ro), height: h * ro, width: w * ro, data: data,
                          layout: .packed16)
        }
    }
}
