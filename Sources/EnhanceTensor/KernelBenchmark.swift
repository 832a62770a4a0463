import Foundation

/// Single-thread throughput of the GEMM micro-kernel against the core's FMA peak (for
/// `enhance bench`; not a test). Both are in GFLOP/s (one FMA = 2 FLOP).
public enum KernelBenchmark {
    /// The measured figures for one kernel variant.
    public struct Result: Sendable {
        public var isa: KernelISA
        /// A tight loop of independent vector FMAs in registers (the same vector type and
        /// accumulator count as the kernel): the machine's measured peak.
        public var peakGFLOPs: Double
        /// The micro-kernel on L1-resident operands, reduction length 128 (a 64-wide Winograd
        /// chunk), 48 columns per call as in the Winograd GEMM.
        public var kernelGFLOPs: Double
        /// The channel-packed F(6×6) GEMM's shape (``KernelISA/tileDescription``) on operands laid out
        /// as in ``TileWinograd`` (a chunk's tiles, reduction 192, 64 output channels), L1-resident.
        public var tileGFLOPs: Double
        public var fractionOfPeak: Double { kernelGFLOPs / peakGFLOPs }
        public var tileFractionOfPeak: Double { tileGFLOPs / peakGFLOPs }
    }

    /// Medians of `repeats` timings of about `seconds` each.
    public static func measure(_ isa: KernelISA = .compiled, seconds: Double = 0.2, repeats: Int = 5) -> Result {
        switch isa {
        case .avx512: return measure(AVX512Shape.self, isa, seconds, repeats)
        case .avx2: return measure(AVX2Shape.self, isa, seconds, repeats)
        case .neon: return measure(NEONShape.self, isa, seconds, repeats)
        case .portable: return measure(PortableShape.self, isa, seconds, repeats)
        }
    }

    private static func measure<S: KernelShape>(_ s: S.Type, _ isa: KernelISA, _ seconds: Double,
                                                _ repeats: Int) -> Result {
        let peak = median((0..<repeats).map { _ in rate(seconds) { n in fmaLoop(S.self, iterations: n) } })
        let count = 128, width = 48
        let a = UnsafeMutablePointer<Float>.allocate(capacity: count * S.rows)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: count * width)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: S.rows * width)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        for i in 0..<count * S.rows { a[i] = Float(i % 7) * 0.01 }
        for i in 0..<count * width { b[i] = Float(i % 5) * 0.01 }
        let kernel = median((0..<repeats).map { _ in
            rate(seconds) { n in
                for _ in 0..<n {
                    gemmPanel(isa, a, b, count: count, ldb: width, c, ldc: width, columns: width)
                }
                return Double(n) * 2 * Double(S.rows * width * count)
            }
        })
        let rows = TileWinograd.tiles(isa), cIn = 192, k = 64
        let ta = UnsafeMutablePointer<Float>.allocate(capacity: rows * cIn)
        let tb = UnsafeMutablePointer<Float>.allocate(capacity: cIn * k)
        let tc = UnsafeMutablePointer<Float>.allocate(capacity: rows * k)
        defer { ta.deallocate(); tb.deallocate(); tc.deallocate() }
        for i in 0..<rows * cIn { ta[i] = Float(i % 7) * 0.01 }
        for i in 0..<cIn * k { tb[i] = Float(i % 5) * 0.01 }
        // `V` as [cIn/16][rows][16], `U` blocked [k/32][cIn][32], as ``TileWinograd`` runs them.
        let offsets = (0..<cIn / 16).map { $0 * rows * 16 } + (0..<cIn / 16).map { $0 * 16 * 32 }
        let tile = offsets.withUnsafeBufferPointer { o in
            median((0..<repeats).map { _ in
                rate(seconds) { n in
                    for _ in 0..<n {
                        for jb in stride(from: 0, to: k, by: 32) {
                            tileSegmentPanel(isa, ta, aOffsets: o.baseAddress!, tb + jb * cIn,
                                             bOffsets: o.baseAddress! + cIn / 16, segments: cIn / 16, ldb: 32,
                                             tc + jb, ldc: k, rows: rows, columns: 32)
                        }
                    }
                    return Double(n) * 2 * Double(rows * k * cIn)
                }
            })
        }
        return Result(isa: isa, peakGFLOPs: peak, kernelGFLOPs: kernel, tileGFLOPs: tile)
    }

    /// `rows · vectors` independent accumulators, `iterations` FMAs each; returns the FLOPs done.
    @inline(never)
    static func fmaLoop<S: KernelShape>(_ s: S.Type, iterations: Int) -> Double {
        typealias V = S.V
        // acc += k·m: one FMA per accumulator per iteration, each chain as long as one FMA latency.
        let m = V(repeating: sink + 0.999_9), k = V(repeating: sink + 1e-4)
        var acc = (V(repeating: 1), V(repeating: 2), V(repeating: 3), V(repeating: 4),
                   V(repeating: 5), V(repeating: 6), V(repeating: 7), V(repeating: 8),
                   V(repeating: 9), V(repeating: 10), V(repeating: 11), V(repeating: 12))
        for _ in 0..<iterations {
            acc.0.addProduct(k, m); acc.1.addProduct(k, m); acc.2.addProduct(k, m)
            acc.3.addProduct(k, m); acc.4.addProduct(k, m); acc.5.addProduct(k, m)
            acc.6.addProduct(k, m); acc.7.addProduct(k, m); acc.8.addProduct(k, m)
            acc.9.addProduct(k, m); acc.10.addProduct(k, m); acc.11.addProduct(k, m)
        }
        let sum = acc.0 + acc.1 + acc.2 + acc.3 + acc.4 + acc.5 + acc.6 + acc.7 + acc.8 + acc.9 + acc.10 + acc.11
        sink = sum.sum()
        return Double(iterations) * 12 * 2 * Double(V.scalarCount)
    }

    nonisolated(unsafe) static var sink: Float = 0

    /// GFLOP/s of `body(n)` (which returns the FLOPs it did), growing `n` until it runs `seconds`.
    private static func rate(_ seconds: Double, _ body: (Int) -> Double) -> Double {
        var n = 64
        while true {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let flops = body(n)
            let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            if dt >= seconds { return flops / dt / 1e9 }
            n = dt < seconds / 8 ? n * 8 : Int(Double(n) * seconds / max(dt, 1e-9) * 1.05) + 1
        }
    }

    private static func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
}
