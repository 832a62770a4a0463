import CVectorISA

/// The register block of the GEMM micro-kernel: ``rows`` output channels × ``vectors`` SIMD
/// vectors of ``V`` (``width`` = vectors · lanes columns), i.e. rows · vectors accumulators that
/// must fit the ISA's vector registers together with the ``vectors`` loaded `B` vectors and one
/// broadcast. Weights are packed in blocks of ``rows`` output channels; ``width`` divides 48.
protocol KernelShape {
    associatedtype V: SIMD where V.Scalar == Float
    /// Output channels per block (1…8).
    static var rows: Int { get }
    /// SIMD vectors per row (1…3).
    static var vectors: Int { get }
}

extension KernelShape {
    /// Columns (pixels or Winograd tiles) per block.
    static var width: Int { vectors * V.scalarCount }
}

/// AVX-512: 8 × 48 (three 16-float zmm per row), 24 of the 32 zmm registers accumulate.
enum AVX512Shape: KernelShape {
    typealias V = SIMD16<Float>
    static var rows: Int { 8 }
    static var vectors: Int { 3 }
}

/// AVX2 + FMA: 4 × 24 (three 8-float ymm per row), 12 accumulators + 3 `B` + 1 broadcast = 16 ymm.
enum AVX2Shape: KernelShape {
    typealias V = SIMD8<Float>
    static var rows: Int { 4 }
    static var vectors: Int { 3 }
}

/// arm64 NEON: 8 × 12 (three 4-float q registers per row), 24 of the 32 q registers accumulate.
enum NEONShape: KernelShape {
    typealias V = SIMD4<Float>
    static var rows: Int { 8 }
    static var vectors: Int { 3 }
}

/// Anything else (SSE2's 16 xmm): 4 × 8, two 4-float vectors per row, 8 accumulators.
enum PortableShape: KernelShape {
    typealias V = SIMD4<Float>
    static var rows: Int { 4 }
    static var vectors: Int { 2 }
}

/// The register blocks of the channel-packed F(6×6) GEMM (``TileWinograd``): rows are tiles,
/// columns output channels (a divisor of 32, the narrowest dense-block layers; blocks of 16 where
/// the output width is an odd multiple of 16).
enum AVX512TileShape: KernelShape {
    typealias V = SIMD16<Float>
    static var rows: Int { 8 }
    static var vectors: Int { 2 }
}

/// AVX-512 for a block of 16 output channels (the last of 48, 80, …): 8 tiles × one zmm.
enum AVX512TileHalfShape: KernelShape {
    typealias V = SIMD16<Float>
    static var rows: Int { 8 }
    static var vectors: Int { 1 }
}

/// AVX2: 6 tiles × 16 channels (two ymm), 12 accumulators + 2 `B` + 1 broadcast = 15 ymm.
enum AVX2TileShape: KernelShape {
    typealias V = SIMD8<Float>
    static var rows: Int { 6 }
    static var vectors: Int { 2 }
}

/// NEON and the portable fallback: 8 tiles × 8 channels (two q registers), 16 accumulators.
enum NEONTileShape: KernelShape {
    typealias V = SIMD4<Float>
    static var rows: Int { 8 }
    static var vectors: Int { 2 }
}

/// The kernel variants, one per vector ISA; ``compiled`` is the one this build uses, chosen in
/// this one place from the target's feature macros (`-march`, see Package.swift). Tests run every
/// variant on any machine (narrower vectors lower to whatever the host has).
public enum KernelISA: String, CaseIterable, Sendable {
    case avx512, avx2, neon, portable

    /// The variant this module was compiled for.
    public static let compiled = KernelISA(code: Int(ENHANCE_VECTOR_ISA))

    /// The variant for a `vector_isa.h` code (3 AVX-512, 2 AVX2 + FMA, 1 NEON, else portable).
    init(code: Int) {
        switch code {
        case 3: self = .avx512
        case 2: self = .avx2
        case 1: self = .neon
        default: self = .portable
        }
    }

    var shape: any KernelShape.Type {
        switch self {
        case .avx512: return AVX512Shape.self
        case .avx2: return AVX2Shape.self
        case .neon: return NEONShape.self
        case .portable: return PortableShape.self
        }
    }

    /// The shape of this variant's channel-packed F(6×6) GEMM.
    var tileShape: any KernelShape.Type {
        switch self {
        case .avx512: return AVX512TileShape.self
        case .avx2: return AVX2TileShape.self
        case .neon, .portable: return NEONTileShape.self
        }
    }

    /// Output channels per block of this variant's shape.
    var rows: Int { shape.rows }
    /// Columns per block of this variant's shape.
    var width: Int { shape.width }

    /// The channel-packed F(6×6) GEMM's block: tiles × output channels, e.g. `8 tiles × 32 channels`.
    public var tileDescription: String {
        let s = tileShape
        return "\(s.rows) tiles × \(s.width) channels (\(s.rows * s.vectors) accumulators)"
    }

    /// Rows × columns of the register block and its accumulator count, e.g. `avx512 8×48 (24 × 16-float)`.
    public var blockDescription: String {
        let s = shape
        return "\(rawValue) \(s.rows)×\(s.width) (\(s.rows * s.vectors) accumulators of \(s.width / s.vectors) floats)"
    }
}
