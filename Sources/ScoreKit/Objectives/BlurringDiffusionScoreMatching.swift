/// Denoising score matching on `BlurringDiffusion`, with DDPM's weighting sigma_t^2:
///
///     k ~ U{1...T},   x_t = alpha_t B_t x_0 + sigma_t z,   loss = mean_i 0.5 || sigma_i s(x_t,i, t_i) + z_i ||^2
///
/// The kernel is Gaussian with covariance sigma_t^2 I, so the target is -z / sigma_t as for
/// `DenoisingScoreMatching` on the same chain, which draws the levels and the noise and scores
/// the output here: only the mean differs, blurred by B_t. With the noise parameterisation
/// s = -eps_hat / sigma the loss is 0.5 ||eps_hat - z||^2, Hoogeboom and Salimans' epsilon loss.
/// A seed draws the same levels and noise as DDPM's DSM.
public final class BlurringDiffusionScoreMatching: ScoreObjective {
    public let process: BlurringDiffusion
    /// DSM on the process's chain: its draws, its alpha_t x_0 + sigma_t z replaced here, and its loss.
    let denoising: DenoisingScoreMatching
    /// Rows the scratch holds.
    public private(set) var capacity = 0
    /// B_t x_0 of the batch's rows, and the cosine transform's two buffers.
    var blurred = FloatBuffer(count: 0)
    var frequencies = FloatBuffer(count: 0)
    var scratch = FloatBuffer(count: 0)

    /// `weighting` weighs the levels as on the chain (`LossWeighting`, from the chain's alpha_t and sigma_t).
    public init(process: BlurringDiffusion, weighting: LossWeighting = .noiseVariance) {
        self.process = process
        denoising = DenoisingScoreMatching(process: process.chain, dimension: process.shape.pixels, weighting: weighting)
    }

    public var name: String { denoising.name }
    public var tangentCount: Int { 0 }

    public func reserve(rows: Int) {
        denoising.reserve(rows: rows)
        guard rows > capacity else { return }
        capacity = rows
        let size = rows * process.shape.pixels
        blurred = FloatBuffer(count: size)
        frequencies = FloatBuffer(count: size)
        scratch = FloatBuffer(count: size)
    }

    public func prepare(_ clean: Matrix, rows: Range<Int>, into batch: NetworkBatch, rng: inout RandomSource) {
        reserve(rows: clean.rows)
        denoising.prepare(clean, rows: rows, into: batch, rng: &rng)
        let d = process.shape.pixels, first = rows.lowerBound, n = rows.count
        // Each row's grid time k / T, recovered exactly from the batch's single-precision copy.
        clean.elements.withUnsafeBufferPointer { x in
            process.blur(count: n, x.baseAddress! + first * d, blurTime: { process.blurTime(at: process.level(at: Double(batch.time[$0])).time) },
                         into: blurred.pointer, frequencies: frequencies.pointer, scratch: scratch.pointer)
        }
        Kernels.perturb(rows: n, columns: d, alpha: denoising.alpha.pointer + first, blurred.pointer, sigma: batch.sigma.pointer,
                        denoising.noise.pointer + first * d, into: batch.points.pointer)
    }

    public func loss(_ clean: Matrix, rows: Range<Int>, batch: NetworkBatch) -> Double {
        denoising.loss(clean, rows: rows, batch: batch)
    }
}
