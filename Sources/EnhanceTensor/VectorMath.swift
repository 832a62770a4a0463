import CVectorISA
/// Vectorised transcendental functions on 16 floats, the building blocks of the smooth activations.
///
/// Concrete over `SIMD16<Float>` (see ``Epilogue``: generic SIMD code specialises badly). Maximum
/// errors against double-precision libm (`VectorMathTests`, which asserts them):
/// - ``exp(_:)``: 2 · 10⁻⁷ relative on [−87.3, 88.3] (clamped outside).
/// - ``erfc(_:)`` (x ≥ 0): 4 · 10⁻⁷ relative on [0, 2]; beyond, the rounding of x² grows it as
///   ~10⁻⁷·x² (6 · 10⁻⁶ at x = 8, where erfc is 10⁻²⁹).
/// - ``erf(_:)``: 3 · 10⁻⁷ absolute, and relative for |x| < 0.5 (series there).
/// - ``tanh(_:)``, ``sigmoid(_:)``: 4 · 10⁻⁷ relative on [−30, 30].
///
/// The activations built from them (GELU through `erfc`, so that its negative tail keeps its
/// relative accuracy; tanh-GELU as `x · σ(2u)`; Mish as `x · n / (n + 2)`, `n = eˣ(eˣ + 2)`) stay
/// within 10⁻⁶ of `|f(x)| + 10⁻³`.
public enum VectorMath {
    public typealias V = SIMD16<Float>
    typealias I = SIMD16<Int32>

    /// `eˣ`: Cody–Waite reduction `x = n·ln 2 + r`, a degree-6 polynomial (Cephes `expf`) and the
    /// exponent built from bits. Inputs are clamped to [−87.3, 88.37] (results 10⁻³⁸ … 2.4 · 10³⁸).
    /// In C (`enhance_exp16`): Swift's SIMD min, max and comparisons run lane by lane.
    @inline(__always) public static func exp(_ x: V) -> V { enhance_exp16(x) }

    /// `|x|` (the sign bit cleared).
    @inline(__always) public static func magnitude(_ x: V) -> V {
        unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7FFF_FFFF, to: V.self)
    }

    /// `1 / (1 + e⁻ˣ)`.
    @inline(__always) public static func sigmoid(_ x: V) -> V {
        1 / (1 + exp(-x))
    }

    /// `tanh x`: the odd polynomial of Cephes `tanhf` for |x| < 0.625, else `1 − 2 / (e²ˣ + 1)`
    /// with the sign restored.
    @inline(__always) public static func tanh(_ x: V) -> V {
        let a = pointwiseMin(magnitude(x), V(repeating: 44))
        let big = 1 - 2 / (exp(2 * a) + 1)
        let z = x * x
        var p = V(repeating: -5.704_988_727_45e-3)
        p = p * z + 2.063_908_879_54e-2
        p = p * z - 5.373_971_555_31e-2
        p = p * z + 1.333_144_220_36e-1
        p = p * z - 3.333_328_194_22e-1
        let small = p * z * x + x
        let signed = big.replacing(with: -big, where: x .< 0)
        return signed.replacing(with: small, where: a .< 0.625)
    }

    /// `erfc x` for x ≥ 0 (Chebyshev-fitted `t · exp(−x² + P(t))`, `t = 1 / (1 + x/2)`).
    @inline(__always) public static func erfc(_ x: V) -> V {
        let t = 1 / (1 + 0.5 * x)
        var p = V(repeating: 0.170_872_77)
        p = p * t - 0.822_152_23
        p = p * t + 1.488_515_87
        p = p * t - 1.135_203_98
        p = p * t + 0.278_868_07
        p = p * t - 0.186_288_06
        p = p * t + 0.096_784_18
        p = p * t + 0.374_091_96
        p = p * t + 1.000_023_68
        p = p * t - 1.265_512_23
        return t * exp(p - x * x)
    }

    /// `erf x`: its Maclaurin series for |x| < 0.5, else `±(1 − erfc |x|)`.
    @inline(__always) public static func erf(_ x: V) -> V {
        let a = magnitude(x)
        let e = 1 - erfc(a)
        let big = e.replacing(with: -e, where: x .< 0)
        let z = x * x
        var p = V(repeating: 1 / 1320)
        p = 1 / 216 - p * z
        p = 1 / 42 - p * z
        p = 0.1 - p * z
        p = 1 / 3 - p * z
        p = 1 - p * z
        let small = p * x * 1.128_379_167_1  // 2/√π
        return big.replacing(with: small, where: a .< 0.5)
    }

    /// `x · σ(x)` (SiLU, "swish").
    @inline(__always) public static func silu(_ x: V) -> V { x * sigmoid(x) }

    /// `x · Φ(x) = x/2 · (1 + erf(x/√2))`, computed as `x/2 · erfc(−x/√2)` (exact-form GELU).
    @inline(__always) public static func gelu(_ x: V) -> V {
        let e = erfc(magnitude(x) * 0.707_106_781_2)
        let c = e.replacing(with: 2 - e, where: x .>= 0)
        return 0.5 * x * c
    }

    /// `x/2 · (1 + tanh(√(2/π)(x + 0.044715 x³)))`, computed as `x · σ(2u)` (tanh-form GELU).
    @inline(__always) public static func geluTanh(_ x: V) -> V {
        let u = 0.797_884_560_8 * (x + 0.044_715 * x * x * x)
        return x * sigmoid(2 * u)
    }

    /// `x · tanh(softplus x) = x · n / (n + 2)` with `n = eˣ(eˣ + 2)` (Mish); `x` itself above 20.
    @inline(__always) public static func mish(_ x: V) -> V {
        let e = exp(pointwiseMin(x, V(repeating: 20)))
        let n = e * (e + 2)
        return x * n / (n + 2)
    }
}
