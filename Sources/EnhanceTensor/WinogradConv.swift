/// Winograd F(4×4, 3×3) convolution over CHW planes.
///
/// Work unit ("chunk"): three tile vectors of 16 horizontally adjacent 4×4 output tiles. For each
/// input tensor the chunk's tiles are transformed (`V`, `[36][c][48]`), multiplied
/// with the pre-transformed weights (`U`, `[36][kp/R][C][R]`, `R` = the kernel shape's rows) by
/// the ``KernelShape``'s micro-kernel (`48 / width` column blocks) into `M` (`[36][kp][48]`), and
/// finally `M` is transformed back with the fused epilogue.
enum WinogradConv {
    typealias V = SIMD16<Float>
    static let chunkVectors = 3
    /// Extra floats between consecutive ξ slices of `V` and `M`: without it the 36 slices of one
    /// tile sit a multiple of 4 KiB apart and collide in one L1 set.
    static let xiPad = 16
    /// Single-input transforms up to this size (floats) are cached too (RRDB block inputs).
    static let smallEntryFloats = 4 << 20

    /// Floats between ξ slices of `V` for `channels` inputs.
    static func vXiStride(_ channels: Int) -> Int { channels * chunkVectors * 16 + xiPad }

    /// Transformed weights `[36][kp/R][cIn][R]` for OIHW 3×3 `weight`; `kp` = outChannels
    /// rounded up to `R` = `rows` ≤ 8 (padding rows are zero). `U = G g Gᵀ` in float32, computed
    /// for a block's R output channels at once (8-lane vectors; the same arithmetic per element as
    /// a scalar loop, so the same bits), each value written once (no zero-fill first).
    static func transformWeights(_ weight: [Float], outChannels: Int, inChannels: Int, rows: Int) -> [Float] {
        typealias V = SIMD8<Float>
        precondition(rows >= 1 && rows <= 8, "transformWeights: 1…8 rows per block")
        let kp = (outChannels + rows - 1) / rows * rows, kb = kp / rows
        let xiStride = kb * inChannels * rows, count = 36 * kp * inChannels
        let g: [Float] = Winograd.g.map { Float($0) }
        return [Float](unsafeUninitializedCapacity: count) { u, initialized in
            initialized = count
            guard count > 0 else { return }
            weight.withUnsafeBufferPointer { w in
                withUnsafeTemporaryAllocation(of: V.self, capacity: 9) { s in
                    for b in 0..<kb { for c in 0..<inChannels {
                        // s[t] lane l = tap t of output channel b·R + l (0 past the real channels).
                        for t in 0..<9 { s[t] = V() }
                        for l in 0..<min(rows, outChannels - b * rows) {
                            let src = w.baseAddress! + ((b * rows + l) * inChannels + c) * 9
                            for t in 0..<9 { s[t][l] = src[t] }
                        }
                        let dst = u.baseAddress! + (b * inChannels + c) * rows
                        for i in 0..<6 {
                            // Row i of G g (3 vectors), then its product with Gᵀ (6 vectors).
                            let g0 = g[i * 3], g1 = g[i * 3 + 1], g2 = g[i * 3 + 2]
                            let t0 = g0 * s[0] + g1 * s[3] + g2 * s[6]
                            let t1 = g0 * s[1] + g1 * s[4] + g2 * s[7]
                            let t2 = g0 * s[2] + g1 * s[5] + g2 * s[8]
                            for j in 0..<6 {
                                let v = t0 * g[j * 3] + t1 * g[j * 3 + 1] + t2 * g[j * 3 + 2]
                                let p = dst + (i * 6 + j) * xiStride
                                if rows == 8 {
                                    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
                                } else {
                                    for l in 0..<rows { p[l] = v[l] }
                                }
                            }
                        }
                    } }
                }
            }
        }
    }

    /// Runs the convolution over the concatenation of `inputs` (`planes` = their channel planes
    /// in order). Inputs of multi-input calls are transformed once and kept in the pool's
    /// ``WinogradCache``; other inputs are transformed per chunk into worker scratch.
    static func run(_ isa: KernelISA, u: UnsafePointer<Float>, outChannels: Int, inputs: [Tensor],
                    planes: [Plane], height h: Int, width w: Int, out: UnsafeMutablePointer<Float>,
                    epilogue: Epilogue, pool: ThreadPool) {
        let cIn = planes.count, blockRows = isa.rows
        let kp = (outChannels + blockRows - 1) / blockRows * blockRows, kBlocks = kp / blockRows
        let ht = (h + 3) / 4, wt = (w + 3) / 4, vw = (wt + 15) / 16
        let nVecs = ht * vw, nChunks = (nVecs + chunkVectors - 1) / chunkVectors
        let lanes = chunkVectors * 16
        // Per input: first plane, cached buffer (nil = scratch at `scratchOffset`), fill flag.
        var groups: [Group] = []
        var first = 0, scratchFloats = 0
        let cache = pool.winogradCache
        cache.beginCall()
        for t in inputs {
            let chunkFloats = 36 * vXiStride(t.channels)
            // Multi-input calls (dense blocks) always cache; single inputs only when small, since a
            // tensor feeding one conv (plain chains) gains nothing and large entries cost memory.
            let floats = nChunks * chunkFloats
            let hit = cache.lookup(t, floats: floats, insert: inputs.count > 1 || floats <= smallEntryFloats)
            groups.append(Group(first: first, channels: t.channels, cached: hit?.0, fill: hit?.fill ?? true,
                                scratchOffset: scratchFloats))
            if hit == nil { scratchFloats += chunkFloats }
            first += t.channels
        }
        let mXi = kp * lanes + xiPad, mSize = 36 * mXi, rowScratch = 12 * 80
        // Several inputs: one pass over all of them (segments of `span` channels) rather than one
        // accumulating pass per input, so each M block is written once.
        let span = groups.count > 1 ? segmentSpan(groups.map(\.channels)) : 0
        planes.withUnsafeBufferPointer { planes in
            pool.parallelFor(nChunks) { chunk, worker in
                let scratch = pool.arenas[worker].floats(scratchFloats + mSize + rowScratch + 24 * 16)
                let mBuf = scratch + scratchFloats, rows = mBuf + mSize, tmp = rows + rowScratch
                let valid = min(chunkVectors, nVecs - chunk * chunkVectors)
                var bases = [UnsafeMutablePointer<Float>?](repeating: nil, count: groups.count)
                for (gi, g) in groups.enumerated() {
                    let vXi = vXiStride(g.channels), chunkFloats = 36 * vXi
                    let vBuf = g.cached.map { $0 + chunk * chunkFloats } ?? scratch + g.scratchOffset
                    if g.fill {
                        for v in valid..<chunkVectors {
                            for xi in 0..<36 { for c in 0..<g.channels {
                                (vBuf + xi * vXi + c * lanes + v * 16).update(repeating: 0, count: 16)
                            } }
                        }
                        // Channel-major: consecutive calls read neighbouring rows of one plane.
                        for c in 0..<g.channels {
                            for v in 0..<valid {
                                let gv = chunk * chunkVectors + v
                                Winograd.inputTile(plane: planes[g.first + c], height: h, width: w,
                                                   ty: gv / vw, vx: gv % vw, rows: rows,
                                                   dst: vBuf + c * lanes + v * 16, stride: vXi)
                            }
                        }
                    }
                    bases[gi] = vBuf
                    if span == 0 {
                        multiply(isa, rows: blockRows, u: u, cIn: cIn, c0: g.first, count: g.channels,
                                 kBlocks: kBlocks, v: vBuf, vStride: vXi, m: mBuf, mStride: mXi, accumulate: gi > 0)
                    }
                }
                if span > 0 {
                    multiply(isa, rows: blockRows, u: u, cIn: cIn, span: span, groups: groups, bases: bases,
                             kBlocks: kBlocks, m: mBuf, mStride: mXi)
                }
                for v in 0..<valid {
                    let g = chunk * chunkVectors + v
                    outputTile(m: mBuf + v * 16, stride: mXi, outChannels: outChannels,
                               mChannelStride: lanes, ty: g / vw, vx: g % vw, height: h, width: w,
                               tmp: tmp, out: out, epilogue: epilogue)
                }
            }
        }
        cache.endCall()
    }

    struct Group {
        let first: Int, channels: Int
        let cached: UnsafeMutablePointer<Float>?
        let fill: Bool
        let scratchOffset: Int
    }

    /// The 36 transform-domain products of one channel block: `M[ξ] (+)= U[ξ]ᵀ V[ξ]`.
    @inline(never)
    static func multiply(_ isa: KernelISA, rows: Int, u: UnsafePointer<Float>, cIn: Int, c0: Int, count n: Int,
                         kBlocks: Int, v: UnsafePointer<Float>, vStride: Int,
                         m: UnsafeMutablePointer<Float>, mStride: Int, accumulate: Bool) {
        let lanes = chunkVectors * 16
        for xi in 0..<36 {
            for kb in 0..<kBlocks {
                gemmPanel(isa, u + ((xi * kBlocks + kb) * cIn + c0) * rows, v + xi * vStride, count: n, ldb: lanes,
                          m + xi * mStride + kb * rows * lanes, ldc: lanes, columns: lanes, accumulate: accumulate)
            }
        }
    }

    /// Output transform + epilogue for one tile vector, all output channels.
    @inline(never)
    static func outputTile(m: UnsafeMutablePointer<Float>, stride: Int, outChannels: Int,
                           mChannelStride: Int, ty: Int, vx: Int, height h: Int, width w: Int,
                           tmp: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                           epilogue: Epilogue) {
        let t = UnsafeMutableRawPointer(tmp)
        for k in 0..<outChannels {
            let mp = UnsafeRawPointer(m + k * mChannelStride)
            @inline(__always) func ld(_ xi: Int) -> V { mp.load(fromByteOffset: xi * stride * 4, as: V.self) }
            for b in 0..<6 {
                let s = Winograd.at(ld(b), ld(6 + b), ld(12 + b), ld(18 + b), ld(24 + b), ld(30 + b))
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
                let o = Winograd.at(lt(0), lt(1), lt(2), lt(3), lt(4), lt(5))
                let p0 = epilogue.apply(o.0, k), p1 = epilogue.apply(o.1, k)
                let p2 = epilogue.apply(o.2, k), p3 = epilogue.apply(o.3, k)
                let xb = 64 * vx
                let row = plane + y * w
                epilogue.store(Winograd.interleave(p0, p1, p2, p3, 0), out, row + xb, valid: min(16, w - xb))
                epilogue.store(Winograd.interleave(p0, p1, p2, p3, 1), out, row + xb + 16, valid: min(16, w - xb - 16))
                epilogue.store(Winograd.interleave(p0, p1, p2, p3, 2), out, row + xb + 32, valid: min(16, w - xb - 32))
                epilogue.store(Winograd.interleave(p0, p1, p2, p3, 3), out, row + xb + 48, valid: min(16, w - xb - 48))
            }
        }
    }
}

extension WinogradConv {
    /// Channels per segment when every input's channel count is a multiple of it (the inputs'
    /// greatest common divisor), or 0 when that is below 8 (short segments: per-input passes).
    static func segmentSpan(_ channels: [Int]) -> Int {
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let g = channels.reduce(0, gcd)
        return g >= 8 ? g : 0
    }

    /// `M[ξ] = U[ξ]ᵀ V[ξ]` over all inputs at once: input `i`'s `V` starts at `bases[i]`, and its
    /// channels are walked as segments of `span` (the micro-kernel's offset list, per ξ).
    @inline(never)
    static func multiply(_ isa: KernelISA, rows: Int, u: UnsafePointer<Float>, cIn: Int, span: Int, groups: [Group],
                         bases: [UnsafeMutablePointer<Float>?], kBlocks: Int,
                         m: UnsafeMutablePointer<Float>, mStride: Int) {
        let lanes = chunkVectors * 16, segments = cIn / span
        withUnsafeTemporaryAllocation(of: Int.self, capacity: segments) { offsets in
            let b0 = UnsafePointer(bases[0]!)
            for xi in 0..<36 {
                var s = 0
                for (gi, g) in groups.enumerated() {
                    let start = UnsafePointer(bases[gi]!) + xi * vXiStride(g.channels)
                    for k in 0..<g.channels / span {
                        offsets[s] = b0.distance(to: start) + k * span * lanes
                        s += 1
                    }
                }
                for kb in 0..<kBlocks {
                    gemmPanel(isa, u + (xi * kBlocks + kb) * cIn * rows, b0, offsets: offsets.baseAddress!,
                              segments: segments, count: span, ldb: lanes,
                              m + xi * mStride + kb * rows * lanes, ldc: lanes, columns: lanes)
                }
            }
        }
    }
}
