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
/// Per step it draws, in this order, one uniform per row for its level
/// (`ForwardProcess.trainingLevel`) and then the batch's Gaussian noise row by row, so a seed fixes
/// the whole run. It owns its per-batch scratch, sized by `reserve(rows:)`.
public final class DenoisingScoreMatching: ScoreObjective {
    public let process: any ForwardProcess
    public let dimension: Int
    /// Rows the scratch holds.
    public private(set) var capacity = 0
    var sigma = FloatBuffer(count: 0)
    var alpha = FloatBuffer(count: 0)
    var time = FloatBuffer(count: 0)
    var noise = FloatBuffer(count: 0)
    var perturbed = FloatBuffer(count: 0)
    var scoreGradient = FloatBuffer(count: 0)

    public var name: String { "dsm" }
    public var tangentCount: Int { 0 }

    public init(process: any ForwardProcess, dimension: Int) {
        self.process = process
        self.dimension = dimension
    }

    /// NCSN's objective: variance-exploding noise with sigma drawn from `sigmas`.
    public convenience init(sigmas: SigmaDistribution, dimension: Int) {
        self.init(process: VarianceExploding(sigmas: sigmas), dimension: dimension)
    }

    public func reserve(rows: Int) {
        guard rows > capacity else { return }
        capacity = rows
        sigma = FloatBuffer(count: rows)
        alpha = FloatBuffer(count: rows)
        time = FloatBuffer(count: rows)
        noise = FloatBuffer(count: rows * dimension)
        perturbed = FloatBuffer(count: rows * dimension)
        scoreGradient = FloatBuffer(count: rows * dimension)
    }

    public func lossAndGradients(model: ScoreMLP, batch clean: Matrix, rows: Range<Int>, workspace: MLPWorkspace,
                                 rng: inout RandomSource) -> Double {
        let batch = clean.rows, d = dimension
        precondition(batch >= 1 && clean.columns == d, "DenoisingScoreMatching: batch of \(batch) x \(clean.columns), expected rows of \(d)")
        precondition(model.configuration.dimension == dimension, "DenoisingScoreMatching: model dimension mismatch")
        precondition(!rows.isEmpty && rows.clamped(to: 0..<batch) == rows, "DenoisingScoreMatching: rows \(rows) of a batch of \(batch)")
        reserve(rows: batch)
        for i in 0..<batch {
            let level = process.trainingLevel(uniform: rng.uniform())
            sigma[i] = Float(level.sigma)
            alpha[i] = Float(level.alpha)
            time[i] = Float(level.time)
        }
        rng.fillNormal(noise.pointer, count: batch * d)
        let first = rows.lowerBound, n = rows.count
        let s = sigma.pointer + first, a = alpha.pointer + first, z = noise.pointer + first * d, xt = perturbed.pointer
        clean.elements.withUnsafeBufferPointer { x in
            Kernels.perturb(rows: n, columns: d, alpha: a, x.baseAddress! + first * d, sigma: s, z, into: xt)
        }
        model.forward(x: xt, sigma: s, time: time.pointer + first, batch: n, workspace: workspace)
        // residual r = sigma s + z; loss = 0.5 mean ||r||^2; dL/ds = sigma r / batch.
        let total = Kernels.denoisingResidual(rows: n, columns: d, sigma: s, score: workspace.score.pointer,
                                              noise: z, scale: 1 / Float(batch), gradient: scoreGradient.pointer)
        model.backward(scoreGradient: scoreGradient.pointer, workspace: workspace)
        return 0.5 * total / Double(batch)
    }
}
