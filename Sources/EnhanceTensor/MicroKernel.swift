/// A panel `C[0..<rows][0..<columns] (+)= A·B` (`columns` a multiple of the shape's width) by the
/// micro-kernel of `isa`, one call per block of columns; arguments as in ``microKernel``.
///
/// The one entry point for the convolutions: the switch on the ISA sits here, in the kernel's
/// own file, so that every shape is specialised even in builds that optimise file by file (a
/// generic call from another file would run unspecialised, through witness tables).
func gemmPanel(_ isa: KernelISA, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
               offsets: UnsafePointer<Int>? = nil, segments: Int = 1, count: Int, ldb: Int,
               _ c: UnsafeMutablePointer<Float>, ldc: Int, columns: Int, accumulate: Bool = false) {
    @inline(__always) func run<S: KernelShape>(_ shape: S.Type) {
        for jb in stride(from: 0, to: columns, by: S.width) {
            microKernel(S.self, a, b + jb, offsets: offsets, segments: segments, count: count, ldb: ldb,
                        c + jb, ldc: ldc, accumulate: accumulate)
        }
    }
    switch isa {
    case .avx512: run(AVX512Shape.self)
    case .avx2: run(AVX2Shape.self)
    case .neon: run(NEONShape.self)
    case .portable: run(PortableShape.self)
    }
}

/// `C[0..<rows][0..<columns] (+)= A·B` for row-major `A` (`[rows][lda]`, `count` used) by the
/// channel-packed shape of `isa` (``KernelISA/tileShape``): `rows` and `columns` multiples of it,
/// except a 16-column block on AVX-512 (one zmm per row).
func tilePanel(_ isa: KernelISA, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
               count: Int, _ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int) {
    @inline(__always) func run<S: KernelShape>(_ shape: S.Type) {
        for ib in stride(from: 0, to: rows, by: S.rows) {
            for jb in stride(from: 0, to: columns, by: S.width) {
                microKernel(S.self, a + ib * lda, b + jb, count: count, ldb: ldb, c + ib * ldc + jb, ldc: ldc,
                            lda: lda)
            }
        }
    }
    switch isa {
    case .avx512 where columns % 32 != 0:
        precondition(columns == 16, "tilePanel: AVX-512 blocks are 32 or 16 columns")
        run(AVX512TileHalfShape.self)
    case .avx512: run(AVX512TileShape.self)
    case .avx2: run(AVX2TileShape.self)
    case .neon, .portable: run(NEONTileShape.self)
    }
}

/// `C[0..<rows][0..<columns] = A·B` for `A` in segments of 16 reduction steps (`[segments]` at
/// `a + aOffsets[s]`, each `[rows][16]`) and `B_s` at `b + bOffsets[s]` (`[16][ldb]`), by the channel-packed
/// shape of `isa`: the layout of the F(6×6) `V` blocks, one base pointer with constant row offsets.
func tileSegmentPanel(_ isa: KernelISA, _ a: UnsafePointer<Float>, aOffsets: UnsafePointer<Int>,
                      _ b: UnsafePointer<Float>, bOffsets: UnsafePointer<Int>, segments: Int, ldb: Int,
                      _ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int) {
    @inline(__always) func run<S: KernelShape>(_ shape: S.Type) {
        for ib in stride(from: 0, to: rows, by: S.rows) {
            for jb in stride(from: 0, to: columns, by: S.width) {
                microKernel(S.self, a + ib * 16, b + jb, offsets: bOffsets, segments: segments, count: 16, ldb: ldb,
                            c + ib * ldc + jb, ldc: ldc, lda: 16, aOffsets: aOffsets)
            }
        }
    }
    switch isa {
    case .avx512 where columns % 32 != 0:
        precondition(columns == 16, "tileSegmentPanel: AVX-512 blocks are 32 or 16 columns")
        run(AVX512TileHalfShape.self)
    case .avx512: run(AVX512TileShape.self)
    case .avx2: run(AVX2TileShape.self)
    case .neon, .portable: run(NEONTileShape.self)
    }
}

/// The one register-blocked GEMM micro-kernel, shared by the Winograd and direct convolutions and
/// parameterised by a ``KernelShape`` `S` (specialised per shape; unused rows/vectors of the
/// 8 × 3 accumulator grid below are dead code after specialisation and cost nothing).
///
/// Computes the `S.rows × S.width` block `C[r][j] (+)= Σ_s Σ_c A[s][c][r] · B_s[c][j]`:
/// `A` is packed `[segments][count][S.rows]` (weights, broadcast), or with `lda` > 0 row-major
/// `[S.rows][lda]` (`A[c][r]` at `a + r·lda + c`; segment `s` at `a + aOffsets[s]` when given, else
/// one segment); `B_s` starts at `b + offsets[s]` (`offsets` nil: one segment at `b`) with rows
/// `ldb` floats apart, and `C` has row stride `ldc`. `accumulate` adds to `C` instead of overwriting it.
@inline(__always)
func microKernel<S: KernelShape>(_ shape: S.Type, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                 offsets: UnsafePointer<Int>? = nil, segments: Int = 1, count: Int, ldb: Int,
                                 _ c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false,
                                 lda: Int = 0, aOffsets: UnsafePointer<Int>? = nil) {
    typealias V = S.V
    let rows = S.rows, nv = S.vectors, lanes = V.scalarCount
    // Distance between rows' elements of A and advance per step of c.
    let ar = lda > 0 ? lda : 1, astep = lda > 0 ? 1 : rows
    let cp = UnsafeMutableRawPointer(c)
    @inline(__always) func ld(_ r: Int, _ j: Int) -> V {
        accumulate ? cp.loadUnaligned(fromByteOffset: (r * ldc + j * lanes) * 4, as: V.self) : V()
    }
    @inline(__always) func row(_ r: Int) -> (V, V, V) {
        r < rows ? (ld(r, 0), nv > 1 ? ld(r, 1) : V(), nv > 2 ? ld(r, 2) : V()) : (V(), V(), V())
    }
    var c0 = row(0), c1 = row(1), c2 = row(2), c3 = row(3)
    var c4 = row(4), c5 = row(5), c6 = row(6), c7 = row(7)
    @inline(__always) func fma(_ acc: inout (V, V, V), _ w: Float, _ b: (V, V, V)) {
        let s = V(repeating: w)
        acc.0.addProduct(s, b.0)
        if nv > 1 { acc.1.addProduct(s, b.1) }
        if nv > 2 { acc.2.addProduct(s, b.2) }
    }
    var ap = a
    for seg in 0..<segments {
        if let aOffsets { ap = a + aOffsets[seg] }
        var bq = UnsafeRawPointer(b + (offsets.map { $0[seg] } ?? 0))
        for _ in 0..<count {
            let bv = (bq.loadUnaligned(as: V.self),
                      nv > 1 ? bq.loadUnaligned(fromByteOffset: lanes * 4, as: V.self) : V(),
                      nv > 2 ? bq.loadUnaligned(fromByteOffset: 2 * lanes * 4, as: V.self) : V())
            fma(&c0, ap[0], bv)
            if rows > 1 { fma(&c1, ap[ar], bv) }
            if rows > 2 { fma(&c2, ap[2 * ar], bv) }
            if rows > 3 { fma(&c3, ap[3 * ar], bv) }
            if rows > 4 { fma(&c4, ap[4 * ar], bv) }
            if rows > 5 { fma(&c5, ap[5 * ar], bv) }
            if rows > 6 { fma(&c6, ap[6 * ar], bv) }
            if rows > 7 { fma(&c7, ap[7 * ar], bv) }
            ap += astep
            bq += ldb * 4
        }
    }
    @inline(__always) func store(_ r: Int, _ v: (V, V, V)) {
        guard r < rows else { return }
        cp.storeBytes(of: v.0, toByteOffset: r * ldc * 4, as: V.self)
        if nv > 1 { cp.storeBytes(of: v.1, toByteOffset: (r * ldc + lanes) * 4, as: V.self) }
        if nv > 2 { cp.storeBytes(of: v.2, toByteOffset: (r * ldc + 2 * lanes) * 4, as: V.self) }
    }
    store(0, c0); store(1, c1); store(2, c2); store(3, c3)
    store(4, c4); store(5, c5); store(6, c6); store(7, c7)
}

/// `C[0..<rows][0..<16] (+)= Σ_s A_s·B_s` for one block of 16 columns: row-major `A_s` at
/// `a + aOffsets[s]` (`[rows][lda]`, 16 used), `B_s` `[16][16]` at `b + 256·s`, `C` rows `ldc` floats
/// apart (channel-packed pixels of one 16-channel group), `rows` the channel-packed shape's
/// (``KernelISA/tileShape``); the sums stay in registers across the `segments` (`bOffsets`: `256·s`);
/// `accumulate` adds to `C`. The block of ``PackedPointwise``, inlined so that constant strides
/// reach the micro-kernel's addressing.
@inline(__always)
func packedBlock(_ isa: KernelISA, _ a: UnsafePointer<Float>, lda: Int, aOffsets: UnsafePointer<Int>,
                 _ b: UnsafePointer<Float>, bOffsets: UnsafePointer<Int>, segments: Int,
                 _ c: UnsafeMutablePointer<Float>, ldc: Int = 16, accumulate: Bool) {
    @inline(__always) func run<S: KernelShape>(_ shape: S.Type) {
        for jb in stride(from: 0, to: 16, by: S.width) {
            microKernel(S.self, a, b + jb, offsets: bOffsets, segments: segments, count: 16, ldb: 16, c + jb,
                        ldc: ldc, accumulate: accumulate, lda: lda, aOffsets: aOffsets)
        }
    }
    switch isa {
    case .avx512: run(AVX512TileHalfShape.self)
    case .avx2: run(AVX2TileShape.self)
    case .neon, .portable: run(NEONTileShape.self)
    }
}
