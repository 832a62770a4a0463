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

    /// `eˣ`: Cody–Waite reduction `x = n·ln 2 + r`, a degree-6 polynomial (Cephes `expf`) and the
    /// exponent built from bits. Inputs are clamped to [−87.3, 88.37] (results 10⁻³⁸ … 2.4 · 10³⁸).
    /// In C (`enhance_exp16`): Swift compiled its SIMD16 min, max and selects into 4-wide code.
    @inline(__always) public static func exp(_ x: V) -> V { enhance_exp16(x) }

    /// `|x|` (the sign bit cleared).
    @inline(__always) public static func magnitude(_ x: V) -> V { enhance_abs16(x) }

    /// `1 / (1 + e⁻ˣ)`.
    @inline(__always) public static func sigmoid(_ x: V) -> V { enhance_sigmoid16(x) }

    /// `tanh x`: the odd polynomial of Cephes `tanhf` for |x| < 0.625, else `1 − 2 / (e²ˣ + 1)`
    /// with the sign restored.
    @inline(__always) public static func tanh(_ x: V) -> V { enhance_tanh16(x) }

    /// `erfc x` for x ≥ 0 (Chebyshev-fitted `t · exp(−x² + P(t))`, `t = 1 / (1 + x/2)`).
    @inline(__always) public static func erfc(_ x: V) -> V { enhance_erfc16(x) }

    /// `erf x`: its Maclaurin series for |x| < 0.5, else `±(1 − erfc |x|)`.
    @inline(__always) public static func erf(_ x: V) -> V { enhance_erf16(x) }

    /// `x · σ(x)` (SiLU, "swish").
    @inline(__always) public static func silu(_ x: V) -> V { enhance_silu16(x) }

    /// `x · Φ(x) = x/2 · (1 + erf(x/√2))`, computed as `x/2 · erfc(−x/√2)` (exact-form GELU) with the
    /// multiply-adds of ``erfc(_:)`` and its exp fused (other roundings, the same bound).
    @inline(__always) public static func gelu(_ x: V) -> V { enhance_gelu16(x) }

    /// `x/2 · (1 + tanh(√(2/π)(x + 0.044715 x³)))`, computed as `x · σ(2u)` (tanh-form GELU).
    @inline(__always) public static func geluTanh(_ x: V) -> V { enhance_gelu_tanh16(x) }

    /// `x · tanh(softplus x) = x · n / (n + 2)` with `n = eˣ(eˣ + 2)` (Mish); `x` itself above 20.
    @inline(__always) public static func mish(_ x: V) -> V { enhance_mish16(x) }
}
