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
/// the whole run. It owns its per-batch scratch, allocated once for `capacity` rows.
public final class DenoisingScoreMatching: ScoreObjective {
    public let process: any ForwardProcess
    public let dimension: Int
    public let capacity: Int
    let sigma: FloatBuffer
    let alpha: FloatBuffer
    let time: FloatBuffer
    let noise: FloatBuffer
    let perturbed: FloatBuffer
    let scoreGradient: FloatBuffer

    public var name: String { "dsm" }
    public var tangentCount: Int { 0 }

    public init(process: any ForwardProcess, dimension: Int, capacity: Int) {
        self.process = process
        self.dimension = dimension
        self.capacity = capacity
        sigma = FloatBuffer(count: capacity)
        alpha = FloatBuffer(count: capacity)
        time = FloatBuffer(count: capacity)
        noise = FloatBuffer(count: capacity * dimension)
        perturbed = FloatBuffer(count: capacity * dimension)
        scoreGradient = FloatBuffer(count: capacity * dimension)
    }

    /// NCSN's objective: variance-exploding noise with sigma drawn from `sigmas`.
    public convenience init(sigmas: SigmaDistribution, dimension: Int, capacity: Int) {
        self.init(process: VarianceExploding(sigmas: sigmas), dimension: dimension, capacity: capacity)
    }

    /// The loss on `batch` clean rows `x` ([batch, d]) with fresh noise from `rng`, and its
    /// gradient with respect to every parameter, written to `workspace.gradients`.
    /// Returns the loss in Double (NaN or infinite if the network blew up; the caller checks).
    public func lossAndGradients(model: ScoreMLP, x: UnsafePointer<Float>, batch: Int,
                                 workspace: MLPWorkspace, rng: inout RandomSource) -> Double {
        precondition(batch >= 1 && batch <= capacity, "DenoisingScoreMatching: batch \(batch) outside 1...\(capacity)")
        precondition(model.configuration.dimension == dimension, "DenoisingScoreMatching: model dimension mismatch")
        let d = dimension
        for i in 0..<batch {
            let level = process.trainingLevel(uniform: rng.uniform())
            sigma[i] = Float(level.sigma)
            alpha[i] = Float(level.alpha)
            time[i] = Float(level.time)
        }
        rng.fillNormal(noise.pointer, count: batch * d)
        let s = sigma.pointer, a = alpha.pointer, z = noise.pointer, xt = perturbed.pointer
        for i in 0..<batch {
            for j in 0..<d { xt[i * d + j] = a[i] * x[i * d + j] + s[i] * z[i * d + j] }
        }
        model.forward(x: xt, sigma: s, time: time.pointer, batch: batch, workspace: workspace)
        // residual r = sigma s + z; loss = 0.5 mean ||r||^2; dL/ds = sigma r / batch.
        let score = workspace.score.pointer, grad = scoreGradient.pointer
        var total = 0.0
        let invBatch = 1 / Float(batch)
        for i in 0..<batch {
            for j in 0..<d {
                let r = s[i] * score[i * d + j] + z[i * d + j]
                total += Double(r) * Double(r)
                grad[i * d + j] = s[i] * r * invBatch
            }
        }
        model.backward(scoreGradient: grad, workspace: workspace)
        return 0.5 * total / Double(batch)
    }
}
