#ifndef ENHANCE_VECTOR_MATH_H
#define ENHANCE_VECTOR_MATH_H

#include "vector_isa.h"

/* exp and the smooth activations on 16 floats, inlined into Swift (VectorMath wraps them). In C
 * because Swift compiled the SIMD16 versions (their min, max, comparisons and selects) into 4-wide
 * code 2-3x slower per vector. The operations and their order are those of the Swift originals (no
 * contraction into FMAs), so VectorMathTests' error bounds are theirs, except the logistic family
 * (sigmoid, SiLU, tanh-GELU: a fused exp and a refined reciprocal) and exact-form GELU (a fused erfc),
 * which the same bounds check. */

/* Every function here is inlined, so the AVX2 calling convention for 64-byte vectors (which
 * -Wpsabi warns differs from AVX-512's) never applies. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wpsabi"

#define ENHANCE_SPLAT(v) ((enhance_float16)(v))

/* 16 floats and 16 int32 (imported into Swift as SIMD16<Float> and SIMD16<Int32>). */
typedef float enhance_float16 __attribute__((ext_vector_type(16)));
typedef int enhance_int16 __attribute__((ext_vector_type(16)));

/* e^x of the enhance_float16 `x`: Cody-Waite reduction x = n ln 2 + r, the degree-6 polynomial of
 * Cephes expf, 2^n from the exponent bits; inputs clamped to [-87.3, 88.37]. One body for both
 * roundings below (the contraction pragma applies where it is expanded). */
#define ENHANCE_EXP16_BODY(x)                                                                     \
    x = __builtin_elementwise_max(__builtin_elementwise_min(x, ENHANCE_SPLAT(88.37626f)),          \
                                  ENHANCE_SPLAT(-87.33654f));                                      \
    const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */              \
    enhance_float16 shifted = x * 1.44269504f + magic;                                             \
    enhance_float16 n = shifted - magic;                                                           \
    enhance_float16 r = x - n * 0.693359375f;                                                      \
    r = r + n * 2.1219444e-4f;                                                                     \
    enhance_float16 p = 1.98756915e-4f;                                                            \
    p = p * r + 1.39819995e-3f;                                                                    \
    p = p * r + 8.3334519e-3f;                                                                     \
    p = p * r + 4.16657959e-2f;                                                                    \
    p = p * r + 1.66666655e-1f;                                                                    \
    p = p * r + 5.00000012e-1f;                                                                    \
    p = p * (r * r) + r + 1.0f;                                                                    \
    /* The low mantissa bits of `shifted` hold n; 2^n is (n + 127) << 23. */                       \
    enhance_int16 ni = (enhance_int16)shifted - (enhance_int16)ENHANCE_SPLAT(magic);               \
    return p * (enhance_float16)((ni + 127) << 23);

/* e^x with the Swift original's roundings (no contraction), whose bounds VectorMathTests assert. */
static inline enhance_float16 enhance_exp16(enhance_float16 x) {
#pragma clang fp contract(off)
    ENHANCE_EXP16_BODY(x)
}

/* e^x with its multiply-adds fused (fewer operations, other roundings): the logistic family's. */
static inline enhance_float16 enhance_exp16_fma(enhance_float16 x) {
#pragma clang fp contract(fast)
    ENHANCE_EXP16_BODY(x)
}

/* Lanes of `a` where `mask` (a comparison's all-ones / zero lanes) is set, else of `b`. */
static inline enhance_float16 enhance_select16(enhance_int16 mask, enhance_float16 a, enhance_float16 b) {
    return (enhance_float16)(((enhance_int16)a & mask) | ((enhance_int16)b & ~mask));
}

/* |x|: the sign bit cleared. */
static inline enhance_float16 enhance_abs16(enhance_float16 x) {
    return (enhance_float16)((enhance_int16)x & 0x7FFFFFFF);
}

/* 1 / d for 16 floats: on AVX, the 12-bit reciprocal estimate refined by one Newton step
 * (r (2 - d r), ~2^-22 relative) in place of a division, whose latency the logistic functions'
 * chains otherwise wait on. */
static inline enhance_float16 enhance_reciprocal16(enhance_float16 d) {
#pragma clang fp contract(fast)
#if defined(__AVX__) && !defined(__AVX512F__)
    typedef float f8 __attribute__((vector_size(32)));
    f8 lo = __builtin_shufflevector(d, d, 0, 1, 2, 3, 4, 5, 6, 7);
    f8 hi = __builtin_shufflevector(d, d, 8, 9, 10, 11, 12, 13, 14, 15);
    lo = __builtin_ia32_rcpps256(lo);
    hi = __builtin_ia32_rcpps256(hi);
    enhance_float16 r = __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    return r * (2.0f - d * r);
#else
    return 1.0f / d;
#endif
}

/* 1 / (1 + e^-x), with the fused exp and the refined reciprocal. */
static inline enhance_float16 enhance_sigmoid16(enhance_float16 x) {
    return enhance_reciprocal16(1.0f + enhance_exp16_fma(-x));
}

/* tanh x: Cephes tanhf's odd polynomial for |x| < 0.625, else 1 - 2 / (e^2x + 1), sign restored. */
static inline enhance_float16 enhance_tanh16(enhance_float16 x) {
#pragma clang fp contract(off)
    enhance_float16 a = __builtin_elementwise_min(enhance_abs16(x), ENHANCE_SPLAT(44.0f));
    enhance_float16 big = 1.0f - 2.0f / (enhance_exp16(2.0f * a) + 1.0f);
    enhance_float16 z = x * x;
    enhance_float16 p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    enhance_float16 small = p * z * x + x;
    enhance_float16 signedBig = enhance_select16(x < 0.0f, -big, big);
    return enhance_select16(a < 0.625f, small, signedBig);
}

/* erfc x for x >= 0: t exp(-x^2 + P(t)), t = 1 / (1 + x/2) (Chebyshev fit). One body for both
 * roundings below, as for exp; `EXP` is the exp of the same rounding. */
#define ENHANCE_ERFC16_BODY(x, EXP)                                                               \
    enhance_float16 t = 1.0f / (1.0f + 0.5f * x);                                                 \
    enhance_float16 p = 0.17087277f;                                                               \
    p = p * t - 0.82215223f;                                                                       \
    p = p * t + 1.48851587f;                                                                       \
    p = p * t - 1.13520398f;                                                                       \
    p = p * t + 0.27886807f;                                                                       \
    p = p * t - 0.18628806f;                                                                       \
    p = p * t + 0.09678418f;                                                                       \
    p = p * t + 0.37409196f;                                                                       \
    p = p * t + 1.00002368f;                                                                       \
    p = p * t - 1.26551223f;                                                                       \
    return t * EXP(p - x * x);

/* erfc x (x >= 0) with the Swift original's roundings, whose bounds VectorMathTests assert. */
static inline enhance_float16 enhance_erfc16(enhance_float16 x) {
#pragma clang fp contract(off)
    ENHANCE_ERFC16_BODY(x, enhance_exp16)
}

/* erfc x (x >= 0) with its multiply-adds fused and the fused exp: exact-form GELU's. */
static inline enhance_float16 enhance_erfc16_fma(enhance_float16 x) {
#pragma clang fp contract(fast)
    ENHANCE_ERFC16_BODY(x, enhance_exp16_fma)
}

/* erf x: its Maclaurin series for |x| < 0.5, else +-(1 - erfc |x|). */
static inline enhance_float16 enhance_erf16(enhance_float16 x) {
#pragma clang fp contract(off)
    enhance_float16 a = enhance_abs16(x);
    enhance_float16 e = 1.0f - enhance_erfc16(a);
    enhance_float16 big = enhance_select16(x < 0.0f, -e, e);
    enhance_float16 z = x * x;
    enhance_float16 p = 1.0f / 1320.0f;
    p = 1.0f / 216.0f - p * z;
    p = 1.0f / 42.0f - p * z;
    p = 0.1f - p * z;
    p = 1.0f / 3.0f - p * z;
    p = 1.0f - p * z;
    enhance_float16 small = p * x * 1.1283791671f; /* 2 / sqrt(pi) */
    return enhance_select16(a < 0.5f, small, big);
}

/* x sigma(x) (SiLU). */
static inline enhance_float16 enhance_silu16(enhance_float16 x) { return x * enhance_sigmoid16(x); }

/* x Phi(x), as x/2 erfc(-x/sqrt 2) (exact-form GELU), with the fused erfc. */
static inline enhance_float16 enhance_gelu16(enhance_float16 x) {
#pragma clang fp contract(fast)
    enhance_float16 e = enhance_erfc16_fma(enhance_abs16(x) * 0.7071067812f);
    enhance_float16 c = enhance_select16(x >= 0.0f, 2.0f - e, e);
    return 0.5f * x * c;
}

/* x/2 (1 + tanh(sqrt(2/pi)(x + 0.044715 x^3))), as x sigma(2u) (tanh-form GELU). */
static inline enhance_float16 enhance_gelu_tanh16(enhance_float16 x) {
#pragma clang fp contract(off)
    enhance_float16 u = 0.7978845608f * (x + 0.044715f * x * x * x);
    return x * enhance_sigmoid16(2.0f * u);
}

/* x tanh(softplus x) = x n / (n + 2), n = e^x (e^x + 2) (Mish); x itself above 20. */
static inline enhance_float16 enhance_mish16(enhance_float16 x) {
#pragma clang fp contract(off)
    enhance_float16 e = enhance_exp16(__builtin_elementwise_min(x, ENHANCE_SPLAT(20.0f)));
    enhance_float16 n = e * (e + 2.0f);
    return x * n / (n + 2.0f);
}

#pragma clang diagnostic pop

#endif
