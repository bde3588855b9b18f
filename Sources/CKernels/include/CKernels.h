#ifndef SCOREKIT_CKERNELS_H
#define SCOREKIT_CKERNELS_H

/* The engine's elementwise kernels, compiled once per instruction set (function multiversioning
 * through a dispatch table): each sk_ function below calls the clone for the widest instruction
 * set this CPU has, or the one chosen with sk_isa_select or the SCOREKIT_ISA environment variable
 * (baseline, avx2 or avx512). Arrays are row-major float with tight rows; sizes are element counts.
 * Only Sources/ScoreKit/Tensor/Kernels.swift calls these. */

#include <stddef.h>
#include <stdint.h>

typedef enum {
    SK_ISA_BASELINE = 0, /* the target's baseline: SSE2 on x86-64, NEON on arm64 */
    SK_ISA_AVX2 = 1,     /* AVX2 with FMA */
    SK_ISA_AVX512 = 2,   /* AVX-512 F, VL, DQ, BW with FMA */
} sk_isa;

/* 1 if this build has the clone and this CPU can run it. */
int sk_isa_supported(sk_isa isa);
/* The clone the sk_ functions call on this thread. */
sk_isa sk_isa_active(void);
/* Makes `isa` the clone the calling thread runs; returns 0, or -1 (and changes nothing) when it is
 * not supported. Other threads keep the process's clone. */
int sk_isa_select(sk_isa isa);
/* The calling thread runs the process's clone again. */
void sk_isa_reset(void);
/* "baseline", "avx2" or "avx512". */
const char *sk_isa_name(sk_isa isa);
/* The value of SCOREKIT_ISA when it names no supported clone (then the widest one is used), else NULL. */
const char *sk_isa_ignored_request(void);

/* pre += bias (per column); out = SiLU(pre); slope = SiLU'(pre); curvature = SiLU''(pre) unless NULL. */
void sk_bias_silu(ptrdiff_t rows, ptrdiff_t columns, float *pre, const float *bias,
                  float *out, float *slope, float *curvature);
/* out = SiLU(pre + bias), writing nothing else. */
void sk_bias_silu_inference(ptrdiff_t rows, ptrdiff_t columns, const float *pre, const float *bias, float *out);
/* out[m * count + i] = tangents[m * count + i] * slope[i] for m < blocks. */
void sk_multiply_blocks(ptrdiff_t count, ptrdiff_t blocks, const float *tangents, const float *slope, float *out);
/* Backpropagation through h = SiLU(pre), t_m = SiLU'(pre) tpre_m, in place (see Kernels.swift). */
void sk_silu_tangent_backward(ptrdiff_t count, ptrdiff_t blocks, float *gradient, const float *tangent_pre,
                              const float *slope, const float *curvature);
/* block += bias, per column. */
void sk_add_bias(ptrdiff_t rows, ptrdiff_t columns, float *block, const float *bias);
/* a *= b. */
void sk_multiply(ptrdiff_t count, float *a, const float *b);
/* y = a y + (b x + c z); z is not read when c == 0. */
void sk_combine(ptrdiff_t count, float *y, float a, const float *x, float b, const float *z, float c);
/* block[r, :] *= factors[r]. */
void sk_scale_rows(ptrdiff_t rows, ptrdiff_t columns, float *block, const float *factors);
/* The sum of x in sixteen interleaved float partial sums, added in double in a fixed order. */
double sk_sum(ptrdiff_t count, const float *x);
/* sums[c] = (accumulate ? sums[c] : 0) + sum over rows of block[r, c]. */
void sk_column_sums(ptrdiff_t rows, ptrdiff_t columns, const float *block, float *sums, int accumulate);
/* out[r, c] = a[r] x[r, c] + s[r] z[r, c]: the forward process's draw x_t. */
void sk_perturb(ptrdiff_t rows, ptrdiff_t columns, const float *a, const float *x, const float *s,
                const float *z, float *out);
/* r = s[row] score + z; gradient = s[row] r scale; returns sum of r^2 (in double, fixed order). */
double sk_dsm_residual(ptrdiff_t rows, ptrdiff_t columns, const float *s, const float *score, const float *z,
                       float scale, float *gradient);
/* One Adam step over count parameters (PyTorch's form, see Adam.swift). */
void sk_adam(ptrdiff_t count, float *parameters, const float *gradients, float *first, float *second,
             float beta1, float beta2, float step_size, float root_correction2, float epsilon);
/* shadow = decay shadow + (1 - decay) parameters. */
void sk_average(ptrdiff_t count, float *shadow, const float *parameters, float decay);
/* out = e^(scale x) elementwise (the argument clamped to [-87.33654, 88]; see FastMath.h); out may be x. */
void sk_exp(ptrdiff_t count, const float *x, float scale, float *out);
/* How many of x are NaN or infinite. */
ptrdiff_t sk_count_nonfinite(ptrdiff_t count, const float *x);
/* count standard normals by Box-Muller from the xoshiro256** generator whose four state words are
 * `state` (advanced in place): two words per pair, (cos, sin) order, as RandomSource.fillNormal. */
void sk_fill_normal(uint64_t *state, ptrdiff_t count, float *out);
/* The most inputs sk_narrow_linear_silu takes. */
#define SK_NARROW_INPUTS 8
/* out[r, :] = SiLU(bias + x[r, :k] W[:, :k]^T) for k <= SK_NARROW_INPUTS; W is [outputs, w_stride]
 * row-major, x is [rows, k]. */
void sk_narrow_linear_silu(ptrdiff_t rows, ptrdiff_t outputs, ptrdiff_t k, const float *x, const float *w,
                           ptrdiff_t w_stride, const float *bias, float *out);
/* Group normalisation of `images` NHWC maps ([positions, channels] each) in `groups` groups of
 * channels: hat = (x - mean) / sqrt(var + 1e-5) per image and group, y = gamma hat + beta, then
 * SiLU when `silu`; writes hat and each image's and group's 1 / sqrt(var + 1e-5) to `inverse`. */
void sk_group_norm(ptrdiff_t images, ptrdiff_t positions, ptrdiff_t channels, ptrdiff_t groups, const float *x,
                   const float *gamma, const float *beta, int silu, float *y, float *hat, float *inverse);
/* Its backward pass from dL/dy: writes each image's dgamma and dbeta ([images, channels] each),
   adds dL/dx to dx. */
void sk_group_norm_backward(ptrdiff_t images, ptrdiff_t positions, ptrdiff_t channels, ptrdiff_t groups,
                            const float *dy, const float *hat, const float *inverse, const float *gamma,
                            const float *beta, int silu, float *dgamma, float *dbeta, float *dx);
/* Winograd F(2x2, 3x3) tiles of NHWC maps (height x width x channels; tiles of 2 x 2 outputs,
 * (height + 1) / 2 x (width + 1) / 2 a map, b, ty, tx row-major): for tiles first ..< first + count,
 * element e of tile t's B^T d B written at v[e * stride + t * channels + c] (the patch zero-padded
 * by one around the map). */
void sk_winograd_input(ptrdiff_t height, ptrdiff_t width, ptrdiff_t channels, const float *x, ptrdiff_t first,
                       ptrdiff_t count, ptrdiff_t stride, float *v);
/* Its output transform: A^T m A of tile t (m read as v is written), plus bias[c] unless NULL,
 * written to (or with accumulate, added to) the map y's positions in the tile. */
void sk_winograd_output(ptrdiff_t height, ptrdiff_t width, ptrdiff_t channels, const float *m, ptrdiff_t first,
                        ptrdiff_t count, ptrdiff_t stride, const float *bias, int accumulate, float *y);
/* The output transform's adjoint, for the weight gradient: A dy A^T of each tile's 2 x 2 gradient
 * (zero past the map's edge), written as sk_winograd_input writes. */
void sk_winograd_output_adjoint(ptrdiff_t height, ptrdiff_t width, ptrdiff_t channels, const float *dy, ptrdiff_t first,
                                ptrdiff_t count, ptrdiff_t stride, float *z);

#endif
