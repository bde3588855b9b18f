/// Denoising score matching with any corruption, the tutorial's recipe taken literally:
///
///     x~ ~ k_sigma(. | x),   loss = mean_i 0.5 sigma_i^2 || s(x~_i, sigma_i) - grad log k_sigma_i(x~_i | x_i) ||^2
///
/// The weight is sigma^2 under either `scaling`: the target's variance is about 1 / sigma^2 for
/// every corruption here (1 / (rho sigma)^2 for the noisy contraction), and its inverse evens out
/// the target's noise across levels. `scaling` only sets what the network divides its output by.
/// with the kernel's conditional score as the target (0 where the kernel defines none, as on the
/// uniform box's edges). Whether the minimiser is the perturbed density's score depends on Vincent's
/// identity holding for the kernel (`DenoisingIdentityCheck`). For Gaussian noise this is
/// `DenoisingScoreMatching`, which draws its noise in bulk and is the one to train with.
/// Per call it draws, in order, one sigma per row, then the noise row by row. A corruption
/// without a conditional score (a deterministic degradation) gives DSM nothing to regress onto
/// and is refused.
public final class KernelDenoisingScoreMatching: ScoreObjective {
    public let kernel: any Corruption
    public let sigmas: SigmaDistribution
    public let scaling: ScoreScaling
    public let dimension: Int
    public let capacity: Int
    let sigma: FloatBuffer
    let scale: FloatBuffer
    let perturbed: FloatBuffer
    let target: FloatBuffer
    let scoreGradient: FloatBuffer

    public init(kernel: any Corruption, sigmas: SigmaDistribution, scaling: ScoreScaling = .noiseLevel, dimension: Int, capacity: Int) {
        precondition(sigmas.problem == nil, "KernelDenoisingScoreMatching: \(sigmas.problem!)")
        precondition(kernel.hasConditionalScore, "KernelDenoisingScoreMatching: \(kernel.name) has no conditional score to regress onto")
        self.kernel = kernel
        self.sigmas = sigmas
        self.scaling = scaling
        self.dimension = dimension
        self.capacity = capacity
        sigma = FloatBuffer(count: capacity)
        scale = FloatBuffer(count: capacity)
        perturbed = FloatBuffer(count: capacity * dimension)
        target = FloatBuffer(count: capacity * dimension)
        scoreGradient = FloatBuffer(count: capacity * dimension)
    }

    public var name: String { "dsm-\(kernel.name)" }
    public var tangentCount: Int { 0 }

    public func lossAndGradients(model: ScoreMLP, x: UnsafePointer<Float>, batch: Int,
                                 workspace: MLPWorkspace, rng: inout RandomSource) -> Double {
        precondition(batch >= 1 && batch <= capacity, "KernelDenoisingScoreMatching: batch \(batch) outside 1...\(capacity)")
        let d = dimension, s = sigma.pointer, tau = scale.pointer, xt = perturbed.pointer, t = target.pointer
        sigmas.fill(s, count: batch, rng: &rng)
        for i in 0..<batch {
            kernel.corrupt(x + i * d, dimension: d, sigma: s[i], into: xt + i * d, target: t + i * d, rng: &rng)
            tau[i] = scaling.scale(of: kernel, at: s[i])
        }
        model.forward(x: xt, sigma: s, scale: tau, batch: batch, workspace: workspace)
        let score = workspace.score.pointer, grad = scoreGradient.pointer
        var total = 0.0
        for i in 0..<batch {
            let w = s[i] * s[i] / Float(batch)
            for j in 0..<d {
                let r = score[i * d + j] - t[i * d + j]
                total += 0.5 * Double(w) * Double(r) * Double(r)
                grad[i * d + j] = w * r
            }
        }
        model.backward(scoreGradient: grad, workspace: workspace)
        return total
    }
}
