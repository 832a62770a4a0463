/// Large-kernel convolution by overlap-save FFT (``Conv2D``'s path for dense kernels of
/// ``minKernelSize`` and more; the algorithm is chosen by kernel size only).
///
/// The output is cut into `V × V` tiles, `V = n − k + 1` for the plan's `n × n` transform
/// (``tileSize(kernelSize:)``); tile `(ty, tx)` reads the zero-padded input window of `n × n` pixels
/// whose corner is `(ty·V − k/2, tx·V − k/2)`, and its first `V` rows and columns of the circular
/// correlation with the kernel are exact. Two real channels ride one complex transform (real and
/// imaginary part), 8 such pairs side by side in the SIMD lanes (``FFTPlan``), so a *block* is 16
/// channels. Per batch of tiles: forward transforms (tile × input block), the per-bin products
/// (`[out × in]` complex matrix times the input vector; bins in chunks, so the kernel spectra are
/// read once per batch), then inverse transforms and the fused epilogue (tile × output block).
///
/// Spectra (``spectra(_:outChannels:inChannels:kernelSize:pool:)``) are stored per half-spectrum
/// bin `h`, output block `ob`, input channel `c`: 32 floats `[Er, Ei, Or, Oi]` × 8 lanes, where lane
/// `q` of `E` (`O`) is the bin's value for output channel `16·ob + 2q` (`+ 1`), scaled by `1/(4n²)`.
enum FFTConv {
    typealias V = SIMD8<Float>
    /// The kernel size from which ``Conv2D`` runs this path by default. On AVX2, 16 → 16 channels
    /// on 128², the FFT is ~5× faster than the direct kernel already at 7×7 and ~10× at 9×9; 5×5
    /// and 7×7 stay direct, where the spectra (~`n²/k²` times the weights) would cost the most
    /// memory for the least gain.
    static let minKernelSize = 9
    /// Work items of the product phase are this many bins.
    private static let binChunk = 8

    /// The transform length for kernel size `k`: the smallest power of two ≥ max(32, 3(k − 1)).
    static func tileSize(kernelSize k: Int) -> Int {
        var n = 32
        while n < 3 * (k - 1) { n *= 2 }
        return n
    }

    /// Floats of the kernel spectra of a convolution of this shape.
    static func spectraCount(outChannels: Int, inChannels: Int, kernelSize k: Int) -> Int {
        let n = tileSize(kernelSize: k)
        return (n * n / 2 + 2) * ((outChannels + 15) / 16) * inChannels * 32
    }

    /// The kernel spectra of OIHW `weight` (layout in the type's description). Each kernel is placed
    /// flipped and wrapped (`g[(n − ky) mod n][(n − kx) mod n] = w[ky][kx]`), so the product of
    /// spectra is the correlation PyTorch's convolution computes.
    static func spectra(_ weight: [Float], outChannels: Int, inChannels: Int, kernelSize k: Int,
                        pool: ThreadPool) -> [Float] {
        let plan = FFTPlan.plan(tileSize(kernelSize: k)), n = plan.n, bins = plan.bins.count
        let inBlocks = (inChannels + 15) / 16, outBlocks = (outChannels + 15) / 16
        var spectra = [Float](repeating: 0, count: spectraCount(outChannels: outChannels, inChannels: inChannels,
                                                                 kernelSize: k))
        let scale = 1 / Float(4 * n * n)
        spectra.withUnsafeMutableBufferPointer { sp in weight.withUnsafeBufferPointer { wt in
            let sp = sp.baseAddress!, wt = wt.baseAddress!
            pool.parallelFor(outChannels * inBlocks) { item, worker in
                let o = item / inBlocks, ib = item % inBlocks, tile = pool.arenas[worker].floats(plan.tileFloats)
                tile.update(repeating: 0, count: plan.tileFloats)
                let channels = (16 * ib)..<min(inChannels, 16 * ib + 16)
                for c in channels {
                    let lane = (c % 16) / 2 + (c % 2) * 8
                    for ky in 0..<k { for kx in 0..<k {
                        let e = (n - ky) % n * plan.rowStride + (n - kx) % n
                        tile[e * 16 + lane] = wt[((o * inChannels + c) * k + ky) * k + kx]
                    } }
                }
                plan.forward(tile, rows: 0..<n)
                let slot = (o % 2) * 16 + (o % 16) / 2
                for h in 0..<bins {
                    let z = tile + Int(plan.bins[h]) * 16, m = tile + Int(plan.mirrors[h]) * 16
                    let dst = sp + (h * outBlocks + o / 16) * inChannels * 32 + slot
                    for c in channels {
                        let p = (c % 16) / 2, d = dst + c * 32
                        if c % 2 == 0 {
                            d[0] = (z[p] + m[p]) * scale; d[8] = (z[8 + p] - m[8 + p]) * scale
                        } else {
                            d[0] = (z[8 + p] + m[8 + p]) * scale; d[8] = (m[p] - z[p]) * scale
                        }
                    }
                }
            }
        } }
        return spectra
    }

    /// Tiles, blocks and buffer strides of one call.
    struct Geometry {
        let plan: FFTPlan
        let inChannels, outChannels, kernelSize, height, width: Int
        var n: Int { plan.n }
        var valid: Int { plan.n - kernelSize + 1 }
        var tilesX: Int { (width + valid - 1) / valid }
        var tiles: Int { (height + valid - 1) / valid * tilesX }
        var inBlocks: Int { (inChannels + 15) / 16 }
        var outBlocks: Int { (outChannels + 15) / 16 }
        /// Floats of one tile's input (output) spectra.
        var inStride: Int { plan.bins.count * inBlocks * 32 }
        var outStride: Int { plan.bins.count * outBlocks * 32 }
    }

    /// The convolution of the CHW `planes` (`inChannels` of them, `height × width`) with `spectra`
    /// into the CHW `out` (`outChannels` planes), through `epilogue`.
    static func run(spectra: UnsafePointer<Float>, outChannels: Int, kernelSize k: Int, planes: [Plane],
                    height h: Int, width w: Int, out: UnsafeMutablePointer<Float>, epilogue: Epilogue,
                    pool: ThreadPool) {
        let g = Geometry(plan: FFTPlan.plan(tileSize(kernelSize: k)), inChannels: planes.count,
                         outChannels: outChannels, kernelSize: k, height: h, width: w)
        // A batch's spectra stay within ~8 MiB, unless that leaves fewer than 2 tiles per thread.
        let batch = min(g.tiles, max(2 * pool.threads, (2 << 20) / (g.inStride + g.outStride)))
        let x = UnsafeMutablePointer<Float>.allocate(capacity: batch * g.inStride)
        let y = UnsafeMutablePointer<Float>.allocate(capacity: batch * g.outStride)
        defer { x.deallocate(); y.deallocate() }
        let chunks = (g.plan.bins.count + binChunk - 1) / binChunk
        planes.withUnsafeBufferPointer { planes in
            for first in stride(from: 0, to: g.tiles, by: batch) {
                let count = min(batch, g.tiles - first)
                pool.parallelFor(count * g.inBlocks) { item, worker in
                    let tile = pool.arenas[worker].floats(g.plan.tileFloats)
                    forward(g, tile: first + item / g.inBlocks, block: item % g.inBlocks, planes: planes,
                            scratch: tile, into: x + item / g.inBlocks * g.inStride)
                }
                pool.parallelFor(chunks) { chunk in
                    let bins = (chunk * binChunk)..<min(g.plan.bins.count, (chunk + 1) * binChunk)
                    multiply(g, spectra: spectra, x: x, y: y, tiles: count, bins: bins)
                }
                pool.parallelFor(count * g.outBlocks) { item, worker in
                    let tile = pool.arenas[worker].floats(g.plan.tileFloats + g.n + 16)
                    inverse(g, tile: first + item / g.outBlocks, block: item % g.outBlocks,
                            from: y + item / g.outBlocks * g.outStride, scratch: tile, out: out, epilogue: epilogue)
                }
            }
        }
    }

    /// Input block `block` of tile `t`: loaded into `scratch`, transformed, and its half spectrum
    /// unpacked to `[h][inBlock][A re, A im, B re, B im][8]` at `into` (A: even channels, B: odd;
    /// both doubled, the ½ is in the spectra).
    private static func forward(_ g: Geometry, tile t: Int, block: Int, planes: UnsafeBufferPointer<Plane>,
                                scratch: UnsafeMutablePointer<Float>, into x: UnsafeMutablePointer<Float>) {
        let plan = g.plan, n = g.n, p = g.kernelSize / 2
        let y0 = t / g.tilesX * g.valid - p, x0 = t % g.tilesX * g.valid - p
        let rows = max(0, -y0)..<max(max(0, -y0), min(n, g.height - y0))
        let cols = max(0, -x0)..<max(max(0, -x0), min(n, g.width - x0))
        let channels = (16 * block)..<min(g.inChannels, 16 * block + 16)
        // Rows the copy below fills completely (every column, all 16 lanes) need no zeros first.
        let full = cols == 0..<n && channels.count == 16
        for r in 0..<n where !full || !rows.contains(r) {
            (scratch + r * plan.rowStride * 16).update(repeating: 0, count: n * 16)
        }
        for c in channels {
            let lane = (c % 16) / 2 + (c % 2) * 8, base = planes[c].base
            for r in rows {
                let src = base + (y0 + r) * g.width + x0, dst = scratch + r * plan.rowStride * 16 + lane
                for col in cols { dst[col * 16] = src[col] }
            }
        }
        plan.forward(scratch, rows: rows)
        for h in 0..<plan.bins.count {
            let z = scratch + Int(plan.bins[h]) * 16, m = scratch + Int(plan.mirrors[h]) * 16
            let zr = load8(z), zi = load8(z + 8), mr = load8(m), mi = load8(m + 8)
            let d = x + (h * g.inBlocks + block) * 32
            store8(d, zr + mr); store8(d + 8, zi - mi); store8(d + 16, zi + mi); store8(d + 24, mr - zr)
        }
    }

    /// Output spectra of `bins` for the batch's first `tiles` tiles: per bin and output block,
    /// `Σ_c K[h][ob][c] · X_c[h]`, stored as `[E re, E im, O re, O im][8]`.
    private static func multiply(_ g: Geometry, spectra: UnsafePointer<Float>, x: UnsafeMutablePointer<Float>,
                                 y: UnsafeMutablePointer<Float>, tiles: Int, bins: Range<Int>) {
        let ci = g.inChannels
        for t in 0..<tiles { for h in bins {
            let xs = x + t * g.inStride + h * g.inBlocks * 32
            for ob in 0..<g.outBlocks {
                var k = spectra + (h * g.outBlocks + ob) * ci * 32
                var er1 = V(), er2 = V(), ei1 = V(), ei2 = V(), or1 = V(), or2 = V(), oi1 = V(), oi2 = V()
                for c in stride(from: 0, to: ci, by: 2) {  // a pair: lane p of A (channel c) and B (c + 1)
                    let xp = xs + (c / 16) * 32 + (c % 16) / 2
                    var xr = V(repeating: xp[0]), xi = V(repeating: xp[8])
                    var ker = load8(k), kei = load8(k + 8), kor = load8(k + 16), koi = load8(k + 24)
                    er1.addProduct(ker, xr); er2.addProduct(kei, xi); ei1.addProduct(ker, xi); ei2.addProduct(kei, xr)
                    or1.addProduct(kor, xr); or2.addProduct(koi, xi); oi1.addProduct(kor, xi); oi2.addProduct(koi, xr)
                    if c + 1 == ci { break }
                    xr = V(repeating: xp[16]); xi = V(repeating: xp[24])
                    ker = load8(k + 32); kei = load8(k + 40); kor = load8(k + 48); koi = load8(k + 56)
                    er1.addProduct(ker, xr); er2.addProduct(kei, xi); ei1.addProduct(ker, xi); ei2.addProduct(kei, xr)
                    or1.addProduct(kor, xr); or2.addProduct(koi, xi); oi1.addProduct(kor, xi); oi2.addProduct(koi, xr)
                    k += 64
                }
                let d = y + t * g.outStride + (h * g.outBlocks + ob) * 32
                store8(d, er1 - er2); store8(d + 8, ei1 + ei2); store8(d + 16, or1 - or2); store8(d + 24, oi1 + oi2)
            }
        } }
    }

    /// Output block `block` of tile `t`: the full spectrum of `(E + iO)` rebuilt from the half one
    /// at `from`, inverse-transformed, and its valid pixels written through `epilogue`. `scratch`
    /// holds a tile and `n + 16` floats more.
    private static func inverse(_ g: Geometry, tile t: Int, block: Int, from y: UnsafeMutablePointer<Float>,
                                scratch: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                                epilogue: Epilogue) {
        let plan = g.plan
        for h in 0..<plan.bins.count {
            let s = y + (h * g.outBlocks + block) * 32
            let er = load8(s), ei = load8(s + 8), or = load8(s + 16), oi = load8(s + 24)
            let z = scratch + Int(plan.bins[h]) * 16, m = scratch + Int(plan.mirrors[h]) * 16
            store8(m, er + oi); store8(m + 8, or - ei)
            store8(z, er - oi); store8(z + 8, ei + or)
        }
        let oy = t / g.tilesX * g.valid, ox = t % g.tilesX * g.valid
        let rows = min(g.valid, g.height - oy), cols = min(g.valid, g.width - ox)
        plan.inverse(scratch, rows: 0..<rows)
        // Each output row is gathered from its lane into `row` (after the tile: no store-to-load stall
        // on the vector reads), then goes through the epilogue 16 pixels at a time.
        let stage = scratch + plan.tileFloats
        for o in (16 * block)..<min(g.outChannels, 16 * block + 16) {
            let lane = (o % 16) / 2 + (o % 2) * 8
            for r in 0..<rows {
                let src = scratch + r * plan.rowStride * 16 + lane
                for col in 0..<cols { stage[col] = src[col * 16] }
                let row = (o * g.height + oy + r) * g.width + ox
                var col = 0
                while col < cols {
                    let v = UnsafeRawPointer(stage + col).loadUnaligned(as: Epilogue.V.self)
                    epilogue.store(epilogue.apply(v, o), out, row + col, valid: min(16, cols - col))
                    col += 16
                }
            }
        }
    }
}

// File-private copies (FFT.swift has its own): inlined without whole-module optimisation too.
