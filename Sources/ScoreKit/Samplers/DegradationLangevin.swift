/// Annealed Langevin dynamics along a `LinearDegradation`'s levels, the counterpart of
/// `AnnealedLangevin` for a process that contracts instead of adding noise:
///
///     start   x ~ N(m, (c_1^2 v + eta_1^2) I)         (moment-matched to the top level)
///     level i x <- m + (c_i / c_(i-1)) (x - m)         (carry the samples to the next contraction)
///             repeat T times: x <- x + (alpha_i / 2) s(x, sigma_i) + sqrt(alpha_i) z
///     alpha_i = epsilon tau_i^2,   tau_i^2 = c_i^2 l^2 + eta_i^2   (`LinearDegradation.outputScale`)
///
/// The step follows the variance of the level's finest structure (the data's finest variance
/// l^2, contracted and blurred), as the paper's alpha_i = epsilon' sigma_i^2 follows the noise
/// variance; with epsilon = 0.05 both take the same step relative to their level's scale.
/// Unlike a noise ladder, the top level is no known prior: without noise it is the data shrunk
/// by c_1, and the Gaussian start is only its first two moments. Every level of a pure
/// contraction is the same density up to scale, so the chain amounts to Langevin on the data
/// density itself from that Gaussian start.
public struct DegradationLangevin: ScoreSampler, Sendable {
    public var degradation: LinearDegradation
    /// Levels, largest (most contracted) first.
    public var sigmas: [Float]
    public var stepsPerLevel: Int
    public var epsilon: Double

    public init(degradation: LinearDegradation, sigmas: [Float], stepsPerLevel: Int = 100, epsilon: Double = 0.05) {
        precondition(!sigmas.isEmpty, "DegradationLangevin: need at least one level")
        for sigma in sigmas { _ = degradation.contraction(at: Double(sigma)) }
        precondition(stepsPerLevel >= 1 && epsilon > 0, "DegradationLangevin: steps per level and epsilon must be positive")
        self.degradation = degradation
        self.sigmas = sigmas
        self.stepsPerLevel = stepsPerLevel
        self.epsilon = epsilon
    }

    public var name: String { "degradation-langevin" }

    /// Score evaluations per chain.
    public var totalSteps: Int { sigmas.count * stepsPerLevel }

    /// Draws `count` samples with `score` as s(x, sigma). `progress` gets (steps done, all steps).
    public func sample(count: Int, score: some ScoreFunction, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> SamplerRun {
        let d = score.dimension, m = degradation.center.map(Float.init)
        precondition(m.count == d, "DegradationLangevin: the degradation has \(m.count) coordinates, the score \(d)")
        var chains = Chains(count: count, dimension: d)
        let top = Double(sigmas[0]), c1 = degradation.contraction(at: top), eta1 = degradation.noise(at: top)
        chains.startGaussian(standardDeviation: (c1 * c1 * degradation.dataVariance + eta1 * eta1).squareRoot(), rng: &rng)
        for i in chains.x.elements.indices { chains.x.elements[i] += m[i % d] }
        var previous = c1, done = 0
        for sigma in sigmas {
            let c = degradation.contraction(at: Double(sigma)), tau = degradation.outputScale(at: Double(sigma))
            let ratio = Float(c / previous)
            for i in chains.x.elements.indices { chains.x.elements[i] = m[i % d] + ratio * (chains.x.elements[i] - m[i % d]) }
            previous = c
            let alpha = Float(epsilon * tau * tau)
            for _ in 0..<stepsPerLevel {
                AnnealedLangevin.step(&chains, score: score, at: NoiseLevel(sigma: Double(sigma)), alpha: alpha, rng: &rng)
                done += 1
                progress?(done, totalSteps)
            }
        }
        return SamplerRun(samples: chains.x, evaluations: totalSteps)
    }
}
