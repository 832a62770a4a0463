#ifndef ENHANCE_VECTOR_ISA_H
#define ENHANCE_VECTOR_ISA_H

/* The vector ISA the including module is compiled for (Package.swift passes -march to the
 * Swift targets' C importer, so these reflect the Swift code's target features):
 * 3 = AVX-512F (32 zmm), 2 = AVX2 + FMA (16 ymm), 1 = arm64 NEON (32 q), 0 = portable. */
#if defined(__AVX512F__)
#define ENHANCE_VECTOR_ISA 3
#elif defined(__AVX2__) && defined(__FMA__)
#define ENHANCE_VECTOR_ISA 2
#elif defined(__aarch64__) || defined(__ARM_NEON)
#define ENHANCE_VECTOR_ISA 1
#else
#define ENHANCE_VECTOR_ISA 0
#endif

/* A read prefetch hint into all cache levels (no architectural effect; inlined into Swift). */
static inline void enhance_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

/* 16 floats and 16 int32 (imported into Swift as SIMD16<Float> and SIMD16<Int32>). */
typedef float enhance_float16 __attribute__((ext_vector_type(16)));
typedef int enhance_int16 __attribute__((ext_vector_type(16)));

/* e^x for 16 floats (inlined into Swift): Cody-Waite reduction x = n ln 2 + r, the degree-6
 * polynomial of Cephes expf, 2^n from the exponent bits; inputs clamped to [-87.3, 88.37]. Here in
 * C because Swift's SIMD comparisons, min and max run lane by lane (16 scalar compares), which made
 * every smooth activation (SiLU, sigmoid, Mish, GELU) several times slower than its arithmetic. */
static inline enhance_float16 enhance_exp16(enhance_float16 x) {
#pragma clang fp contract(off) /* the roundings of the Swift original, whose bounds the tests assert */
    x = __builtin_elementwise_max(__builtin_elementwise_min(x, (enhance_float16)88.37626f),
                                  (enhance_float16)-87.33654f);
    const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    enhance_float16 shifted = x * 1.44269504f + magic;
    enhance_float16 n = shifted - magic;
    enhance_float16 r = x - n * 0.693359375f;
    r = r + n * 2.1219444e-4f;
    enhance_float16 p = 1.98756915e-4f;
    p = p * r + 1.39819995e-3f;
    p = p * r + 8.3334519e-3f;
    p = p * r + 4.16657959e-2f;
    p = p * r + 1.66666655e-1f;
    p = p * r + 5.00000012e-1f;
    p = p * (r * r) + r + 1.0f;
    /* The low mantissa bits of `shifted` hold n; 2^n is (n + 127) << 23. */
    enhance_int16 ni = (enhance_int16)shifted - (enhance_int16)(enhance_float16)magic;
    return p * (enhance_float16)((ni + 127) << 23);
}

/* enhance_exp16 with its multiply-adds fused (fewer operations, other roundings: the logistic
 * family's path, whose bounds VectorMathTests assert on its own). */
static inline enhance_float16 enhance_exp16_fma(enhance_float16 x) {
#pragma clang fp contract(fast)
    x = __builtin_elementwise_max(__builtin_elementwise_min(x, (enhance_float16)88.37626f),
                                  (enhance_float16)-87.33654f);
    const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    enhance_float16 shifted = x * 1.44269504f + magic;
    enhance_float16 n = shifted - magic;
    enhance_float16 r = x - n * 0.693359375f;
    r = r + n * 2.1219444e-4f;
    enhance_float16 p = 1.98756915e-4f;
    p = p * r + 1.39819995e-3f;
    p = p * r + 8.3334519e-3f;
    p = p * r + 4.16657959e-2f;
    p = p * r + 1.66666655e-1f;
    p = p * r + 5.00000012e-1f;
    p = p * (r * r) + r + 1.0f;
    /* The low mantissa bits of `shifted` hold n; 2^n is (n + 127) << 23. */
    enhance_int16 ni = (enhance_int16)shifted - (enhance_int16)(enhance_float16)magic;
    return p * (enhance_float16)((ni + 127) << 23);
}

/* The ISA this C file itself was compiled for (a build-consistency check for tests). */
int enhance_c_vector_isa(void);

/* The smooth activations (included here so that every importer of this header, whatever module
 * map names it, sees them). */
#include "vector_math.h"

#endif
