/// The attention half of a Swin transformer block, `x + proj(W-MSA(LN(x)))` on token-major `x`
/// (``Matrix`` `[H·W, C]`), window by window: its tokens gathered in window order and
/// normalised as `qkv` packs them, `qkv` (`C → 3C`, columns `[q | k | v]`), every head's
/// attention (``HeadAttention``), `proj` (`C → C`) and the skip, stored back in image order. A
/// window's `qkv` and attention outputs stay in the worker's scratch (in cache); the result equals
/// ``layerNormRows(_:weight:bias:eps:pool:)``, ``windowPartition(_:height:width:window:shift:pool:)``,
/// the `qkv` Linear, ``windowAttention(qkv:windowTokens:heads:scale:bias:mask:pool:)``, `proj` and
/// ``windowReverse(_:height:width:window:shift:adding:pool:)`` with `x` added, run one after another.
/// Each worker item takes a few consecutive windows (``windowGroup(tokens:block:windows:threads:)``)
/// so that the Linears' blocks of rows come out whole.
///
/// - Parameters:
///   - layerNorm: weight and bias `[C]` (LayerNorm over each token's features, `eps`).
///   - order: the window order of the image's tokens (``windowOrder(height:width:window:shift:)``),
///     `N` = `windowTokens` tokens per window.
///   - bias: `[heads][N][N]` added to every window's scores; mask: `[nW][N][N]` per window (or nil).
public func windowAttentionBlock(_ x: Matrix, layerNorm: (weight: [Float], bias: [Float]), eps: Float = 1e-5,
                                 qkv: Linear, proj: Linear, order: [Int], windowTokens n: Int, heads: Int,
                                 scale: Float, bias: [Float]?, mask: [Float]?, pool: ThreadPool) -> Matrix {
    let c = x.columns, t = x.rows, nW = t / max(n, 1), d = c / max(heads, 1)
    precondition(order.count == t && nW * n == t && d * heads == c, "windowAttentionBlock: shapes")
    precondition(qkv.inFeatures == c && qkv.outFeatures == 3 * c && proj.inFeatures == c && proj.outFeatures == c,
                 "windowAttentionBlock: qkv must be C → 3C and proj C → C")
    precondition(layerNorm.weight.count == c && layerNorm.bias.count == c, "windowAttentionBlock: LayerNorm size")
    precondition(bias.map { $0.count == heads * n * n } ?? true, "windowAttentionBlock: bias is not [heads][N][N]")
    precondition(mask.map { $0.count == nW * n * n } ?? true, "windowAttentionBlock: mask is not [nW][N][N]")
    precondition(order.allSatisfy { (0..<t).contains($0) }, "windowAttentionBlock: order")
    let head = HeadAttention(queries: n, keys: n, features: d, scale: scale)
    let block = qkv.blockRows, group = windowGroup(tokens: n, block: block, windows: nW, threads: pool.threads)
    let linearMemory = max(qkv.blockMemory, proj.blockMemory)
    let data = [Float](unsafeUninitializedCapacity: t * c) { out, count in
        count = t * c
        x.data.withUnsafeBufferPointer { xs in withStorage(bias) { bias in withStorage(mask) { mask in
        layerNorm.weight.withUnsafeBufferPointer { lw in layerNorm.bias.withUnsafeBufferPointer { lb in
        qkv.withEpilogue(.identity) { qkvEpilogue in proj.withEpilogue(.identity) { projEpilogue in
            pool.exclusive { pool in
                pool.parallelFor((nW + group - 1) / group) { item, worker in
                    let x0 = xs.baseAddress!, w0 = item * group, windows = min(group, nW - w0)
                    let m = windows * n, rows = w0 * n
                    let memory = pool.arenas[worker].floats(m * 4 * c + max(linearMemory, head.memory))
                    let qkvRows = memory, attended = qkvRows + m * 3 * c, scratch = attended + m * c
                    for r0 in stride(from: 0, to: m, by: block) {
                        qkv.runBlock(rows: min(block, m - r0), direct: false,
                                     input: { x0 + order[rows + r0 + $0] * c },
                                     layerNorm: (lw.baseAddress!, lb.baseAddress!, eps), epilogue: qkvEpilogue,
                                     output: { (qkvRows + (r0 + $0) * 3 * c, nil) }, memory: scratch)
                    }
                    for (i, w) in (w0..<(w0 + windows)).enumerated() { for hd in 0..<heads {
                        let q = qkvRows + i * n * 3 * c + hd * d
                        head(q: q, 3 * c, k: q + c, 3 * c, v: q + 2 * c, 3 * c, bias: bias.map { $0 + hd * n * n },
                             mask: mask.map { $0 + w * n * n }, out: attended + i * n * c + hd * d, c, memory: scratch)
                    } }
                    for r0 in stride(from: 0, to: m, by: block) {
                        proj.runBlock(rows: min(block, m - r0), direct: true,
                                      input: { UnsafePointer(attended + (r0 + $0) * c) },
                                      layerNorm: nil, epilogue: projEpilogue,
                                      output: { r in
                                          let image = order[rows + r0 + r] * c
                                          return (out.baseAddress! + image, x0 + image)
                                      }, memory: scratch)
                    }
                }
            }
        } } } } } } }
    }
    return Matrix(rows: t, columns: c, data: data)
}

/// Windows per item of ``windowAttentionBlock``: the fewest (at most 4) whose tokens fill the
/// Linears' `block`-row micro-kernel blocks exactly (3 windows of 64 tokens in 6-row blocks: 2 of
/// every 66 rows computed were padding with one), when that still leaves 2 items per thread.
func windowGroup(tokens n: Int, block: Int, windows: Int, threads: Int) -> Int {
    guard let g = (1...4).first(where: { $0 * n % block == 0 }), windows >= 2 * threads * g else { return 1 }
    return g
}
