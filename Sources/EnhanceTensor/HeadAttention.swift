import CVectorISA

/// One window's attention for one head on the micro-kernel, `softmax(scale · q · kᵀ + bias + mask) · v`:
/// the kernel that ``windowAttention(qkv:windowTokens:heads:scale:bias:mask:pool:)``, its
/// cross-attention form and `windowAttentionBlock` all run. `Nq` queries and `Nk` keys and values of `d` features each.
struct HeadAttention {
    let queries: Int, keys: Int, features: Int
    let scale: Float
    private let isa = KernelISA.compiled
    private let nPad: Int, dPad: Int, block: Int, blocks: Int

    init(queries: Int, keys: Int, features: Int, scale: Float) {
        (self.queries, self.keys, self.features, self.scale) = (queries, keys, features, scale)
        (nPad, dPad) = (paddedColumns(keys, isa), paddedColumns(features, isa))
        block = isa.tileShape.rows
        blocks = (queries + block - 1) / block
    }

    /// Scratch floats of one call: `kᵀ`, `v`, the scores, one block of outputs and the GEMM's
    /// short-block copy.
    var memory: Int {
        features * nPad + keys * dPad + blocks * block * nPad + block * dPad + block * max(features, keys)
    }

    /// Query `i` at `q + i · qs`, key and value `j` at `k + j · ks` and `v + j · vs` (`d` floats
    /// each); `bias` and `mask` `[Nq][Nk]` (or nil); output row `i` (`d` floats) to `out + i · os`.
    @inline(__always)
    func callAsFunction(q: UnsafePointer<Float>, _ qs: Int, k: UnsafePointer<Float>, _ ks: Int,
                        v: UnsafePointer<Float>, _ vs: Int, bias: UnsafePointer<Float>?, mask: UnsafePointer<Float>?,
                        out: UnsafeMutablePointer<Float>, _ os: Int, memory: UnsafeMutablePointer<Float>) {
        let (nq, n, d) = (queries, keys, features)
        let kT = memory, vm = kT + d * nPad, s = vm + n * dPad, o = s + blocks * block * nPad, tmp = o + block * dPad
        // kᵀ `[d][nPad]` and v `[n][dPad]`, zero-padded (the padding reaches only scores and outputs
        // that are never read).
        enhance_transpose(k, ks, kT, nPad, Int32(n), Int32(d))
        for j in 0..<n {
            enhance_copy(v + j * vs, vm + j * dPad, Int32(d))
            (vm + j * dPad + d).update(repeating: 0, count: dPad - d)
        }
        if n < nPad { for e in 0..<d { (kT + e * nPad + n).update(repeating: 0, count: nPad - n) } }
        for b in 0..<blocks {
            gemmBlock(isa, q + b * block * qs, lda: qs, rows: min(block, nq - b * block), k: d, kT, ldb: nPad,
                      nPad: nPad, s + b * block * nPad, scratch: tmp)
        }
        for i in 0..<nq {
            enhance_softmax_row(s + i * nPad, s + i * nPad, Int32(n), scale, bias.map { $0 + i * n },
                                mask.map { $0 + i * n })
        }
        for b in 0..<blocks {
            let rows = min(block, nq - b * block)
            gemmBlock(isa, s + b * block * nPad, lda: nPad, rows: rows, k: n, vm, ldb: dPad, nPad: dPad, o,
                      scratch: tmp)
            for r in 0..<rows { enhance_copy(o + r * dPad, out + (b * block + r) * os, Int32(d)) }
        }
    }
}
