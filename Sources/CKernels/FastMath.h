#ifndef SCOREKIT_FAST_MATH_H
#define SCOREKIT_FAST_MATH_H

#include <stdint.h>
#include <string.h>

/* e^x, branch-free so that loops over it vectorise; the algorithm of FastMath.exp in Swift:
 * x = n ln2 + r with |r| <= ln2/2 (ln2 in two parts), e^r by Cephes' degree-7 polynomial, 2^n in
 * the exponent bits. Inputs are clamped to [-87.33654, 88] so the result stays a normal float
 * (about 1.1755e-38 to 1.65e38); NaN gives NaN. Relative error below 2e-7 (with or without FMA).
 * always_inline with no target attribute: it is inlined into each clone and compiled for its ISA. */
static inline __attribute__((always_inline)) float sk_fast_exp(float x) {
    x = x < -87.33654f ? -87.33654f : x;
    x = x > 88.0f ? 88.0f : x;
    const float shifter = 12582912.0f; /* 1.5 * 2^23: the sum's low mantissa bits hold round(x / ln2) */
    float t = x * 1.44269504f + shifter;
    float n = t - shifter;
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.98756915e-4f;
    p = p * r + 1.39819995e-3f;
    p = p * r + 8.33345190e-3f;
    p = p * r + 4.16657959e-2f;
    p = p * r + 1.66666555e-1f;
    p = p * r + 5.00000012e-1f;
    float er = p * (r * r) + r + 1.0f;
    int32_t ti, si;
    memcpy(&ti, &t, sizeof ti);
    memcpy(&si, &shifter, sizeof si);
    uint32_t bits = (uint32_t)(ti - si + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return er * scale;
}

/* log x for x in [2^-24, 1] (the uniforms Box-Muller takes the log of), branch-free: Cephes'
 * logf. x = m 2^e with m in [sqrt(1/2), sqrt(2)), log m = f - f^2/2 + f^3 P(f) with f = m - 1 and
 * ln 2 in two parts. Relative error below 2e-7 away from x = 1, where the result is ~0. */
static inline __attribute__((always_inline)) float sk_log_unit(float x) {
    int32_t bits;
    memcpy(&bits, &x, sizeof bits);
    int32_t e = ((bits >> 23) & 0xff) - 126;
    int32_t mantissa = (bits & 0x007fffff) | 0x3f000000; /* m in [0.5, 1) */
    float m;
    memcpy(&m, &mantissa, sizeof m);
    int low = m < 0.70710678f;
    e = low ? e - 1 : e;
    float f = low ? m + m - 1.0f : m - 1.0f;
    float z = f * f;
    float y = 7.0376836292e-2f;
    y = y * f - 1.1514610310e-1f;
    y = y * f + 1.1676998740e-1f;
    y = y * f - 1.2420140846e-1f;
    y = y * f + 1.4249322787e-1f;
    y = y * f - 1.6668057665e-1f;
    y = y * f + 2.0000714765e-1f;
    y = y * f - 2.4999993993e-1f;
    y = y * f + 3.3333331174e-1f;
    y = y * f * z;
    float fe = (float)e;
    y += -2.12194440e-4f * fe;
    y += -0.5f * z;
    return (f + y) + 0.693359375f * fe;
}

/* cos and sin of 2 pi u for u in [0, 1), branch-free. 4u is exact, so the reduction to
 * quadrant q = round(4u) and phi = (pi/2)(4u - q) in [-pi/4, pi/4] loses nothing; Cephes'
 * minimax polynomials give sin and cos of phi, and the quadrant rotates them. About 1 ulp
 * where the result is not near 0. */
static inline __attribute__((always_inline)) void sk_cos_sin_turn(float u, float *c, float *s) {
    const float shifter = 12582912.0f;
    float v = 4.0f * u;
    float q = (v + shifter) - shifter;
    float phi = (v - q) * 1.57079632679f;
    float z = phi * phi;
    float sn = phi + phi * z * (-1.6666654611e-1f + z * (8.3321608736e-3f + z * -1.9515295891e-4f));
    float cs = 1.0f - 0.5f * z + z * z * (4.166664568298827e-2f + z * (-1.388731625493765e-3f + z * 2.443315711809948e-5f));
    int k = (int)q & 3;
    float x = (k & 1) ? sn : cs, y = (k & 1) ? cs : sn;
    *c = (k == 1 || k == 2) ? -x : x;
    *s = (k >= 2) ? -y : y;
}

#endif
