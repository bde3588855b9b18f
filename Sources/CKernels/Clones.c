/* Every kernel compiled once per instruction set: KernelBodies.h is included under a target
 * attribute that applies to each function in it, so one binary carries the AVX-512, AVX2 and
 * baseline copies and Dispatch.c calls the widest the CPU has. */

#include <math.h>
#include <string.h>
#include "Table.h"
#include "FastMath.h"

#define SK_CLONE(name) name##_baseline
#include "KernelBodies.h"
#undef SK_CLONE
const sk_table sk_table_baseline = table_baseline;

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define SK_CLONE(name) name##_avx2
#include "KernelBodies.h"
#undef SK_CLONE
#pragma clang attribute pop
const sk_table sk_table_avx2 = table_avx2;

/* AVX-512 with 512-bit vectors (LLVM prefers 512 when the CPU is not tuned otherwise). */
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma"))), apply_to = function)
#define SK_CLONE(name) name##_avx512
#include "KernelBodies.h"
#undef SK_CLONE
#pragma clang attribute pop
const sk_table sk_table_avx512 = table_avx512;
#endif
