import CVectorISA
/// Winograd F(6×6, 3×3) over channel-packed activations (``Packed16``): the path of wide 3×3
/// trunks (RealESRGAN_x4plus's).
///
/// A tile is 6×6 outputs from an 8×8 input window (rows `6·ty − 1 …`, columns `6·tx − 1 …`; from
/// `6·ty`, `6·tx` for the unpadded convolution); each pixel of a 16-channel group is one vector, so
/// `V = Bᵀ d B` and `Y = Aᵀ M A` are whole-vector adds and multiplies (no lane shuffles). Work unit:
/// a chunk of ``tiles(_:)`` tiles (8; 12 on AVX2). Its transforms go to `V` (`[64][cIn/16][tiles][16]`:
/// each input group's tiles in a run, so the GEMM reads a block's tiles at constant offsets from one
/// pointer, ``tileSegmentPanel``), the 64 per-point products `M[ξ] = V[ξ] · U[ξ]` (`U`: `[64]` ×
/// blocks of 32 output channels, the last 16 wide when `K` is an odd multiple of 16, each
/// `[cIn][width]`) run on the tile shape of ``KernelISA``, and `M` (`[64][tiles][K]`) is transformed
/// back with the fused epilogue. F(6×6) multiplies 1.78 times per output against F(4×4)'s 2.25;
/// its transform constants (up to 32 and 1/90) round more coarsely.
enum TileWinograd {
    typealias V = SIMD16<Float>
    typealias Row = (V, V, V, V, V, V, V, V)
    /// Tiles per chunk: a multiple of the tile shape's rows, small enough that `V` and `M` stay in
    /// L2 (at 16 they did not: slower on Zen 4, though `U` is then streamed half as often).
    static func tiles(_ isa: KernelISA) -> Int { isa == .avx2 ? 12 : 8 }

    /// `G` (8×3, row-major) of `U = G g Gᵀ` (points 0, ±1, ±2, ±½, ∞).
    static let g: [Double] = [
        1, 0, 0,
        -2.0 / 9, -2.0 / 9, -2.0 / 9,
        -2.0 / 9, 2.0 / 9, -2.0 / 9,
        1.0 / 90, 1.0 / 45, 2.0 / 45,
        1.0 / 90, -1.0 / 45, 2.0 / 45,
        32.0 / 45, 16.0 / 45, 8.0 / 45,
        32.0 / 45, -16.0 / 45, 8.0 / 45,
        0, 0, 1,
    ]

    /// Whether a 3×3 convolution of these widths can run here (packed inputs and outputs).
    static func accepts(inChannels: Int, outChannels: Int) -> Bool {
        Packed16.fits(inChannels) && Packed16.fits(outChannels)
    }

    /// The output channels `jb ..< jb + width` of each block of `U`: 32, and 16 for the last of an
    /// odd multiple of 16.
    @inline(__always)
    static func blockWidth(_ jb: Int, outChannels k: Int) -> Int { min(32, k - jb) }

    /// `Bᵀ d` for one line of eight (fused multiply-adds: 26 vector operations).
    @inline(__always)
    static func bt(_ d: Row) -> Row {
        @inline(__always) func f(_ a: V, _ k: Float, _ c: V) -> V { c.addingProduct(a, V(repeating: k)) }
        let r0 = f(d.4 - d.2, 5.25, d.0 - d.6), r7 = f(d.3 - d.5, 5.25, d.7 - d.1)
        let t1 = f(d.4, -4.25, d.2 + d.6), t2 = f(d.3, -4.25, d.1 + d.5)
        let t3 = f(d.4, -1.25, f(d.2, 0.25, d.6)), t4 = f(d.5, 2, f(d.3, -2.5, d.1 * 0.5))
        let t5 = f(f(d.4, -1.25, d.2), 4, d.6), t6 = f(d.5, 0.5, f(d.3, -2.5, d.1 * 2))
        return (r0, t1 + t2, t1 - t2, t3 + t4, t3 - t4, t5 + t6, t5 - t6, r7)
    }

    /// `Aᵀ m` for one line of eight: six outputs (20 vector operations).
    @inline(__always)
    static func at(_ m: Row) -> (V, V, V, V, V, V) {
        @inline(__always) func f(_ a: V, _ k: Float, _ c: V) -> V { c.addingProduct(a, V(repeating: k)) }
        let a1 = m.1 + m.2, b1 = m.1 - m.2, a2 = m.3 + m.4, b2 = m.3 - m.4, a3 = m.5 + m.6, b3 = m.5 - m.6
        return (m.0 + a1 + a2 + a3, f(b3, 0.5, f(b2, 2, b1)), f(a3, 0.25, f(a2, 4, a1)),
                f(b3, 0.125, f(b2, 8, b1)), f(a3, 0.0625, f(a2, 16, a1)), f(b3, 0.03125, f(b2, 32, b1)) + m.7)
    }

    /// `U` (for each ξ = 8·i + j, blocks of 32 output channels, the last 16 wide when
    /// `outChannels` is an odd multiple of 16: the block at channel `jb` is `[cIn][width]` at
    /// `(ξ·K + jb)·cIn`, read as one stream) for OIHW 3×3 `weight`: `G g Gᵀ` in float32 for eight
    /// output channels at once, blocks spread over `pool`.
    static func transformWeights(_ weight: [Float], outChannels: Int, inChannels: Int, pool: ThreadPool) -> [Float] {
        typealias W = SIMD8<Float>
        precondition(Packed16.fits(outChannels), "TileWinograd: output channels in blocks of 16")
        let count = 64 * inChannels * outChannels, k = outChannels, c = inChannels
        let g: [Float] = Self.g.map { Float($0) }
        // Every element is written below, so a recycled array (no page faults) serves as well as a new one.
        var out = KernelRecycler.shared.take(count) ?? freshKernelArray(count)
        // Task = (32-channel block, run of 16 input channels): for each point ξ it writes one
        // contiguous run of 16·width floats (whole cache lines, no two tasks sharing one).
        let runs = (c + 15) / 16, blocks = (k + 31) / 32
        out.withUnsafeMutableBufferPointer { u in
            let dst = u.baseAddress!
            weight.withUnsafeBufferPointer { w in
                pool.parallelFor(blocks * runs) { task in
                    let jb = task / runs * 32, c0 = task % runs * 16, bw = blockWidth(jb, outChannels: k)
                    withUnsafeTemporaryAllocation(of: W.self, capacity: 9) { s in
                        for ci in c0..<min(c0 + 16, c) {
                            for q in 0..<bw / 8 {
                                // s[t] lane l = tap t of output channel jb + 8·q + l.
                                for l in 0..<8 {
                                    let src = w.baseAddress! + ((jb + q * 8 + l) * c + ci) * 9
                                    for t in 0..<9 { s[t][l] = src[t] }
                                }
                                Winograd.kernelTransform(s.baseAddress!, g: g) { i, j, v in
                                    let at = ((i * 8 + j) * k + jb) * c + ci * bw + q * 8
                                    UnsafeMutableRawPointer(dst + at).storeBytes(of: v, as: W.self)
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Runs the convolution over the channel concatenation of the packed `inputs` (`groups`: the
    /// base of every 16-channel group, in order; each `h × w`) into packed `out`, zero-padded by
    /// `padding` pixels on every side: 1 gives the `h × w` ("same") result, 0 the unpadded
    /// `(h − 2) × (w − 2)` ("valid") one.
    static func run(_ isa: KernelISA, u: UnsafePointer<Float>, outChannels k: Int, groups: [UnsafePointer<Float>],
                    height h: Int, width w: Int, padding pad: Int = 1, out: UnsafeMutablePointer<Float>,
                    epilogue: Epilogue, pool: ThreadPool) {
        let oh = h + 2 * pad - 2, ow = w + 2 * pad - 2
        let cIn = groups.count * 16, perRow = (ow + 5) / 6, count = (oh + 5) / 6 * perRow
        let chunkTiles = tiles(isa), chunks = (count + chunkTiles - 1) / chunkTiles
        let vXi = chunkTiles * cIn + 16, mXi = chunkTiles * k + 16
        // The GEMM's segment offsets (16 input channels each): in `V`, in a block of `U` 32 wide, 16 wide.
        let segments = groups.count
        let offsets = [chunkTiles * 16, 32 * 16, 16 * 16].flatMap { step in (0..<segments).map { $0 * step } }
        offsets.withUnsafeBufferPointer { offsets in groups.withUnsafeBufferPointer { groups in
            pool.parallelFor(chunks) { chunk, worker in
                let v = pool.arenas[worker].floats(64 * (vXi + mXi) + 64 * 16)
                let m = v + 64 * vXi, tmp = UnsafeMutableRawPointer(m + 64 * mXi).assumingMemoryBound(to: V.self)
                let first = chunk * chunkTiles, valid = min(chunkTiles, count - first)
                // Group by group: consecutive tiles of one group are neighbours in memory. The next
                // tile's new columns (or the next group's first tile) are prefetched: the inputs
                // come from L3, and rows of 8 pixels are too short a stream for the hardware
                // prefetchers (−4 % at one thread, medians of 24 alternating runs).
                for (p, base) in groups.enumerated() {
                    for t in 0..<valid {
                        let tile = first + t
                        if t + 1 < valid {
                            let n = tile + 1, tx = n % perRow
                            prefetchTile(base, height: h, width: w, pad: pad, ty: n / perRow, tx: tx,
                                         from: tx == 0 ? 0 : 2)
                        } else if p + 1 < groups.count {
                            prefetchTile(groups[p + 1], height: h, width: w, pad: pad, ty: first / perRow,
                                         tx: first % perRow, from: 0)
                        }
                        inputTile(base, height: h, width: w, pad: pad, ty: tile / perRow, tx: tile % perRow,
                                  dst: v + (p * chunkTiles + t) * 16, stride: vXi, tmp: tmp)
                    }
                }
                for xi in 0..<64 {
                    for jb in stride(from: 0, to: k, by: 32) {
                        let bw = blockWidth(jb, outChannels: k)
                        tileSegmentPanel(isa, v + xi * vXi, aOffsets: offsets.baseAddress!, u + (xi * k + jb) * cIn,
                                         bOffsets: offsets.baseAddress! + (bw == 32 ? 1 : 2) * segments,
                                         segments: segments, ldb: bw, m + xi * mXi + jb, ldc: k, rows: chunkTiles,
                                         columns: bw)
                    }
                }
                for t in 0..<valid {
                    let tile = first + t
                    for q in 0..<k / 16 {
                        outputTile(m + t * k + 16 * q, stride: mXi, group: q, ty: tile / perRow, tx: tile % perRow,
                                   height: oh, width: ow, tmp: tmp, out: out, epilogue: epilogue)
                    }
                }
            }
        } }
    }

    /// Prefetches columns `from ..< 8` of the 8×8 input window of one tile of the group at `base`
    /// (clipped to the image).
    @inline(__always)
    static func prefetchTile(_ base: UnsafePointer<Float>, height h: Int, width w: Int, pad: Int, ty: Int, tx: Int,
                             from: Int) {
        let y0 = max(0, 6 * ty - pad), y1 = min(h, 6 * ty - pad + 8)
        let x0 = max(0, 6 * tx - pad + from), x1 = min(w, 6 * tx - pad + 8)
        for y in y0..<y1 { for x in x0..<x1 { enhance_prefetch(base + (y * w + x) * 16) } }
    }

    /// `V[ξ]` (at `dst + ξ·stride`) of one tile of the 16-channel group at `base` (its window starts
    /// `pad` pixels above and left of the tile's first output).
    @inline(never)
    static func inputTile(_ base: UnsafePointer<Float>, height h: Int, width w: Int, pad: Int = 1, ty: Int, tx: Int,
                          dst: UnsafeMutablePointer<Float>, stride: Int, tmp: UnsafeMutablePointer<V>) {
        let y0 = 6 * ty - pad, x0 = 6 * tx - pad
        let interior = y0 >= 0 && y0 + 8 <= h && x0 >= 0 && x0 + 8 <= w
        let raw = UnsafeRawPointer(base)
        for a in 0..<8 {
            let y = y0 + a
            @inline(__always) func ld(_ b: Int) -> V {
                let x = x0 + b
                guard interior || (y >= 0 && y < h && x >= 0 && x < w) else { return V() }
                return raw.loadUnaligned(fromByteOffset: (y * w + x) * 64, as: V.self)
            }
            let r = bt((ld(0), ld(1), ld(2), ld(3), ld(4), ld(5), ld(6), ld(7)))
            let o = tmp + a * 8
            o[0] = r.0; o[1] = r.1; o[2] = r.2; o[3] = r.3; o[4] = r.4; o[5] = r.5; o[6] = r.6; o[7] = r.7
        }
        let out = UnsafeMutableRawPointer(dst), s = stride * 4
        for j in 0..<8 {
            let c = bt((tmp[j], tmp[8 + j], tmp[16 + j], tmp[24 + j], tmp[32 + j], tmp[40 + j], tmp[48 + j],
                        tmp[56 + j]))
            out.storeBytes(of: c.0, toByteOffset: j * s, as: V.self)
            out.storeBytes(of: c.1, toByteOffset: (8 + j) * s, as: V.self)
            out.storeBytes(of: c.2, toByteOffset: (16 + j) * s, as: V.self)
            out.storeBytes(of: c.3, toByteOffset: (24 + j) * s, as: V.self)
            out.storeBytes(of: c.4, toByteOffset: (32 + j) * s, as: V.self)
            out.storeBytes(of: c.5, toByteOffset: (40 + j) * s, as: V.self)
            out.storeBytes(of: c.6, toByteOffset: (48 + j) * s, as: V.self)
            out.storeBytes(of: c.7, toByteOffset: (56 + j) * s, as: V.self)
        }
    }

    /// The 6×6 outputs of one tile for output group `group` from `M[ξ]` at `m + ξ·stride`, through
    /// `epilogue` (channel `16·group + l` in lane `l`) into packed `out`.
    @inline(never)
    static func outputTile(_ m: UnsafePointer<Float>, stride: Int, group: Int, ty: Int, tx: Int,
                           height h: Int, width w: Int, tmp: UnsafeMutablePointer<V>,
                           out: UnsafeMutablePointer<Float>, epilogue: Epilogue) {
        let raw = UnsafeRawPointer(m), s = stride * 4
        @inline(__always) func ld(_ xi: Int) -> V { raw.loadUnaligned(fromByteOffset: xi * s, as: V.self) }
        for j in 0..<8 {
            let c = at((ld(j), ld(8 + j), ld(16 + j), ld(24 + j), ld(32 + j), ld(40 + j), ld(48 + j), ld(56 + j)))
            tmp[j] = c.0; tmp[8 + j] = c.1; tmp[16 + j] = c.2; tmp[24 + j] = c.3; tmp[32 + j] = c.4; tmp[40 + j] = c.5
        }
        let bias = epilogue.vector(epilogue.bias, group), slope = epilogue.vector(epilogue.slope, group)
        let planeBase = group * h * w * 16
        for r in 0..<6 {
            let y = 6 * ty + r
            if y >= h { break }
            let o = tmp + r * 8
            let e = at((o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7]))
            let row = planeBase + (y * w + 6 * tx) * 16, n = min(6, w - 6 * tx)
            @inline(__always) func put(_ v: V, _ x: Int) {
                guard x < n else { return }
                epilogue.storePacked(v, bias: bias, slope: slope, out, row + 16 * x)
            }
            put(e.0, 0); put(e.1, 1); put(e.2, 2); put(e.3, 3); put(e.4, 4); put(e.5, 5)
        }
    }
}
