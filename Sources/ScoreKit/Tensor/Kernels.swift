import CKernels

/// Elementwise and reduction kernels over row-major blocks, each one pass over memory: the only
/// door to the C target `CKernels`, as `BLAS` is to OpenBLAS.
///
/// Every kernel is compiled once per instruction set (AVX-512, AVX2 with FMA, and the baseline)
/// and the widest the CPU runs is called (`InstructionSet.active`). The clones agree to a few ulp,
/// not bit for bit: fused multiply-adds round once where the baseline rounds twice. On one
/// machine and clone, the same inputs give the same bytes.
///
/// Functions take raw pointers and sizes so the network runs them on its preallocated buffers.
package enum Kernels {
    /// For a `rows x columns` block: pre += bias (broadcast over rows), then
    /// out = SiLU(pre) and slope = SiLU'(pre) = s (1 + pre (1 - s)) with s = sigmoid(pre).
    ///
    /// `slope` is what backpropagation multiplies the incoming gradient by, so the
    /// backward pass never recomputes an exponential. sigmoid uses `exp`'s method.
    package static func biasSiLU(
        rows: Int, columns: Int,
        pre: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
        out: UnsafeMutablePointer<Float>, slope: UnsafeMutablePointer<Float>
    ) {
        sk_bias_silu(rows, columns, pre, bias, out, slope, nil)
    }

    /// `biasSiLU` that also writes curvature = SiLU''(pre) = s (1 - s) (2 + pre (1 - 2 s)),
    /// which backpropagation through a forward-mode tangent needs (d(slope)/d(pre)).
    package static func biasSiLU(
        rows: Int, columns: Int,
        pre: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
        out: UnsafeMutablePointer<Float>, slope: UnsafeMutablePointer<Float>,
        curvature: UnsafeMutablePointer<Float>
    ) {
        sk_bias_silu(rows, columns, pre, bias, out, slope, curvature)
    }

    /// Tangents through an activation: for each of `blocks` consecutive `count`-element blocks
    /// of `tangents`, out_m = tangents_m * slope (the same `slope` block for every m).
    package static func multiplyBlocks(count: Int, blocks: Int, _ tangents: UnsafePointer<Float>,
                                      by slope: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        sk_multiply_blocks(count, blocks, tangents, slope, out)
    }

    /// Backpropagation through h = SiLU(pre) and t_m = SiLU'(pre) * tpre_m, in place.
    /// On entry `gradient` holds [dL/dh; dL/dt_1; ...; dL/dt_M] (blocks of `count` elements); on
    /// exit [dL/dpre; dL/dtpre_1; ...], where
    ///     dL/dpre    = dL/dh * slope + curvature * sum_m dL/dt_m * tpre_m
    ///     dL/dtpre_m = dL/dt_m * slope.
    /// `tangentPre` holds [tpre_1; ...; tpre_M].
    package static func siluTangentBackward(count: Int, blocks: Int, gradient: UnsafeMutablePointer<Float>,
                                           tangentPre: UnsafePointer<Float>, slope: UnsafePointer<Float>,
                                           curvature: UnsafePointer<Float>) {
        sk_silu_tangent_backward(count, blocks, gradient, tangentPre, slope, curvature)
    }

    /// out = SiLU(pre + bias) for a `rows x columns` block, writing nothing else: the
    /// inference form of `biasSiLU`, for passes that will not be backpropagated.
    package static func biasSiLU(
        rows: Int, columns: Int,
        pre: UnsafePointer<Float>, bias: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>
    ) {
        sk_bias_silu_inference(rows, columns, pre, bias, out)
    }

    /// block += bias, broadcast over the rows of a `rows x columns` block.
    package static func addBias(rows: Int, columns: Int,
                               _ block: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>) {
        sk_add_bias(rows, columns, block, bias)
    }

    /// a *= b elementwise over `count` elements.
    package static func multiply(count: Int, _ a: UnsafeMutablePointer<Float>, by b: UnsafePointer<Float>) {
        sk_multiply(count, a, b)
    }

    /// y = a y + (b x + c z) over `count` elements: every sampler's update (the Langevin step is
    /// a = 1). With c = 0, z is not read.
    package static func combine(count: Int, _ y: UnsafeMutablePointer<Float>, _ a: Float,
                               _ x: UnsafePointer<Float>, _ b: Float, _ z: UnsafePointer<Float>, _ c: Float) {
        sk_combine(count, y, a, x, b, z, c)
    }

    /// Each row of a `rows x columns` block scaled by its own factor: block[r, :] *= factors[r].
    package static func scaleRows(rows: Int, columns: Int,
                                 _ block: UnsafeMutablePointer<Float>, by factors: UnsafePointer<Float>) {
        sk_scale_rows(rows, columns, block, factors)
    }

    /// The sum of `count` elements in sixteen interleaved partial sums, then added in Double.
    /// The order is fixed and the same in every clone (no products to fuse), so the result is
    /// reproducible across machines.
    package static func sum(count: Int, _ x: UnsafePointer<Float>) -> Double {
        sk_sum(count, x)
    }

    /// Group normalisation (then SiLU when `activation`) of `images` NHWC maps of `positions` rows
    /// of `channels`, writing y, x_hat and 1 / sqrt(var + 1e-5) per image and group; see
    /// `GroupNormalization`.
    package static func groupNorm(images: Int, positions: Int, channels: Int, groups: Int, _ x: UnsafePointer<Float>,
                                  gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, activation: Bool,
                                  into y: UnsafeMutablePointer<Float>, normalized: UnsafeMutablePointer<Float>,
                                  inverseDeviation: UnsafeMutablePointer<Float>) {
        sk_group_norm(images, positions, channels, groups, x, gamma, beta, activation ? 1 : 0, y, normalized, inverseDeviation)
    }

    /// Its backward pass from dL/dy: writes each image's dL/dgamma and dL/dbeta ([images, channels]
    /// each, summed over the image's positions in Float), adds dL/dx to `inputGradient`.
    package static func groupNormBackward(images: Int, positions: Int, channels: Int, groups: Int, _ dy: UnsafePointer<Float>,
                                          normalized: UnsafePointer<Float>, inverseDeviation: UnsafePointer<Float>,
                                          gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, activation: Bool,
                                          imageGammaGradients: UnsafeMutablePointer<Float>, imageBetaGradients: UnsafeMutablePointer<Float>,
                                          inputGradient: UnsafeMutablePointer<Float>) {
        sk_group_norm_backward(images, positions, channels, groups, dy, normalized, inverseDeviation, gamma, beta,
                               activation ? 1 : 0, imageGammaGradients, imageBetaGradients, inputGradient)
    }

    /// Winograd F(2x2, 3x3) input tiles of an NHWC map: B^T d B of tiles first ..< first + count,
    /// element e of tile t at v[e * stride + t * channels + c]; see `WinogradConvolution`.
    package static func winogradInput(height: Int, width: Int, channels: Int, _ x: UnsafePointer<Float>,
                                      tiles: Range<Int>, stride: Int, into v: UnsafeMutablePointer<Float>) {
        sk_winograd_input(height, width, channels, x, tiles.lowerBound, tiles.count, stride, v)
    }

    /// Its output transform A^T m A, plus `bias` when given, written to the tiles' positions of
    /// the map y, or added to them with `accumulate`.
    package static func winogradOutput(height: Int, width: Int, channels: Int, _ m: UnsafePointer<Float>,
                                       tiles: Range<Int>, stride: Int, bias: UnsafePointer<Float>?, accumulate: Bool,
                                       into y: UnsafeMutablePointer<Float>) {
        sk_winograd_output(height, width, channels, m, tiles.lowerBound, tiles.count, stride, bias, accumulate ? 1 : 0, y)
    }

    /// The output transform's adjoint A dy A^T of each tile's 2 x 2 gradient, written as
    /// `winogradInput` writes: the weight gradient's right-hand factors.
    package static func winogradOutputAdjoint(height: Int, width: Int, channels: Int, _ dy: UnsafePointer<Float>,
                                              tiles: Range<Int>, stride: Int, into z: UnsafeMutablePointer<Float>) {
        sk_winograd_output_adjoint(height, width, channels, dy, tiles.lowerBound, tiles.count, stride, z)
    }

    /// sums[c] = (accumulate ? sums[c] : 0) + sum over r of block[r, c]: the bias gradient.
    package static func columnSums(rows: Int, columns: Int, _ block: UnsafePointer<Float>,
                                  into sums: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        sk_column_sums(rows, columns, block, sums, accumulate ? 1 : 0)
    }

    /// out[r, :] = a[r] x[r, :] + s[r] z[r, :]: a forward process's draw x_t = alpha x_0 + sigma z.
    package static func perturb(rows: Int, columns: Int, alpha: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                               sigma: UnsafePointer<Float>, _ z: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        sk_perturb(rows, columns, alpha, x, sigma, z, out)
    }

    /// The DSM residual r = sigma[r] score[r, :] + z[r, :] per row: writes
    /// gradient = sigma[r] r scale and returns the sum of r^2 (accumulated in Double).
    package static func denoisingResidual(rows: Int, columns: Int, sigma: UnsafePointer<Float>,
                                         score: UnsafePointer<Float>, noise z: UnsafePointer<Float>,
                                         scale: Float, gradient: UnsafeMutablePointer<Float>) -> Double {
        sk_dsm_residual(rows, columns, sigma, score, z, scale, gradient)
    }

    /// One Adam step over `count` parameters, PyTorch's form (see `Adam`):
    /// m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, p -= stepSize m / (sqrt(v) / rootCorrection2 + eps).
    /// The square root is the correctly rounded vector instruction.
    package static func adam(count: Int, parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                            first: UnsafeMutablePointer<Float>, second: UnsafeMutablePointer<Float>,
                            beta1: Float, beta2: Float, stepSize: Float, rootCorrection2: Float, epsilon: Float) {
        sk_adam(count, parameters, gradients, first, second, beta1, beta2, stepSize, rootCorrection2, epsilon)
    }

    /// shadow = decay shadow + (1 - decay) parameters over `count` elements.
    package static func average(count: Int, _ shadow: UnsafeMutablePointer<Float>,
                               _ parameters: UnsafePointer<Float>, decay: Float) {
        sk_average(count, shadow, parameters, decay)
    }

    /// out = e^(scale x) elementwise; `out` may be `x`. The method of every exponential here
    /// (CKernels/FastMath.h): x = n ln2 + r, a degree-7 polynomial for e^r, 2^n in the exponent
    /// bits; relative error below 2e-7 for arguments in [-87.3, 88], clamped to that range
    /// (about 1.1755e-38 to 1.65e38) beyond it; NaN gives NaN.
    package static func exp(count: Int, _ x: UnsafePointer<Float>, scale: Float = 1, into out: UnsafeMutablePointer<Float>) {
        sk_exp(count, x, scale, out)
    }

    /// The most inputs `narrowLinearSiLU` takes.
    package static let narrowInputs = Int(SK_NARROW_INPUTS)

    /// out[r, :] = SiLU(bias + x[r, :] W[:, :inputs]^T) for `rows` rows of `inputs <= narrowInputs`
    /// values, W being [outputs, weightStride] row-major: a narrow layer's product, bias and
    /// activation in one pass, where OpenBLAS's GEMM runs far below its peak (the bench's products
    /// table gives the rates).
    package static func narrowLinearSiLU(rows: Int, outputs: Int, inputs: Int, _ x: UnsafePointer<Float>,
                                        weights: UnsafePointer<Float>, weightStride: Int, bias: UnsafePointer<Float>,
                                        into out: UnsafeMutablePointer<Float>) {
        precondition(inputs >= 0 && inputs <= narrowInputs && weightStride >= inputs,
                     "Kernels.narrowLinearSiLU: \(inputs) inputs (at most \(narrowInputs)), weight stride \(weightStride)")
        sk_narrow_linear_silu(rows, outputs, inputs, x, weights, weightStride, bias, out)
    }

    /// How many of `count` elements are NaN or infinite.
    package static func countNonFinite(count: Int, _ x: UnsafePointer<Float>) -> Int {
        sk_count_nonfinite(count, x)
    }

    /// `count` standard normals from the xoshiro256** generator with the four state words at
    /// `state` (advanced in place): see `RandomSource.fillNormal`.
    package static func fillNormal(state: UnsafeMutablePointer<UInt64>, count: Int, _ out: UnsafeMutablePointer<Float>) {
        sk_fill_normal(state, count, out)
    }

    /// The clone the kernels run on this thread.
    package static var instructionSet: InstructionSet { InstructionSet(sk_isa_active()) }

    /// Whether this build and CPU can run `set`'s clone.
    package static func supports(_ set: InstructionSet) -> Bool { sk_isa_supported(set.cValue) != 0 }

    /// Runs `body` with the calling thread's kernels in `set`'s clone (other threads keep theirs);
    /// nil, without running it, when the clone is not supported.
    package static func using<T>(_ set: InstructionSet, _ body: () throws -> T) rethrows -> T? {
        guard sk_isa_select(set.cValue) == 0 else { return nil }
        defer { sk_isa_reset() }
        return try body()
    }

    /// SCOREKIT_ISA's value when it named no clone this CPU runs (the widest was used instead).
    package static var ignoredRequest: String? { sk_isa_ignored_request().map { String(cString: $0) } }
}

extension InstructionSet {
    init(_ value: sk_isa) {
        switch value {
        case SK_ISA_AVX512: self = .avx512
        case SK_ISA_AVX2: self = .avx2
        default: self = .baseline
        }
    }

    var cValue: sk_isa {
        switch self {
        case .baseline: SK_ISA_BASELINE
        case .avx2: SK_ISA_AVX2
        case .avx512: SK_ISA_AVX512
        }
    }
}
