#ifndef ENHANCE_VECTOR_ROWS_H
#define ENHANCE_VECTOR_ROWS_H

#include "vector_math.h"

/* Row operations of the transformer blocks (a token's features, an attention row's scores) on
 * 16-float vectors, inlined into Swift. In C for the reason vector_math.h gives: Swift compiled
 * SIMD16 max, selects and partial loads into narrow or per-lane code. Multiply-adds are fused. */

#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wpsabi"

/* 16 floats at any address (4-byte alignment). */
typedef float enhance_float16_unaligned __attribute__((ext_vector_type(16), aligned(4)));

static inline enhance_float16 enhance_load16(const float *p) { return *(const enhance_float16_unaligned *)p; }
static inline void enhance_store16(float *p, enhance_float16 v) { *(enhance_float16_unaligned *)p = v; }

/* The first `count` (0...16) floats at p, zero beyond; nothing past them is read (AVX's masked
 * loads, which do not fault on masked-off lanes, or one float at a time). */
static inline enhance_float16 enhance_load_partial16(const float *p, int count) {
#if defined(__AVX__)
    typedef float f8 __attribute__((vector_size(32)));
    typedef int i8 __attribute__((vector_size(32)));
    const i8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
    f8 lo = __builtin_ia32_maskloadps256((const f8 *)p, lane < count);
    f8 hi = __builtin_ia32_maskloadps256((const f8 *)(p + 8), lane + 8 < count);
    return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
#else
    enhance_float16 v = ENHANCE_SPLAT(0.0f);
    for (int l = 0; l < count; l++) v[l] = p[l];
    return v;
#endif
}

/* Stores the first `count` (0...16) lanes of v at p, nothing past them (masked stores on AVX). */
static inline void enhance_store_partial16(float *p, enhance_float16 v, int count) {
#if defined(__AVX__)
    typedef float f8 __attribute__((vector_size(32)));
    typedef int i8 __attribute__((vector_size(32)));
    const i8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
    __builtin_ia32_maskstoreps256((f8 *)p, lane < count, __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7));
    __builtin_ia32_maskstoreps256((f8 *)(p + 8), lane + 8 < count,
                                  __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15));
#else
    for (int l = 0; l < count; l++) p[l] = v[l];
#endif
}

static inline float enhance_reduce_add16(enhance_float16 v) {
    typedef float f8 __attribute__((ext_vector_type(8)));
    typedef float f4 __attribute__((ext_vector_type(4)));
    f8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) + __builtin_shufflevector(v, v, 8, 9, 10, 11, 12,
                                                                                            13, 14, 15);
    f4 b = __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
    return (b[0] + b[2]) + (b[1] + b[3]);
}

static inline float enhance_reduce_max16(enhance_float16 v) {
    typedef float f8 __attribute__((ext_vector_type(8)));
    typedef float f4 __attribute__((ext_vector_type(4)));
    f8 a = __builtin_elementwise_max(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7),
                                     __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15));
    f4 b = __builtin_elementwise_max(__builtin_shufflevector(a, a, 0, 1, 2, 3),
                                     __builtin_shufflevector(a, a, 4, 5, 6, 7));
    return __builtin_fmaxf(__builtin_fmaxf(b[0], b[2]), __builtin_fmaxf(b[1], b[3]));
}

/* Softmax of the `n` scores `y_j = src_j * scale + bias_j + mask_j` into dst (bias and mask may be
 * NULL; dst may be src): `exp(y_j - max y) / sum exp(y - max y)`, with the fused exp. */
static inline void enhance_softmax_row(const float *src, float *dst, int n, float scale, const float *bias,
                                       const float *mask) {
#pragma clang fp contract(fast)
    int full = n & ~15, rest = n - full;
    enhance_float16 peak = ENHANCE_SPLAT(-__builtin_inff());
    for (int i = 0; i <= n - 16; i += 16) {
        enhance_float16 y = enhance_load16(src + i) * scale;
        if (bias) y += enhance_load16(bias + i);
        if (mask) y += enhance_load16(mask + i);
        enhance_store16(dst + i, y);
        peak = __builtin_elementwise_max(peak, y);
    }
    enhance_float16 tail = ENHANCE_SPLAT(0.0f);
    if (rest) {
        tail = enhance_load_partial16(src + full, rest) * scale;
        if (bias) tail += enhance_load_partial16(bias + full, rest);
        if (mask) tail += enhance_load_partial16(mask + full, rest);
        enhance_int16 lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        peak = __builtin_elementwise_max(peak, enhance_select16(lane < rest, tail, ENHANCE_SPLAT(-__builtin_inff())));
    }
    float top = enhance_reduce_max16(peak);
    enhance_float16 total = ENHANCE_SPLAT(0.0f);
    for (int i = 0; i < full; i += 16) {
        enhance_float16 e = enhance_exp16_fma(enhance_load16(dst + i) - top);
        enhance_store16(dst + i, e);
        total += e;
    }
    if (rest) {
        enhance_int16 lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        tail = enhance_select16(lane < rest, enhance_exp16_fma(tail - top), ENHANCE_SPLAT(0.0f));
        total += tail;
    }
    float inv = 1.0f / enhance_reduce_add16(total);
    for (int i = 0; i < full; i += 16) enhance_store16(dst + i, enhance_load16(dst + i) * inv);
    if (rest) enhance_store_partial16(dst + full, tail * inv, rest);
}

/* LayerNorm of the `n` floats at src into dst (may be src): mean and biased variance in two passes
 * over the row, then `(x - mean) / sqrt(var + eps) * weight + bias`. */
static inline void enhance_layer_norm_row(const float *src, float *dst, int n, const float *weight, const float *bias,
                                          float eps) {
#pragma clang fp contract(fast)
    int full = n & ~15, rest = n - full;
    enhance_float16 s = ENHANCE_SPLAT(0.0f);
    for (int i = 0; i < full; i += 16) s += enhance_load16(src + i);
    enhance_float16 tail = rest ? enhance_load_partial16(src + full, rest) : ENHANCE_SPLAT(0.0f);
    float mean = enhance_reduce_add16(s + tail) / (float)n;
    enhance_float16 q = ENHANCE_SPLAT(0.0f);
    for (int i = 0; i < full; i += 16) {
        enhance_float16 d = enhance_load16(src + i) - mean;
        q += d * d;
    }
    if (rest) {
        enhance_int16 lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
        enhance_float16 d = enhance_select16(lane < rest, tail - mean, ENHANCE_SPLAT(0.0f));
        q += d * d;
    }
    float rstd = 1.0f / __builtin_sqrtf(enhance_reduce_add16(q) / (float)n + eps);
    for (int i = 0; i < full; i += 16) {
        enhance_float16 y = (enhance_load16(src + i) - mean) * rstd;
        enhance_store16(dst + i, y * enhance_load16(weight + i) + enhance_load16(bias + i));
    }
    if (rest) {
        enhance_float16 y = (tail - mean) * rstd;
        enhance_store_partial16(dst + full, y * enhance_load_partial16(weight + full, rest)
                                                + enhance_load_partial16(bias + full, rest), rest);
    }
}

/* dst[c * ldd + r] = src[r * lds + c] for r < rows, c < cols: 8 x 8 blocks through vector shuffles
 * (the last block of each axis overlapping the one before when the size is no multiple of 8),
 * element by element where an axis is shorter than 8. */
static inline void enhance_transpose(const float *src, long lds, float *dst, long ldd, int rows, int cols) {
    typedef float f8 __attribute__((ext_vector_type(8), aligned(4)));
    if (rows < 8 || cols < 8) {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) dst[c * ldd + r] = src[r * lds + c];
        return;
    }
    for (int r0 = 0; r0 < rows; r0 += 8) {
        int r = r0 + 8 <= rows ? r0 : rows - 8;
        for (int c0 = 0; c0 < cols; c0 += 8) {
            int c = c0 + 8 <= cols ? c0 : cols - 8;
            const float *s = src + r * lds + c;
            f8 a0 = *(const f8 *)s, a1 = *(const f8 *)(s + lds), a2 = *(const f8 *)(s + 2 * lds);
            f8 a3 = *(const f8 *)(s + 3 * lds), a4 = *(const f8 *)(s + 4 * lds), a5 = *(const f8 *)(s + 5 * lds);
            f8 a6 = *(const f8 *)(s + 6 * lds), a7 = *(const f8 *)(s + 7 * lds);
            f8 t0 = __builtin_shufflevector(a0, a1, 0, 8, 1, 9, 4, 12, 5, 13);
            f8 t1 = __builtin_shufflevector(a0, a1, 2, 10, 3, 11, 6, 14, 7, 15);
            f8 t2 = __builtin_shufflevector(a2, a3, 0, 8, 1, 9, 4, 12, 5, 13);
            f8 t3 = __builtin_shufflevector(a2, a3, 2, 10, 3, 11, 6, 14, 7, 15);
            f8 t4 = __builtin_shufflevector(a4, a5, 0, 8, 1, 9, 4, 12, 5, 13);
            f8 t5 = __builtin_shufflevector(a4, a5, 2, 10, 3, 11, 6, 14, 7, 15);
            f8 t6 = __builtin_shufflevector(a6, a7, 0, 8, 1, 9, 4, 12, 5, 13);
            f8 t7 = __builtin_shufflevector(a6, a7, 2, 10, 3, 11, 6, 14, 7, 15);
            f8 u0 = __builtin_shufflevector(t0, t2, 0, 1, 8, 9, 4, 5, 12, 13);
            f8 u1 = __builtin_shufflevector(t0, t2, 2, 3, 10, 11, 6, 7, 14, 15);
            f8 u2 = __builtin_shufflevector(t1, t3, 0, 1, 8, 9, 4, 5, 12, 13);
            f8 u3 = __builtin_shufflevector(t1, t3, 2, 3, 10, 11, 6, 7, 14, 15);
            f8 u4 = __builtin_shufflevector(t4, t6, 0, 1, 8, 9, 4, 5, 12, 13);
            f8 u5 = __builtin_shufflevector(t4, t6, 2, 3, 10, 11, 6, 7, 14, 15);
            f8 u6 = __builtin_shufflevector(t5, t7, 0, 1, 8, 9, 4, 5, 12, 13);
            f8 u7 = __builtin_shufflevector(t5, t7, 2, 3, 10, 11, 6, 7, 14, 15);
            float *d = dst + c * ldd + r;
            *(f8 *)d = __builtin_shufflevector(u0, u4, 0, 1, 2, 3, 8, 9, 10, 11);
            *(f8 *)(d + ldd) = __builtin_shufflevector(u1, u5, 0, 1, 2, 3, 8, 9, 10, 11);
            *(f8 *)(d + 2 * ldd) = __builtin_shufflevector(u2, u6, 0, 1, 2, 3, 8, 9, 10, 11);
            *(f8 *)(d + 3 * ldd) = __builtin_shufflevector(u3, u7, 0, 1, 2, 3, 8, 9, 10, 11);
            *(f8 *)(d + 4 * ldd) = __builtin_shufflevector(u0, u4, 4, 5, 6, 7, 12, 13, 14, 15);
            *(f8 *)(d + 5 * ldd) = __builtin_shufflevector(u1, u5, 4, 5, 6, 7, 12, 13, 14, 15);
            *(f8 *)(d + 6 * ldd) = __builtin_shufflevector(u2, u6, 4, 5, 6, 7, 12, 13, 14, 15);
            *(f8 *)(d + 7 * ldd) = __builtin_shufflevector(u3, u7, 4, 5, 6, 7, 12, 13, 14, 15);
        }
    }
}

/* n floats from src to dst (not overlapping), 8 at a time then one by one: short rows inlined. */
static inline void enhance_copy(const float *src, float *dst, int n) {
    typedef float f8 __attribute__((ext_vector_type(8), aligned(4)));
    int i = 0;
    for (; i + 8 <= n; i += 8) *(f8 *)(dst + i) = *(const f8 *)(src + i);
    for (; i < n; i++) dst[i] = src[i];
}

#pragma clang diagnostic pop

#endif
