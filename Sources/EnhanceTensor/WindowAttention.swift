/// Swin-style windows over token-major images (``Matrix`` `[H·W, C]`, token `y · W + x`).
///
/// `windowPartition` first rolls the image by `−shift` on both axes (`torch.roll(x, (−s, −s),
/// (1, 2))`, so token `(y, x)` of the rolled image is `((y + s) mod H, (x + s) mod W)`), then cuts
/// `window × window` windows, row-major over windows and within each: `[nW · N, C]` with `N` = window².
public func windowPartition(_ x: Matrix, height: Int, width: Int, window: Int, shift: Int = 0,
                            pool: ThreadPool? = nil) -> Matrix {
    windowPartition(x, height: height, width: width, window: (window, window), shift: (shift, shift), pool: pool)
}

/// The inverse of ``windowPartition(_:height:width:window:shift:pool:)``: windows back to the image,
/// rolled by `+shift` (Swin's `window_reverse` then `torch.roll(x, (s, s))`), plus `adding` (an
/// image-order matrix of the same shape, e.g. the block's skip) in the same pass.
public func windowReverse(_ x: Matrix, height: Int, width: Int, window: Int, shift: Int = 0,
                          adding: Matrix? = nil, pool: ThreadPool? = nil) -> Matrix {
    windowReverse(x, height: height, width: width, window: (window, window), shift: (shift, shift), adding: adding,
                  pool: pool)
}

/// Rectangular windows (`img2windows` of split-window attention): the image rolled by `−shift.y` rows
/// and `−shift.x` columns, then cut into `window.height × window.width` windows, row-major over
/// windows and within each: `[nW · N, C]`, `N = window.height · window.width`.
public func windowPartition(_ x: Matrix, height: Int, width: Int, window: (height: Int, width: Int),
                            shift: (y: Int, x: Int), pool: ThreadPool? = nil) -> Matrix {
    windowCopy(x, height: height, width: width, window: window, shift: shift, forward: true, adding: nil,
               pool: pool)
}

/// The inverse of the rectangular `windowPartition`: rectangular windows back to the image, rolled
/// by `+shift` (`windows2img`, then `torch.roll`), plus `adding` in the same pass.
public func windowReverse(_ x: Matrix, height: Int, width: Int, window: (height: Int, width: Int),
                          shift: (y: Int, x: Int), adding: Matrix? = nil, pool: ThreadPool? = nil) -> Matrix {
    windowCopy(x, height: height, width: width, window: window, shift: shift, forward: false, adding: adding,
               pool: pool)
}

/// The window order of a `height × width` image's tokens: entry `i` is the image token (`y · W + x`)
/// at row `i` of ``windowPartition(_:height:width:window:shift:pool:)`` (the image rolled by `−shift`,
/// cut into windows, row-major over windows and within each). A gather of the image's rows in this
/// order partitions it; a scatter to these rows reverses the partition.
public func windowOrder(height h: Int, width w: Int, window: (height: Int, width: Int),
                        shift: (y: Int, x: Int)) -> [Int] {
    let (wh, ww) = window
    precondition(h % wh == 0 && w % ww == 0, "window: \(h)×\(w) not in \(wh)×\(ww) windows")
    var order = [Int](repeating: 0, count: h * w)
    let nx = w / ww
    for y in 0..<h { for x in 0..<w {
        order[(((y / wh) * nx + x / ww) * wh + y % wh) * ww + x % ww] = ((y + shift.y) % h) * w + (x + shift.x) % w
    } }
    return order
}

/// ``windowOrder(height:width:window:shift:)`` of square windows shifted alike on both axes.
public func windowOrder(height: Int, width: Int, window: Int, shift: Int = 0) -> [Int] {
    windowOrder(height: height, width: width, window: (window, window), shift: (shift, shift))
}

/// Rows gathered in window order (`forward`) or scattered back from it, each token's `C` floats
/// copied (or added to `adding`'s); image rows' worth of tokens split over `pool` (when given).
private func windowCopy(_ x: Matrix, height h: Int, width w: Int, window: (height: Int, width: Int),
                        shift: (y: Int, x: Int), forward: Bool, adding: Matrix?, pool: ThreadPool?) -> Matrix {
    precondition(x.rows == h * w, "window: \(x.rows) tokens for \(h)×\(w)")
    if let a = adding { precondition(a.rows == x.rows && a.columns == x.columns, "window: skip shape") }
    let c = x.columns, order = windowOrder(height: h, width: w, window: window, shift: shift)
    let data = [Float](unsafeUninitializedCapacity: x.data.count) { dst, count in
        count = x.data.count
        x.data.withUnsafeBufferPointer { src in
            withStorage(adding?.data) { skip in
                func row(_ y: Int) {
                    for i in (y * w)..<((y + 1) * w) {
                        let (from, to) = forward ? (order[i], i) : (i, order[i])
                        let d = dst.baseAddress! + to * c, f = src.baseAddress! + from * c
                        if let skip {
                            forVectors(f, c) { j, v, valid in storeVector(v + loadVector(skip + to * c + j, valid),
                                                                         d + j, valid) }
                        } else {
                            d.initialize(from: f, count: c)
                        }
                    }
                }
                if let pool {
                    pool.exclusive { $0.parallelFor(h) { row($0) } }
                } else {
                    for y in 0..<h { row(y) }
                }
            }
        }
    }
    return Matrix(rows: x.rows, columns: c, data: data)
}

/// Swin's attention mask for shifted windows (`calculate_mask`): `[nW][N][N]`, 0 where tokens `i`
/// and `j` of a window come from the same region of the unrolled image, −100 elsewhere.
public func shiftedWindowMask(height h: Int, width w: Int, window ws: Int, shift s: Int) -> [Float] {
    shiftedWindowMask(height: h, width: w, window: (ws, ws), shift: (s, s))
}

/// Swin's shifted-window mask for rectangular windows rolled by
/// `shift` (`calculate_mask` of one split-window branch): the regions split each axis at its own window
/// and shift.
public func shiftedWindowMask(height h: Int, width w: Int, window: (height: Int, width: Int),
                              shift: (y: Int, x: Int)) -> [Float] {
    func region(_ v: Int, _ size: Int, _ ws: Int, _ s: Int) -> Int { v < size - ws ? 0 : v < size - s ? 1 : 2 }
    var labels = [Float](repeating: 0, count: h * w)
    for y in 0..<h { for x in 0..<w {
        labels[y * w + x] = Float(region(y, h, window.height, shift.y) * 3 + region(x, w, window.width, shift.x))
    } }
    let windows = windowPartition(Matrix(rows: h * w, columns: 1, data: labels), height: h, width: w, window: window,
                                  shift: (0, 0))
    let n = window.height * window.width, nW = h * w / n
    var mask = [Float](repeating: 0, count: nW * n * n)
    for q in 0..<nW { for i in 0..<n { for j in 0..<n where windows.data[q * n + i] != windows.data[q * n + j] {
        mask[(q * n + i) * n + j] = -100
    } } }
    return mask
}

/// The relative position bias `[heads][N][N]` of a window from Swin's table `[(2·ws − 1)², heads]`:
/// entry `(i, j)` reads row `(yᵢ − yⱼ + ws − 1) · (2·ws − 1) + xᵢ − xⱼ + ws − 1`.
public func relativePositionBias(table: [Float], window ws: Int, heads: Int) -> [Float] {
    relativePositionBias(table: table, window: (ws, ws), heads: heads)
}

/// The relative position bias of a rectangular `h × w` window from a
/// table `[(2h − 1)·(2w − 1), heads]`: row `(yᵢ − yⱼ + h − 1) · (2w − 1) + xᵢ − xⱼ + w − 1`.
public func relativePositionBias(table: [Float], window: (height: Int, width: Int), heads: Int) -> [Float] {
    let (wh, ww) = window, side = 2 * ww - 1, n = wh * ww
    precondition(table.count == (2 * wh - 1) * side * heads,
                 "relativePositionBias: table is not [(2h−1)(2w−1), heads]")
    var bias = [Float](repeating: 0, count: heads * n * n)
    for i in 0..<n { for j in 0..<n {
        let row = (i / ww - j / ww + wh - 1) * side + i % ww - j % ww + ww - 1
        for hd in 0..<heads { bias[(hd * n + i) * n + j] = table[row * heads + hd] }
    } }
    return bias
}

/// Multi-head self-attention inside windows, Swin's `WindowAttention` after its `qkv` Linear.
///
/// - Parameters:
///   - qkv: `[nW · N, 3C]` (windows stacked, ``windowPartition(_:height:width:window:shift:)``),
///     columns `[q | k | v]`, head `h` at columns `h · d ..< (h + 1) · d` of each (`d = C / heads`).
///   - scale: multiplies `q · kᵀ` (usually `d^−½`).
///   - bias: `[heads][N][N]` added to every window's scores (``relativePositionBias(table:window:heads:)``).
///   - mask: `[nW][N][N]` added per window (``shiftedWindowMask(height:width:window:shift:)``).
/// - Returns: `[nW · N, C]`, head `h`'s output at columns `h · d ..< (h + 1) · d` (before `proj`).
public func windowAttention(qkv: Matrix, windowTokens n: Int, heads: Int, scale: Float, bias: [Float]? = nil,
                            mask: [Float]? = nil, pool: ThreadPool) -> Matrix {
    let c = qkv.columns / 3, nW = qkv.rows / max(n, 1)
    precondition(qkv.columns == 3 * c && qkv.rows == nW * n, "windowAttention: shapes")
    return qkv.data.withUnsafeBufferPointer { src in
        let p = src.baseAddress!
        return attendWindows(q: (p, 3 * c, n), k: (p + c, 3 * c, n), v: (p + 2 * c, 3 * c, n), windows: nW,
                             channels: c, heads: heads, scale: scale, bias: bias, mask: mask, pool: pool)
    }
}

/// Multi-head cross-attention between windows of queries and (larger) windows of keys and values:
/// overlapping cross-attention after its `qkv` Linear, with the queries in `window²`-token windows
/// and the keys and values in the overlapping windows around them
/// (``overlappingWindowPartition(_:height:width:window:overlapWindow:columns:)``).
///
/// - Parameters:
///   - queries: `[nW · Nq, ≥ C]` (windows stacked); the queries are columns `0 ..< C`, head `h` at
///     `h · d ..< (h + 1) · d` (`d = C / heads`).
///   - keysValues: `[nW · Nk, 2C]`, columns `[k | v]`, the windows in the queries' order.
///   - scale: multiplies `q · kᵀ`.
///   - bias: `[heads][Nq][Nk]` added to every window's scores
///     (``overlappingWindowBias(table:window:overlapWindow:heads:)``).
/// - Returns: `[nW · Nq, C]`, head `h`'s output at columns `h · d ..< (h + 1) · d` (before `proj`).
public func windowAttention(queries: Matrix, keysValues kv: Matrix, queryTokens nq: Int, keyTokens nk: Int,
                            heads: Int, scale: Float, bias: [Float]? = nil, pool: ThreadPool) -> Matrix {
    let c = kv.columns / 2, nW = queries.rows / max(nq, 1)
    precondition(kv.columns == 2 * c && queries.columns >= c && queries.rows == nW * nq && kv.rows == nW * nk,
                 "windowAttention(queries:keysValues:): shapes")
    return queries.data.withUnsafeBufferPointer { qs in kv.data.withUnsafeBufferPointer { kvs in
        let p = kvs.baseAddress!
        return attendWindows(q: (qs.baseAddress!, queries.columns, nq), k: (p, 2 * c, nk), v: (p + c, 2 * c, nk),
                             windows: nW, channels: c, heads: heads, scale: scale, bias: bias, mask: nil, pool: pool)
    } }
}

/// One operand of ``attendWindows``: token `t` of window `w` starts at `base + (w · tokens + t) · stride`.
private typealias AttentionOperand = (base: UnsafePointer<Float>, stride: Int, tokens: Int)

/// `softmax(scale · q · kᵀ + bias + mask) · v` per window and head (``HeadAttention``): what both
/// entry points run (`q` `Nq` tokens, `k` and `v` `Nk` tokens per window,
/// `channels` features in `heads` heads).
private func attendWindows(q: AttentionOperand, k: AttentionOperand, v: AttentionOperand, windows nW: Int,
                           channels c: Int, heads: Int, scale: Float, bias: [Float]?, mask: [Float]?,
                           pool: ThreadPool) -> Matrix {
    let nq = q.tokens, n = k.tokens, d = c / max(heads, 1)
    precondition(c == d * heads && v.tokens == n, "windowAttention: shapes")
    precondition(bias.map { $0.count == heads * nq * n } ?? true, "windowAttention: bias is not [heads][Nq][Nk]")
    precondition(mask.map { $0.count == nW * nq * n } ?? true, "windowAttention: mask is not [nW][Nq][Nk]")
    let head = HeadAttention(queries: nq, keys: n, features: d, scale: scale)
    let out = [Float](unsafeUninitializedCapacity: nW * nq * c) { dst, count in
        count = nW * nq * c
        withStorage(bias) { bias in withStorage(mask) { mask in
            pool.exclusive { pool in
                pool.parallelFor(nW * heads) { item, worker in
                    let w = item / heads, hd = item % heads
                    head(q: q.base + w * nq * q.stride + hd * d, q.stride, k: k.base + w * n * k.stride + hd * d,
                         k.stride, v: v.base + w * n * v.stride + hd * d, v.stride, bias: bias.map { $0 + hd * nq * n },
                         mask: mask.map { $0 + w * nq * n }, out: dst.baseAddress! + w * nq * c + hd * d, c,
                         memory: pool.arenas[worker].floats(head.memory))
                }
            }
        } }
    }
    return Matrix(rows: nW * nq, columns: c, data: out)
}
