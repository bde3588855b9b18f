/// Denoising score matching (Vincent, 2011) for variance-exploding Gaussian noise, with the
/// weighting lambda(sigma) = sigma^2 of NCSN:
///
///     x~ = x + sigma z,  z ~ N(0, I),   target grad log q(x~ | x) = -(x~ - x) / sigma^2 = -z / sigma
///     loss = mean_i 0.5 * sigma_i^2 * || s(x~_i, sigma_i) + z_i / sigma_i ||^2
///          = mean_i 0.5 * || sigma_i s(x~_i, sigma_i) + z_i ||^2
///
/// Per step it draws, in this order, one sigma per row (`SigmaDistribution.fill`) and then
/// the batch's Gaussian noise row by row, so a seed fixes the whole run.
/// It owns its per-batch scratch, allocated once for `capacity` rows.
public final class DenoisingScoreMatching: ScoreObjective {
    public let sigmas: SigmaDistribution
    public let dimension: Int
    public let capacity: Int
    let sigma: FloatBuffer
    let noise: FloatBuffer
    let perturbed: FloatBuffer
    let scoreGradient: FloatBuffer

    public var name: String { "dsm" }
    public var tangentCount: Int { 0 }

    public init(sigmas: SigmaDistribution, dimension: Int, capacity: Int) {
        precondition(sigmas.problem == nil, "DenoisingScoreMatching: \(sigmas.problem!)")
        self.sigmas = sigmas
        self.dimension = dimension
        self.capacity = capacity
        sigma = FloatBuffer(count: capacity)
        noise = FloatBuffer(count: capacity * dimension)
        perturbed = FloatBuffer(count: capacity * dimension)
        scoreGradient = FloatBuffer(count: capacity * dimension)
    }

    /// The loss on `batch` clean rows `x` ([batch, d]) with fresh noise from `rng`, and its
    /// gradient with respect to every parameter, written to `workspace.gradients`.
    /// Returns the loss in Double (NaN or infinite if the network blew up; the caller checks).
    public func lossAndGradients(model: ScoreMLP, x: UnsafePointer<Float>, batch: Int,
                                 workspace: MLPWorkspace, rng: inout RandomSource) -> Double {
        precondition(batch >= 1 && batch <= capacity, "DenoisingScoreMatching: batch \(batch) outside 1...\(capacity)")
        precondition(model.configuration.dimension == dimension, "DenoisingScoreMatching: model dimension mismatch")
        let d = dimension
        sigmas.fill(sigma.pointer, count: batch, rng: &rng)
        rng.fillNormal(noise.pointer, count: batch * d)
        let s = sigma.pointer, z = noise.pointer, xt = perturbed.pointer
        for i in 0..<batch {
            for j in 0..<d { xt[i * d + j] = x[i * d + j] + s[i] * z[i * d + j] }
        }
        model.forward(x: xt, sigma: s, batch: batch, workspace: workspace)
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
