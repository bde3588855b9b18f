#ifndef SCOREKIT_KERNEL_TABLE_H
#define SCOREKIT_KERNEL_TABLE_H

#include "CKernels.h"

/* One instruction set's copy of every kernel; Clones.c defines one per clone, Dispatch.c picks. */
typedef struct {
    void (*bias_silu)(ptrdiff_t, ptrdiff_t, float *, const float *, float *, float *, float *);
    void (*bias_silu_inference)(ptrdiff_t, ptrdiff_t, const float *, const float *, float *);
    void (*multiply_blocks)(ptrdiff_t, ptrdiff_t, const float *, const float *, float *);
    void (*silu_tangent_backward)(ptrdiff_t, ptrdiff_t, float *, const float *, const float *, const float *);
    void (*add_bias)(ptrdiff_t, ptrdiff_t, float *, const float *);
    void (*multiply)(ptrdiff_t, float *, const float *);
    void (*combine)(ptrdiff_t, float *, float, const float *, float, const float *, float);
    void (*scale_rows)(ptrdiff_t, ptrdiff_t, float *, const float *);
    double (*sum)(ptrdiff_t, const float *);
    void (*column_sums)(ptrdiff_t, ptrdiff_t, const float *, float *, int);
    void (*perturb)(ptrdiff_t, ptrdiff_t, const float *, const float *, const float *, const float *, float *);
    double (*dsm_residual)(ptrdiff_t, ptrdiff_t, const float *, const float *, const float *, float, float *);
    void (*adam)(ptrdiff_t, float *, const float *, float *, float *, float, float, float, float, float);
    void (*average)(ptrdiff_t, float *, const float *, float);
    void (*exp)(ptrdiff_t, const float *, float, float *);
    ptrdiff_t (*count_nonfinite)(ptrdiff_t, const float *);
    void (*fill_normal)(uint64_t *, ptrdiff_t, float *);
    void (*narrow_linear_silu)(ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *, const float *, ptrdiff_t, const float *,
                               float *);
    void (*group_norm)(ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *, const float *, const float *, int, float *,
                       float *, float *);
    void (*group_norm_backward)(ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *, const float *, const float *,
                                const float *, const float *, int, float *, float *, float *);
    void (*winograd_input)(ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, float *);
    void (*winograd_output)(ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *, int,
                            float *);
    void (*winograd_output_adjoint)(ptrdiff_t, ptrdiff_t, ptrdiff_t, const float *, ptrdiff_t, ptrdiff_t, ptrdiff_t, float *);
} sk_table;

extern const sk_table sk_table_baseline;
#if defined(__x86_64__)
extern const sk_table sk_table_avx2;
extern const sk_table sk_table_avx512;
#endif

#endif
