/// Winograd F(4×4, 3×3) convolution over CHW planes.
///
/// Tiles are numbered in raster order over the whole image (`ty · tilesPerRow + tx`), so a tile
/// vector may end one tile row and begin the next and no lane is wasted on a ragged row end.
/// Work unit ("chunk"): 48 consecutive tiles (three vectors). Every input's tiles of the chunk
/// are transformed into worker scratch (`V`, `[36][c][48]`), multiplied with the
/// pre-transformed weights (`U`, `[36][kp/R][C][R]`, `R` = the kernel shape's rows) by the
/// ``KernelShape``'s micro-kernel (`48 / width` column blocks) into `M` (`[36][32][48]`, one
/// block of 32 output channels at a time), and `M` is transformed back with the fused epilogue.
/// With fewer chunks than threads (a small input: a preview's first piece), `V` is shared instead:
/// the inputs are transformed in channel ranges on every thread, then the output blocks are split
/// over the threads (the bundled large pair at 24×24 input: 298 → 130–150 ms on 2 AVX2 cores,
/// with the input transform loading only the columns a short tile run needs).
///
/// Inputs feeding several convolutions (dense blocks) are transformed again by each: keeping
/// their transforms (2.25× the tensor) between calls was measured slower, since a dense block's
/// worth (28 MB at 128²) does not stay in the L3 cache and the transform then waits on memory.
enum WinogradConv {
    static let lanes = 48
    /// Extra floats between consecutive ξ slices of `V` and `M`: without it the slices of one
    /// tile sit a multiple of 4 KiB apart and collide in one L1 set. It also takes the spill of
    /// a tile run's full 16-lane store past the chunk's last lane.
    static let xiPad = 16

    /// Floats between ξ slices of `V` for `channels` inputs.
    static func vXiStride(_ channels: Int) -> Int { channels * lanes + xiPad }

    /// Transformed weights `[36][kp/R][cIn][R]` for OIHW 3×3 `weight`; `kp` = outChannels
    /// rounded up to `R` = `rows` ≤ 8 (padding rows are zero). `U = G g Gᵀ` in float32, computed
    /// for a block's R output channels at once (8-lane vectors; the same arithmetic per element as
    /// a scalar loop, so the same bits), each value written once (no zero-fill first).
    /// Blocks are spread over `pool` when one is given.
    static func transformWeights(_ weight: [Float], outChannels: Int, inChannels: Int, rows: Int,
                                 pool: ThreadPool? = nil) -> [Float] {
        typealias V = SIMD8<Float>
        precondition(rows >= 1 && rows <= 8, "transformWeights: 1…8 rows per block")
        let kp = (outChannels + rows - 1) / rows * rows, kb = kp / rows
        let xiStride = kb * inChannels * rows, count = 36 * kp * inChannels
        let g: [Float] = Winograd.g.map { Float($0) }
        // Every element is written below (padding lanes as 0), so a recycled array serves.
        var out = KernelRecycler.shared.take(count) ?? freshKernelArray(count)
        guard count > 0 else { return out }
        out.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress!
            weight.withUnsafeBufferPointer { w in
                let block = { (b: Int) in withUnsafeTemporaryAllocation(of: V.self, capacity: 9) { s in
                    for c in 0..<inChannels {
                        // s[t] lane l = tap t of output channel b·R + l (0 past the real channels).
                        for t in 0..<9 { s[t] = V() }
                        for l in 0..<min(rows, outChannels - b * rows) {
                            let src = w.baseAddress! + ((b * rows + l) * inChannels + c) * 9
                            for t in 0..<9 { s[t][l] = src[t] }
                        }
                        let dst = base + (b * inChannels + c) * rows
                        Winograd.kernelTransform(s.baseAddress!, g: g) { i, j, v in
                            let p = dst + (i * 6 + j) * xiStride
                            if rows == 8 {
                                UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
                            } else if rows == 4 {
                                UnsafeMutableRawPointer(p).storeBytes(of: v.lowHalf, as: SIMD4<Float>.self)
                            } else {
                                for l in 0..<rows { p[l] = v[l] }
                            }
                        }
                    }
                } }
                if let pool, kb > 1 { pool.parallelFor(kb) { block($0) } } else { for b in 0..<kb { block(b) } }
            }
        }
        return out
    }

    /// Tile geometry of one call: `perRow` tiles per tile row, `count` in all, `chunks` of 48.
    struct Tiles {
        let rows: Int, perRow: Int, count: Int, chunks: Int
        init(height: Int, width: Int) {
            rows = (height + 3) / 4
            perRow = (width + 3) / 4
            count = rows * perRow
            chunks = (count + lanes - 1) / lanes
        }

        /// Calls `body(ty, tx, lane, n)` for each run of ≤ 16 tiles of one tile row in `chunk`,
        /// in lane order (`lane` = the run's first lane in the chunk).
        func runs(_ chunk: Int, _ body: (Int, Int, Int, Int) -> Void) {
            let first = chunk * lanes, end = min(count, first + lanes)
            var t = first
            while t < end {
                let ty = t / perRow, tx = t % perRow, n = min(16, perRow - tx, end - t)
                body(ty, tx, t - first, n)
                t += n
            }
        }
    }

    /// Runs the convolution over the concatenation of `inputs` (`planes` = their channel planes
    /// in order).
    static func run(_ isa: KernelISA, u: UnsafePointer<Float>, outChannels: Int, inputs: [Tensor],
                    planes: [Plane], height h: Int, width w: Int, out: UnsafeMutablePointer<Float>,
                    epilogue: Epilogue, pool: ThreadPool) {
        let cIn = planes.count, blockRows = isa.rows
        let kp = (outChannels + blockRows - 1) / blockRows * blockRows, kBlocks = kp / blockRows
        let tiles = Tiles(height: h, width: w)
        var groups: [Group] = []
        var first = 0, vFloats = 0
        for t in inputs {
            groups.append(Group(first: first, channels: t.channels, offset: vFloats))
            vFloats += 36 * vXiStride(t.channels)
            first += t.channels
        }
        // Output channels go in blocks of 32: the block's M (`[36][32][48]`, 221 KB) stays in L2 between
        // the products and the output transform.
        let blockSpan = max(1, 32 / blockRows)
        let mXi = blockSpan * blockRows * lanes + xiPad, mSize = 36 * mXi, rowScratch = 6 * 80
        // Several inputs: one pass over all of them (segments of `span` channels) rather than one
        // accumulating pass per input, so each M block is written once.
        let span = groups.count > 1 ? segmentSpan(groups.map(\.channels)) : 0
        /// Multiplies chunk `chunk`'s transformed inputs `v` by the output blocks `kbs` (steps of
        /// `blockSpan`) into `mBuf` and transforms them back into `out`.
        func products(_ chunk: Int, _ kbs: Range<Int>, v: UnsafeMutablePointer<Float>,
                      mBuf: UnsafeMutablePointer<Float>, tmp: UnsafeMutablePointer<Float>) {
            for kb0 in stride(from: kbs.lowerBound, to: kbs.upperBound, by: blockSpan) {
                let blocks = kb0..<min(kbs.upperBound, kb0 + blockSpan)
                if span > 0 {
                    multiply(isa, rows: blockRows, u: u, cIn: cIn, span: span, groups: groups, v: v,
                             kBlocks: kBlocks, blocks: blocks, m: mBuf, mStride: mXi)
                } else {
                    for (gi, g) in groups.enumerated() {
                        multiply(isa, rows: blockRows, u: u, cIn: cIn, c0: g.first, count: g.channels,
                                 kBlocks: kBlocks, blocks: blocks, v: v + g.offset,
                                 vStride: vXiStride(g.channels), m: mBuf, mStride: mXi, accumulate: gi > 0)
                    }
                }
                let channels = kb0 * blockRows..<min(outChannels, blocks.upperBound * blockRows)
                tiles.runs(chunk) { ty, tx, lane, n in
                    Winograd.outputTile(m: mBuf + lane, stride: mXi, channels: channels, mChannelStride: lanes,
                                        ty: ty, tx: tx, count: n, height: h, width: w, tmp: tmp, out: out,
                                        epilogue: epilogue)
                }
            }
        }
        let splits = min(kBlocks, pool.threads / max(1, tiles.chunks))
        planes.withUnsafeBufferPointer { planes in
            guard splits < 2 else {
                // Fewer chunks than threads (a small input, e.g. a preview's first piece): transform the
                // inputs into shared V, in channel ranges, then split the output blocks over the threads.
                let v = UnsafeMutablePointer<Float>.allocate(capacity: tiles.chunks * vFloats)
                defer { v.deallocate() }
                let parts = groups.flatMap { g in
                    let n = max(1, (g.channels + pool.threads - 1) / pool.threads)
                    return stride(from: 0, to: g.channels, by: n).map { (g, $0, min(n, g.channels - $0)) }
                }
                func fillPart(_ chunk: Int, _ part: (Group, Int, Int), rows: UnsafeMutablePointer<Float>) {
                    let (g, c0, n) = part
                    fill(tiles, chunk: chunk, valid: min(lanes, tiles.count - chunk * lanes), planes: planes,
                         group: Group(first: g.first + c0, channels: n, offset: 0), height: h, width: w,
                         rows: rows, v: v + chunk * vFloats + g.offset + c0 * lanes, vXi: vXiStride(g.channels))
                }
                pool.parallelFor(tiles.chunks * parts.count) { item, worker in
                    fillPart(item / parts.count, parts[item % parts.count],
                             rows: pool.arenas[worker].floats(rowScratch))
                }
                // A run's 16-lane store may spill up to 15 lanes into the next channel, which the serial
                // order overwrites next; a range's first channel may have been written before the previous
                // range's spill. Write those channels again, keeping the lanes their own spill reaches.
                let rows = pool.arenas[0].floats(rowScratch + 36 * 16)
                for chunk in 0..<tiles.chunks {
                    for (g, c0, _) in parts where c0 > 0 {
                        let next = v + chunk * vFloats + g.offset + (c0 + 1) * lanes, vXi = vXiStride(g.channels)
                        let keep = rows + rowScratch, hasNext = c0 + 1 < g.channels
                        if hasNext { for xi in 0..<36 { (keep + xi * 16).update(from: next + xi * vXi, count: 16) } }
                        fillPart(chunk, (g, c0, 1), rows: rows)
                        if hasNext { for xi in 0..<36 { (next + xi * vXi).update(from: keep + xi * 16, count: 16) } }
                    }
                }
                let per = (kBlocks + splits - 1) / splits
                pool.parallelFor(tiles.chunks * splits) { item, worker in
                    let chunk = item / splits, k0 = item % splits * per
                    let scratch = pool.arenas[worker].floats(mSize + 24 * 16)
                    products(chunk, k0..<min(kBlocks, k0 + per), v: v + chunk * vFloats, mBuf: scratch,
                             tmp: scratch + mSize)
                }
                return
            }
            pool.parallelFor(tiles.chunks) { chunk, worker in
                let scratch = pool.arenas[worker].floats(vFloats + mSize + rowScratch + 24 * 16)
                let mBuf = scratch + vFloats, rows = mBuf + mSize, tmp = rows + rowScratch
                let valid = min(lanes, tiles.count - chunk * lanes)
                for g in groups {
                    fill(tiles, chunk: chunk, valid: valid, planes: planes, group: g, height: h, width: w,
                         rows: rows, v: scratch + g.offset, vXi: vXiStride(g.channels))
                }
                products(chunk, 0..<kBlocks, v: scratch, mBuf: mBuf, tmp: tmp)
            }
        }
    }

    /// One input: its first plane among all inputs', channel count, and offset of its `V` in scratch.
    struct Group {
        let first: Int, channels: Int, offset: Int
    }

    /// Transforms one input's tiles of `chunk` into `v` (`[36][c][48]`, ξ slices `vXi` apart).
    /// Each run stores 16 lanes from its first; the lanes past the run are overwritten by the
    /// next run, or (the chunk's last run) by the next channel or the ξ pad. Lanes past the
    /// image's last tile are zeroed afterwards.
    static func fill(_ tiles: Tiles, chunk: Int, valid: Int, planes: UnsafeBufferPointer<Plane>, group g: Group,
                     height h: Int, width w: Int, rows: UnsafeMutablePointer<Float>,
                     v: UnsafeMutablePointer<Float>, vXi: Int) {
        // Channel-major: consecutive calls read neighbouring rows of one plane.
        for c in 0..<g.channels {
            let next = c + 1 < g.channels ? planes[g.first + c + 1] : nil
            tiles.runs(chunk) { ty, tx, lane, n in
                Winograd.inputTile(plane: planes[g.first + c], height: h, width: w, ty: ty, tx: tx,
                                   rows: rows, dst: v + c * lanes + lane, stride: vXi, next: next, count: n)
            }
        }
        if valid < lanes {
            for xi in 0..<36 { for c in 0..<g.channels {
                (v + xi * vXi + c * lanes + valid).update(repeating: 0, count: lanes - valid)
            } }
        }
    }
}
