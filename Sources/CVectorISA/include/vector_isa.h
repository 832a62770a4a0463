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

/* The ISA this C file itself was compiled for (a build-consistency check for tests). */
int enhance_c_vector_isa(void);

/* The smooth activations and row operations (included here so that every importer of this header, whatever module
 * map names it, sees them). */
#include "vector_math.h"
#include "vector_rows.h"

#endif
