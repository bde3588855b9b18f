/// Denoising score matching (Vincent, 2011) on any Gaussian forward process, with the weighting
/// lambda = sigma_t^2 of NCSN and DDPM:
///
///     x_t = alpha_t x + sigma_t z,  z ~ N(0, I),   target grad log q(x_t | x) = -z / sigma_t
///     loss = mean_i 0.5 * sigma_i^2 * || s(x_t,i, t_i) + z_i / sigma_i ||^2 = mean_i 0.5 * || sigma_i s + z_i ||^2
///
/// With the noise parameterisation s = -eps_hat / sigma this is DDPM's loss 0.5 ||eps_hat - z||^2:
/// "predicting the noise" is DSM with the weight sigma^2. Variance exploding (alpha = 1) is
/// NCSN's objective.
///
/// `weighting` may scale each row's loss by a factor of its level (`LossWeighting.minSNR`).
///
/// Per step it draws, in this order, one uniform per row for its level
/// (`ForwardProcess.trainingLevel`) and then the batch's Gaussian noise row by row, so a seed fixes
/// the whole run. It keeps the batch's alphas and noise between `prepare` and `loss`.
public final class DenoisingScoreMatching: ScoreObjective {
    public let process: any ForwardProcess
    public let dimension: Int
    public let weighting: LossWeighting
    /// Rows the scratch holds.
    public private(set) var capacity = 0
    var alpha = FloatBuffer(count: 0)
    var noise = FloatBuffer(count: 0)

    public var name: String { weighting == .noiseVariance ? "dsm" : "dsm weighted \(weighting.name)" }
    public var tangentCount: Int { 0 }

    public init(process: any ForwardProcess, dimension: Int, weighting: LossWeighting = .noiseVariance) {
        self.process = process
        self.dimension = dimension
        self.weighting = weighting
    }

    /// NCSN's objective: variance-exploding noise with sigma drawn from `sigmas`.
    public convenience init(sigmas: SigmaDistribution, dimension: Int) {
        self.init(process: VarianceExploding(sigmas: sigmas), dimension: dimension)
    }

    public func reserve(rows: Int) {
        guard rows > capacity else { return }
        capacity = rows
        alpha = FloatBuffer(count: rows)
        noise = FloatBuffer(count: rows * dimension)
    }

    public func prepare(_ clean: Matrix, rows: Range<Int>, into batch: NetworkBatch, rng: inout RandomSource) {
        checkBatch(clean, rows: rows, dimension: dimension, into: batch)
        let d = dimension, first = rows.lowerBound, n = rows.count
        for i in 0..<clean.rows {
            let level = process.trainingLevel(uniform: rng.uniform())
            alpha[i] = Float(level.alpha)
            guard rows.contains(i) else { continue }
            batch.sigma[i - first] = Float(level.sigma)
            batch.time[i - first] = Float(level.time)
        }
        rng.fillNormal(noise.pointer, count: clean.rows * d)
        batch.outputScale.copy(from: batch.sigma)
        clean.elements.withUnsafeBufferPointer { x in
            Kernels.perturb(rows: n, columns: d, alpha: alpha.pointer + first, x.baseAddress! + first * d,
                            sigma: batch.sigma.pointer, noise.pointer + first * d, into: batch.points.pointer)
        }
    }

    public func loss(_ clean: Matrix, rows: Range<Int>, batch: NetworkBatch) -> Double {
        // residual r = sigma s + z; loss = 0.5 mean w ||r||^2; dL/ds = w sigma r / batch.
        let d = dimension, first = rows.lowerBound, scale = 1 / Float(clean.rows)
        guard weighting != .noiseVariance else {
            let total = Kernels.denoisingResidual(rows: rows.count, columns: d, sigma: batch.sigma.pointer, score: batch.score.pointer,
                                                  noise: noise.pointer + first * d, scale: scale, gradient: batch.scoreGradient.pointer)
            return 0.5 * total / Double(clean.rows)
        }
        var total = 0.0
        for i in 0..<rows.count {
            let w = weighting.factor(alpha: alpha[first + i], sigma: batch.sigma[i])
            total += Double(w) * Kernels.denoisingResidual(rows: 1, columns: d, sigma: batch.sigma.pointer + i, score: batch.score.pointer + i * d,
                                                           noise: noise.pointer + (first + i) * d, scale: w * scale,
                                                           gradient: batch.scoreGradient.pointer + i * d)
        }
        return 0.5 * total / Double(clean.rows)
    }
}
