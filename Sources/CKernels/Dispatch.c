/* Chooses the clone once at load (the widest this CPU runs, or SCOREKIT_ISA's choice) and
 * forwards every sk_ call through its table. A thread may run another clone (sk_isa_select):
 * the tests run every clone side by side without changing what other threads compute. */

#include <stdlib.h>
#include <string.h>
#include "Table.h"

static const sk_table *process_table = &sk_table_baseline;
static sk_isa process_isa = SK_ISA_BASELINE;
static _Thread_local const sk_table *thread_table = NULL;
static _Thread_local sk_isa thread_isa = SK_ISA_BASELINE;
static const char *ignored_request = NULL;

#define ACTIVE (thread_table ? thread_table : process_table)

static const sk_table *table_for(sk_isa isa) {
    switch (isa) {
    case SK_ISA_BASELINE: return &sk_table_baseline;
#if defined(__x86_64__)
    case SK_ISA_AVX2: return &sk_table_avx2;
    case SK_ISA_AVX512: return &sk_table_avx512;
#endif
    default: return NULL;
    }
}

int sk_isa_supported(sk_isa isa) {
    if (!table_for(isa)) return 0;
#if defined(__x86_64__)
    __builtin_cpu_init();
    switch (isa) {
    case SK_ISA_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SK_ISA_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("fma");
    default: return 1;
    }
#else
    return isa == SK_ISA_BASELINE;
#endif
}

const char *sk_isa_name(sk_isa isa) {
    switch (isa) {
    case SK_ISA_AVX2: return "avx2";
    case SK_ISA_AVX512: return "avx512";
    default: return "baseline";
    }
}

sk_isa sk_isa_active(void) { return thread_table ? thread_isa : process_isa; }

const char *sk_isa_ignored_request(void) { return ignored_request; }

int sk_isa_select(sk_isa isa) {
    if (!sk_isa_supported(isa)) return -1;
    thread_table = table_for(isa);
    thread_isa = isa;
    return 0;
}

void sk_isa_reset(void) { thread_table = NULL; }

static int select_for_process(sk_isa isa) {
    if (!sk_isa_supported(isa)) return -1;
    process_table = table_for(isa);
    process_isa = isa;
    return 0;
}

__attribute__((constructor)) static void choose_clone(void) {
    const char *request = getenv("SCOREKIT_ISA");
    for (int isa = SK_ISA_AVX512; isa >= SK_ISA_BASELINE; isa--) {
        if (request && strcmp(request, sk_isa_name((sk_isa)isa)) == 0 && select_for_process((sk_isa)isa) == 0) return;
    }
    if (request) ignored_request = request;
    for (int isa = SK_ISA_AVX512; isa >= SK_ISA_BASELINE; isa--)
        if (select_for_process((sk_isa)isa) == 0) return;
}

void sk_bias_silu(ptrdiff_t rows, ptrdiff_t columns, float *pre, const float *bias, float *out, float *slope,
                  float *curvature) {
    ACTIVE->bias_silu(rows, columns, pre, bias, out, slope, curvature);
}
void sk_bias_silu_inference(ptrdiff_t rows, ptrdiff_t columns, const float *pre, const float *bias, float *out) {
    ACTIVE->bias_silu_inference(rows, columns, pre, bias, out);
}
void sk_multiply_blocks(ptrdiff_t count, ptrdiff_t blocks, const float *tangents, const float *slope, float *out) {
    ACTIVE->multiply_blocks(count, blocks, tangents, slope, out);
}
void sk_silu_tangent_backward(ptrdiff_t count, ptrdiff_t blocks, float *gradient, const float *tangent_pre,
                              const float *slope, const float *curvature) {
    ACTIVE->silu_tangent_backward(count, blocks, gradient, tangent_pre, slope, curvature);
}
void sk_add_bias(ptrdiff_t rows, ptrdiff_t columns, float *block, const float *bias) {
    ACTIVE->add_bias(rows, columns, block, bias);
}
void sk_multiply(ptrdiff_t count, float *a, const float *b) { ACTIVE->multiply(count, a, b); }
void sk_combine(ptrdiff_t count, float *y, float a, const float *x, float b, const float *z, float c) {
    ACTIVE->combine(count, y, a, x, b, z, c);
}
void sk_scale_rows(ptrdiff_t rows, ptrdiff_t columns, float *block, const float *factors) {
    ACTIVE->scale_rows(rows, columns, block, factors);
}
double sk_sum(ptrdiff_t count, const float *x) { return ACTIVE->sum(count, x); }
void sk_column_sums(ptrdiff_t rows, ptrdiff_t columns, const float *block, float *sums, int accumulate) {
    ACTIVE->column_sums(rows, columns, block, sums, accumulate);
}
void sk_perturb(ptrdiff_t rows, ptrdiff_t columns, const float *a, const float *x, const float *s, const float *z,
                float *out) {
    ACTIVE->perturb(rows, columns, a, x, s, z, out);
}
double sk_dsm_residual(ptrdiff_t rows, ptrdiff_t columns, const float *s, const float *score, const float *z,
                       float scale, float *gradient) {
    return ACTIVE->dsm_residual(rows, columns, s, score, z, scale, gradient);
}
void sk_adam(ptrdiff_t count, float *parameters, const float *gradients, float *first, float *second, float beta1,
             float beta2, float step_size, float root_correction2, float epsilon) {
    ACTIVE->adam(count, parameters, gradients, first, second, beta1, beta2, step_size, root_correction2, epsilon);
}
void sk_average(ptrdiff_t count, float *shadow, const float *parameters, float decay) {
    ACTIVE->average(count, shadow, parameters, decay);
}
void sk_exp(ptrdiff_t count, const float *x, float scale, float *out) { ACTIVE->exp(count, x, scale, out); }
ptrdiff_t sk_count_nonfinite(ptrdiff_t count, const float *x) { return ACTIVE->count_nonfinite(count, x); }
void sk_fill_normal(uint64_t *state, ptrdiff_t count, float *out) { ACTIVE->fill_normal(state, count, out); }
void sk_narrow_linear_silu(ptrdiff_t rows, ptrdiff_t outputs, ptrdiff_t k, const float *x, const float *w,
                           ptrdiff_t w_stride, const float *bias, float *out) {
    ACTIVE->narrow_linear_silu(rows, outputs, k, x, w, w_stride, bias, out);
}
void sk_group_norm(ptrdiff_t images, ptrdiff_t positions, ptrdiff_t channels, ptrdiff_t groups, const float *x,
                   const float *gamma, const float *beta, int silu, float *y, float *hat, float *inverse) {
    ACTIVE->group_norm(images, positions, channels, groups, x, gamma, beta, silu, y, hat, inverse);
}
void sk_group_norm_backward(ptrdiff_t images, ptrdiff_t positions, ptrdiff_t channels, ptrdiff_t groups,
                            const float *dy, const float *hat, const float *inverse, const float *gamma,
                            const float *beta, int silu, float *dgamma, float *dbeta, float *dx) {
    ACTIVE->group_norm_backward(images, positions, channels, groups, dy, hat, inverse, gamma, beta, silu, dgamma, dbeta, dx);
}
void sk_winograd_input(ptrdiff_t height, ptrdiff_t width, ptrdiff_t channels, const float *x, ptrdiff_t first,
                       ptrdiff_t count, ptrdiff_t stride, float *v) {
    ACTIVE->winograd_input(height, width, channels, x, first, count, stride, v);
}
void sk_winograd_output(ptrdiff_t height, ptrdiff_t width, ptrdiff_t channels, const float *m, ptrdiff_t first,
                        ptrdiff_t count, ptrdiff_t stride, const float *bias, int accumulate, float *y) {
    ACTIVE->winograd_output(height, width, channels, m, first, count, stride, bias, accumulate, y);
}
void sk_winograd_output_adjoint(ptrdiff_t height, ptrdiff_t width, ptrdiff_t channels, const float *dy, ptrdiff_t first,
                                ptrdiff_t count, ptrdiff_t stride, float *z) {
    ACTIVE->winograd_output_adjoint(height, width, channels, dy, first, count, stride, z);
}
