/* The kernels' bodies, included once per instruction set by Clones.c with SK_CLONE(name) naming
 * that set's copy. Plain loops: the compiler vectorises each for the clone's vector width.
 * Rows are walked with a row pointer so the inner loop is a unit-stride loop over columns. */

static void SK_CLONE(bias_silu)(ptrdiff_t rows, ptrdiff_t columns, float *restrict pre, const float *restrict bias,
                                float *restrict out, float *restrict slope, float *restrict curvature) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        float *restrict p = pre + r * columns, *restrict o = out + r * columns, *restrict d = slope + r * columns;
        if (curvature) {
            float *restrict k = curvature + r * columns;
            for (ptrdiff_t c = 0; c < columns; c++) {
                float u = p[c] + bias[c];
                float s = 1.0f / (1.0f + sk_fast_exp(-u));
                float sc = s * (1.0f - s);
                p[c] = u;
                o[c] = u * s;
                d[c] = s + u * sc;
                k[c] = sc * (2.0f + u * (1.0f - 2.0f * s));
            }
        } else {
            for (ptrdiff_t c = 0; c < columns; c++) {
                float u = p[c] + bias[c];
                float s = 1.0f / (1.0f + sk_fast_exp(-u));
                p[c] = u;
                o[c] = u * s;
                d[c] = s * (1.0f + u * (1.0f - s));
            }
        }
    }
}

static void SK_CLONE(bias_silu_inference)(ptrdiff_t rows, ptrdiff_t columns, const float *restrict pre,
                                          const float *restrict bias, float *restrict out) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *restrict p = pre + r * columns;
        float *restrict o = out + r * columns;
        for (ptrdiff_t c = 0; c < columns; c++) {
            float u = p[c] + bias[c];
            o[c] = u / (1.0f + sk_fast_exp(-u));
        }
    }
}

static void SK_CLONE(multiply_blocks)(ptrdiff_t count, ptrdiff_t blocks, const float *restrict tangents,
                                      const float *restrict slope, float *restrict out) {
    for (ptrdiff_t m = 0; m < blocks; m++) {
        const float *restrict t = tangents + m * count;
        float *restrict o = out + m * count;
        for (ptrdiff_t i = 0; i < count; i++) o[i] = t[i] * slope[i];
    }
}

static void SK_CLONE(silu_tangent_backward)(ptrdiff_t count, ptrdiff_t blocks, float *restrict gradient,
                                            const float *restrict tangent_pre, const float *restrict slope,
                                            const float *restrict curvature) {
    for (ptrdiff_t i = 0; i < count; i++) gradient[i] *= slope[i];
    for (ptrdiff_t m = 0; m < blocks; m++) {
        float *restrict g = gradient + (m + 1) * count;
        const float *restrict t = tangent_pre + m * count;
        for (ptrdiff_t i = 0; i < count; i++) {
            gradient[i] += curvature[i] * g[i] * t[i];
            g[i] *= slope[i];
        }
    }
}

static void SK_CLONE(add_bias)(ptrdiff_t rows, ptrdiff_t columns, float *restrict block, const float *restrict bias) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        float *restrict row = block + r * columns;
        for (ptrdiff_t c = 0; c < columns; c++) row[c] += bias[c];
    }
}

static void SK_CLONE(multiply)(ptrdiff_t count, float *restrict a, const float *restrict b) {
    for (ptrdiff_t i = 0; i < count; i++) a[i] *= b[i];
}

static void SK_CLONE(combine)(ptrdiff_t count, float *restrict y, float a, const float *restrict x, float b,
                              const float *restrict z, float c) {
    if (c == 0.0f) {
        for (ptrdiff_t i = 0; i < count; i++) y[i] = a * y[i] + b * x[i];
    } else {
        for (ptrdiff_t i = 0; i < count; i++) y[i] = a * y[i] + (b * x[i] + c * z[i]);
    }
}

static void SK_CLONE(scale_rows)(ptrdiff_t rows, ptrdiff_t columns, float *restrict block, const float *restrict factors) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        float f = factors[r], *restrict row = block + r * columns;
        for (ptrdiff_t c = 0; c < columns; c++) row[c] *= f;
    }
}

static double SK_CLONE(sum)(ptrdiff_t count, const float *restrict x) {
    float partial[16] = {0};
    ptrdiff_t whole = count / 16;
    for (ptrdiff_t b = 0; b < whole; b++)
        for (int j = 0; j < 16; j++) partial[j] += x[16 * b + j];
    double total = 0;
    for (int j = 0; j < 16; j++) total += partial[j];
    for (ptrdiff_t i = 16 * whole; i < count; i++) total += x[i];
    return total;
}

static void SK_CLONE(column_sums)(ptrdiff_t rows, ptrdiff_t columns, const float *restrict block,
                                  float *restrict sums, int accumulate) {
    if (!accumulate) memset(sums, 0, (size_t)columns * sizeof(float));
    for (ptrdiff_t r = 0; r < rows; r++) {
        const float *restrict row = block + r * columns;
        for (ptrdiff_t c = 0; c < columns; c++) sums[c] += row[c];
    }
}

static void SK_CLONE(perturb)(ptrdiff_t rows, ptrdiff_t columns, const float *restrict a, const float *restrict x,
                              const float *restrict s, const float *restrict z, float *restrict out) {
    for (ptrdiff_t r = 0; r < rows; r++) {
        float ar = a[r], sr = s[r];
        const float *restrict xr = x + r * columns, *restrict zr = z + r * columns;
        float *restrict o = out + r * columns;
        for (ptrdiff_t c = 0; c < columns; c++) o[c] = ar * xr[c] + sr * zr[c];
    }
}

static double SK_CLONE(dsm_residual)(ptrdiff_t rows, ptrdiff_t columns, const float *restrict s,
                                     const float *restrict score, const float *restrict z, float scale,
                                     float *restrict gradient) {
    /* Squares are summed in double: the loss is compared with other engines to seven digits. */
    double partial[8] = {0};
    double total = 0;
    for (ptrdiff_t r = 0; r < rows; r++) {
        float sr = s[r], factor = sr * scale;
        const float *restrict sc = score + r * columns, *restrict zr = z + r * columns;
        float *restrict g = gradient + r * columns;
        ptrdiff_t c = 0;
        for (; c + 8 <= columns; c += 8)
            for (int j = 0; j < 8; j++) {
                float res = sr * sc[c + j] + zr[c + j];
                partial[j] += (double)res * (double)res;
                g[c + j] = factor * res;
            }
        for (; c < columns; c++) {
            float res = sr * sc[c] + zr[c];
            total += (double)res * (double)res;
            g[c] = factor * res;
        }
    }
    for (int j = 0; j < 8; j++) total += partial[j];
    return total;
}

static void SK_CLONE(adam)(ptrdiff_t count, float *restrict p, const float *restrict g, float *restrict m,
                           float *restrict v, float beta1, float beta2, float step_size, float root_correction2,
                           float epsilon) {
    float c1 = 1.0f - beta1, c2 = 1.0f - beta2;
    for (ptrdiff_t i = 0; i < count; i++) {
        float gi = g[i];
        float mi = beta1 * m[i] + c1 * gi;
        float vi = beta2 * v[i] + c2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        /* The vector square root is correctly rounded, like sqrtf; this builtin skips errno. */
        p[i] -= step_size * mi / (__builtin_elementwise_sqrt(vi) / root_correction2 + epsilon);
    }
}

static void SK_CLONE(average)(ptrdiff_t count, float *restrict shadow, const float *restrict p, float decay) {
    float keep = 1.0f - decay;
    for (ptrdiff_t i = 0; i < count; i++) shadow[i] = decay * shadow[i] + keep * p[i];
}

/* Not restrict: out may be x (in place). */
static void SK_CLONE(exp)(ptrdiff_t count, const float *x, float scale, float *out) {
    for (ptrdiff_t i = 0; i < count; i++) out[i] = sk_fast_exp(scale * x[i]);
}

static ptrdiff_t SK_CLONE(count_nonfinite)(ptrdiff_t count, const float *restrict x) {
    ptrdiff_t bad = 0;
    for (ptrdiff_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, x + i, sizeof bits);
        bad += (bits & 0x7f800000u) == 0x7f800000u; /* exponent all ones: inf or NaN */
    }
    return bad;
}

/* Box-Muller in chunks: the generator's words are drawn in order (xoshiro256** is a serial
 * chain), then each chunk's pairs are transformed at the clone's vector width. */
static void SK_CLONE(fill_normal)(uint64_t *restrict state, ptrdiff_t count, float *restrict out) {
    enum { chunk = 64 };
    uint64_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
    uint32_t radius_bits[chunk], angle_bits[chunk];
    float cosine[chunk], sine[chunk];
    ptrdiff_t pairs = (count + 1) / 2;
    for (ptrdiff_t start = 0; start < pairs; start += chunk) {
        int n = pairs - start < chunk ? (int)(pairs - start) : chunk;
        for (int j = 0; j < 2 * n; j++) {
            uint64_t word = ((s1 * 5) << 7 | (s1 * 5) >> 57) * 9;
            uint64_t t = s1 << 17;
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
            s2 ^= t;
            s3 = s3 << 45 | s3 >> 19;
            if (j & 1) angle_bits[j / 2] = (uint32_t)(word >> 40);
            else radius_bits[j / 2] = (uint32_t)(word >> 40);
        }
        for (int j = 0; j < n; j++) {
            float u1 = ((float)radius_bits[j] + 1.0f) * 0x1p-24f; /* (0, 1]: the log is finite */
            float r = __builtin_elementwise_sqrt(-2.0f * sk_log_unit(u1));
            float c, sn;
            sk_cos_sin_turn((float)angle_bits[j] * 0x1p-24f, &c, &sn);
            cosine[j] = r * c;
            sine[j] = r * sn;
        }
        float *restrict o = out + 2 * start;
        int whole = 2 * (start + n) <= count ? n : n - 1;
        for (int j = 0; j < whole; j++) {
            o[2 * j] = cosine[j];
            o[2 * j + 1] = sine[j];
        }
        if (whole < n) o[2 * whole] = cosine[whole]; /* an odd count's last value */
    }
    state[0] = s0; state[1] = s1; state[2] = s2; state[3] = s3;
}

/* out[r, :] = SiLU(bias + sum_j x[r, j] W[:, j]) for a layer with k <= SK_NARROW_INPUTS inputs
 * (W is [outputs, w_stride] row-major, its first k columns used): the first layer of a sampler's
 * network, where OpenBLAS runs k = 2 at about 40 GFLOP/s and the activation is a second pass.
 * Columns go in blocks whose transposed weights stay in L1; each row is built in place. */
static void SK_CLONE(narrow_linear_silu)(ptrdiff_t rows, ptrdiff_t outputs, ptrdiff_t k, const float *restrict x,
                                         const float *restrict w, ptrdiff_t w_stride, const float *restrict bias,
                                         float *restrict out) {
    enum { block = 256 };
    float wt[SK_NARROW_INPUTS][block];
    for (ptrdiff_t start = 0; start < outputs; start += block) {
        ptrdiff_t n = outputs - start < block ? outputs - start : block;
        for (ptrdiff_t j = 0; j < k; j++)
            for (ptrdiff_t o = 0; o < n; o++) wt[j][o] = w[(start + o) * w_stride + j];
        const float *restrict b = bias + start;
        for (ptrdiff_t r = 0; r < rows; r++) {
            const float *restrict xr = x + r * k;
            float *restrict o_row = out + r * outputs + start;
            for (ptrdiff_t o = 0; o < n; o++) o_row[o] = b[o];
            for (ptrdiff_t j = 0; j < k; j++) {
                float xj = xr[j];
                for (ptrdiff_t o = 0; o < n; o++) o_row[o] += xj * wt[j][o];
            }
            for (ptrdiff_t o = 0; o < n; o++) {
                float u = o_row[o];
                o_row[o] = u / (1.0f + sk_fast_exp(-u));
            }
        }
    }
}

/* Group normalisation of `images` NHWC maps of `positions` rows of `channels` (see
 * GroupNormalization.swift). Every loop runs over the channels of one position, one lane per
 * channel, so a channel's float partial sums take the same order in every clone; a group's
 * statistics add its channels' partials in double. The variance is the mean of squared deviations
 * from the mean (a second pass). */
static void SK_CLONE(group_norm)(ptrdiff_t images, ptrdiff_t positions, ptrdiff_t channels, ptrdiff_t groups,
                                 const float *restrict x, const float *restrict gamma, const float *restrict beta,
                                 int silu, float *restrict y, float *restrict hat, float *restrict inverse) {
    ptrdiff_t width = channels / groups;
    double count = (double)(positions * width);
    float sums[channels], mean[channels], scale[channels];
    for (ptrdiff_t b = 0; b < images; b++) {
        const float *restrict xb = x + b * positions * channels;
        for (ptrdiff_t c = 0; c < channels; c++) sums[c] = 0;
        for (ptrdiff_t p = 0; p < positions; p++) {
            const float *restrict row = xb + p * channels;
            for (ptrdiff_t c = 0; c < channels; c++) sums[c] += row[c];
        }
        for (ptrdiff_t g = 0; g < groups; g++) {
            double total = 0;
            for (ptrdiff_t j = 0; j < width; j++) total += sums[g * width + j];
            for (ptrdiff_t j = 0; j < width; j++) mean[g * width + j] = (float)(total / count);
        }
        for (ptrdiff_t c = 0; c < channels; c++) sums[c] = 0;
        for (ptrdiff_t p = 0; p < positions; p++) {
            const float *restrict row = xb + p * channels;
            for (ptrdiff_t c = 0; c < channels; c++) {
                float e = row[c] - mean[c];
                sums[c] += e * e;
            }
        }
        for (ptrdiff_t g = 0; g < groups; g++) {
            double total = 0;
            for (ptrdiff_t j = 0; j < width; j++) total += sums[g * width + j];
            float r = (float)(1.0 / sqrt(total / count + 1e-5));
            inverse[b * groups + g] = r;
            for (ptrdiff_t j = 0; j < width; j++) scale[g * width + j] = r;
        }
        for (ptrdiff_t p = 0; p < positions; p++) {
            ptrdiff_t at = (b * positions + p) * channels;
            const float *restrict row = x + at;
            float *restrict h = hat + at, *restrict out = y + at;
            for (ptrdiff_t c = 0; c < channels; c++) {
                float u = (row[c] - mean[c]) * scale[c];
                float v = gamma[c] * u + beta[c];
                h[c] = u;
                out[c] = silu ? v / (1.0f + sk_fast_exp(-v)) : v;
            }
        }
    }
}

/* Its backward pass: each image's dgamma and dbeta written ([images, channels] each, for the
   caller to sum over images, so that images can be split among threads); dx added to. */
static void SK_CLONE(group_norm_backward)(ptrdiff_t images, ptrdiff_t positions, ptrdiff_t channels, ptrdiff_t groups,
                                          const float *restrict dy, const float *restrict hat,
                                          const float *restrict inverse, const float *restrict gamma,
                                          const float *restrict beta, int silu, float *restrict dgamma,
                                          float *restrict dbeta, float *restrict dx) {
    ptrdiff_t width = channels / groups;
    double count = (double)(positions * width);
    float sg[channels], sgx[channels], mg[channels], mgx[channels], scale[channels];
    for (ptrdiff_t b = 0; b < images; b++) {
        float *restrict pg = dgamma + b * channels, *restrict pb = dbeta + b * channels;
        for (ptrdiff_t c = 0; c < channels; c++) sg[c] = sgx[c] = pg[c] = pb[c] = 0;
        for (ptrdiff_t p = 0; p < positions; p++) {
            ptrdiff_t at = (b * positions + p) * channels;
            const float *restrict d = dy + at, *restrict h = hat + at;
            for (ptrdiff_t c = 0; c < channels; c++) {
                float g = d[c];
                if (silu) {
                    float v = gamma[c] * h[c] + beta[c], s = 1.0f / (1.0f + sk_fast_exp(-v));
                    g *= s * (1.0f + v * (1.0f - s));
                }
                pg[c] += g * h[c];
                pb[c] += g;
                sg[c] += g * gamma[c];
                sgx[c] += g * gamma[c] * h[c];
            }
        }
        for (ptrdiff_t q = 0; q < groups; q++) {
            double a = 0, e = 0;
            for (ptrdiff_t j = 0; j < width; j++) { a += sg[q * width + j]; e += sgx[q * width + j]; }
            for (ptrdiff_t j = 0; j < width; j++) {
                mg[q * width + j] = (float)(a / count);
                mgx[q * width + j] = (float)(e / count);
                scale[q * width + j] = inverse[b * groups + q];
            }
        }
        for (ptrdiff_t p = 0; p < positions; p++) {
            ptrdiff_t at = (b * positions + p) * channels;
            const float *restrict d = dy + at, *restrict h = hat + at;
            float *restrict out = dx + at;
            for (ptrdiff_t c = 0; c < channels; c++) {
                float g = d[c];
                if (silu) {
                    float v = gamma[c] * h[c] + beta[c], s = 1.0f / (1.0f + sk_fast_exp(-v));
                    g *= s * (1.0f + v * (1.0f - s));
                }
                out[c] += scale[c] * (g * gamma[c] - mg[c] - h[c] * mgx[c]);
            }
        }
    }
}

/* Winograd's F(2x2, 3x3) (Lavin and Gray, 2016): the tiles' input transform B^T d B and output
 * transform A^T m A, with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1] and A^T = [1 1 1 0;
 * 0 1 -1 -1]. Both are additions only, in one order in every clone, so every clone gives the same
 * bits. Tile t of an NHWC map holds output rows 2 ty, 2 ty + 1 and columns 2 tx, 2 tx + 1, reads
 * the 4 x 4 input patch from (2 ty - 1, 2 tx - 1), zero outside the map; tiles run b, ty, tx
 * row-major. Element e (row-major in 4 x 4) of tile t's transform is row t of matrix e, a matrix
 * being `stride` floats apart. The channel loop is the vector loop (its 16 pointers do not alias
 * each other's writes). */
#define SK_WINOGRAD_BLOCK 64

static void SK_CLONE(winograd_input)(ptrdiff_t height, ptrdiff_t width, ptrdiff_t channels, const float *x,
                                     ptrdiff_t first, ptrdiff_t count, ptrdiff_t stride, float *v) {
    static const float zeros[SK_WINOGRAD_BLOCK];
    ptrdiff_t across = (width + 1) / 2, tiles = across * ((height + 1) / 2);
    for (ptrdiff_t t = first; t < first + count; t++) {
        ptrdiff_t b = t / tiles, ty = t % tiles / across, tx = t % across;
        for (ptrdiff_t c0 = 0; c0 < channels; c0 += SK_WINOGRAD_BLOCK) {
            ptrdiff_t n = channels - c0 < SK_WINOGRAD_BLOCK ? channels - c0 : SK_WINOGRAD_BLOCK;
            const float *d[16];
            for (int i = 0; i < 4; i++) {
                ptrdiff_t iy = 2 * ty - 1 + i;
                for (int j = 0; j < 4; j++) {
                    ptrdiff_t ix = 2 * tx - 1 + j;
                    d[4 * i + j] = iy >= 0 && iy < height && ix >= 0 && ix < width
                                       ? x + ((b * height + iy) * width + ix) * channels + c0 : zeros;
                }
            }
            float *out = v + t * channels + c0;
#pragma clang loop vectorize(assume_safety)
            for (ptrdiff_t c = 0; c < n; c++) {
                float r[16], u[16];
                for (int j = 0; j < 4; j++) {
                    r[j] = d[j][c] - d[8 + j][c];
                    r[4 + j] = d[4 + j][c] + d[8 + j][c];
                    r[8 + j] = d[8 + j][c] - d[4 + j][c];
                    r[12 + j] = d[4 + j][c] - d[12 + j][c];
                }
                for (int i = 0; i < 4; i++) {
                    u[4 * i] = r[4 * i] - r[4 * i + 2];
                    u[4 * i + 1] = r[4 * i + 1] + r[4 * i + 2];
                    u[4 * i + 2] = r[4 * i + 2] - r[4 * i + 1];
                    u[4 * i + 3] = r[4 * i + 1] - r[4 * i + 3];
                }
                for (int e = 0; e < 16; e++) out[e * stride + c] = u[e];
            }
        }
    }
}

static void SK_CLONE(winograd_output)(ptrdiff_t height, ptrdiff_t width, ptrdiff_t channels, const float *m,
                                      ptrdiff_t first, ptrdiff_t count, ptrdiff_t stride, const float *bias,
                                      int accumulate, float *y) {
    ptrdiff_t across = (width + 1) / 2, tiles = across * ((height + 1) / 2);
    for (ptrdiff_t t = first; t < first + count; t++) {
        ptrdiff_t b = t / tiles, oy = 2 * (t % tiles / across), ox = 2 * (t % across);
        for (ptrdiff_t c0 = 0; c0 < channels; c0 += SK_WINOGRAD_BLOCK) {
            ptrdiff_t n = channels - c0 < SK_WINOGRAD_BLOCK ? channels - c0 : SK_WINOGRAD_BLOCK;
            /* Outputs past the map's last row or column (odd sides) go to a sink. */
            float sink[4][SK_WINOGRAD_BLOCK];
            float *out[4];
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    out[2 * i + j] = oy + i < height && ox + j < width
                                         ? y + ((b * height + oy + i) * width + ox + j) * channels + c0 : sink[2 * i + j];
                }
            }
            const float *in = m + t * channels + c0;
#pragma clang loop vectorize(assume_safety)
            for (ptrdiff_t c = 0; c < n; c++) {
                float r[8], z[4];
                for (int j = 0; j < 4; j++) {
                    r[j] = in[j * stride + c] + in[(4 + j) * stride + c] + in[(8 + j) * stride + c];
                    r[4 + j] = in[(4 + j) * stride + c] - in[(8 + j) * stride + c] - in[(12 + j) * stride + c];
                }
                for (int i = 0; i < 2; i++) {
                    z[2 * i] = r[4 * i] + r[4 * i + 1] + r[4 * i + 2];
                    z[2 * i + 1] = r[4 * i + 1] - r[4 * i + 2] - r[4 * i + 3];
                }
                for (int k = 0; k < 4; k++) {
                    float value = bias ? z[k] + bias[c0 + c] : z[k];
                    out[k][c] = accumulate ? out[k][c] + value : value;
                }
            }
        }
    }
}

/* The adjoint of the output transform, for the weight gradient: z = A dy A^T of each tile's 2 x 2
 * output gradient (zero past the map's edge), written as winograd_input writes v. */
static void SK_CLONE(winograd_output_adjoint)(ptrdiff_t height, ptrdiff_t width, ptrdiff_t channels, const float *dy,
                                              ptrdiff_t first, ptrdiff_t count, ptrdiff_t stride, float *z) {
    static const float zeros[SK_WINOGRAD_BLOCK];
    ptrdiff_t across = (width + 1) / 2, tiles = across * ((height + 1) / 2);
    for (ptrdiff_t t = first; t < first + count; t++) {
        ptrdiff_t b = t / tiles, oy = 2 * (t % tiles / across), ox = 2 * (t % across);
        for (ptrdiff_t c0 = 0; c0 < channels; c0 += SK_WINOGRAD_BLOCK) {
            ptrdiff_t n = channels - c0 < SK_WINOGRAD_BLOCK ? channels - c0 : SK_WINOGRAD_BLOCK;
            const float *g[4];
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    g[2 * i + j] = oy + i < height && ox + j < width
                                       ? dy + ((b * height + oy + i) * width + ox + j) * channels + c0 : zeros;
                }
            }
            float *out = z + t * channels + c0;
#pragma clang loop vectorize(assume_safety)
            for (ptrdiff_t c = 0; c < n; c++) {
                /* A = [1 0; 1 1; 1 -1; 0 -1]: rows A g, then (A g) A^T. */
                float r[8], u[16];
                for (int j = 0; j < 2; j++) {
                    r[j] = g[j][c];
                    r[2 + j] = g[j][c] + g[2 + j][c];
                    r[4 + j] = g[j][c] - g[2 + j][c];
                    r[6 + j] = -g[2 + j][c];
                }
                for (int i = 0; i < 4; i++) {
                    u[4 * i] = r[2 * i];
                    u[4 * i + 1] = r[2 * i] + r[2 * i + 1];
                    u[4 * i + 2] = r[2 * i] - r[2 * i + 1];
                    u[4 * i + 3] = -r[2 * i + 1];
                }
                for (int e = 0; e < 16; e++) out[e * stride + c] = u[e];
            }
        }
    }
}

static const sk_table SK_CLONE(table) = {
    SK_CLONE(bias_silu), SK_CLONE(bias_silu_inference), SK_CLONE(multiply_blocks), SK_CLONE(silu_tangent_backward),
    SK_CLONE(add_bias), SK_CLONE(multiply), SK_CLONE(combine), SK_CLONE(scale_rows), SK_CLONE(sum),
    SK_CLONE(column_sums), SK_CLONE(perturb), SK_CLONE(dsm_residual), SK_CLONE(adam), SK_CLONE(average), SK_CLONE(exp),
    SK_CLONE(count_nonfinite), SK_CLONE(fill_normal), SK_CLONE(narrow_linear_silu), SK_CLONE(group_norm),
    SK_CLONE(group_norm_backward), SK_CLONE(winograd_input), SK_CLONE(winograd_output),
    SK_CLONE(winograd_output_adjoint),
};
