/// Annealed Langevin dynamics, Song and Ermon (2019), Algorithm 1, in the paper's convention:
///
///     for each level sigma_i (descending), alpha_i = eps * sigma_i^2 / sigma_L^2,
///     repeat T times:  x <- x + (alpha_i / 2) * s(x, sigma_i) + sqrt(alpha_i) * z,  z ~ N(0, I)
///
/// starting from x ~ N(0, sigma_1^2 I). With `denoise`, a last Tweedie step
/// x <- x + sigma_L^2 s(x, sigma_L) removes the remaining sigma_L noise (Jolicoeur-Martineau
/// et al., 2021). All N chains move together as one batch; nothing is allocated per step.
public struct AnnealedLangevin: ScoreSampler, Sendable {
    /// Noise levels, largest first.
    public var sigmas: [Float]
    public var stepsPerLevel: Int
    public var epsilon: Float
    public var denoise: Bool

    public init(sigmas: [Float], stepsPerLevel: Int = 100, epsilon: Float = 2e-5, denoise: Bool = false) {
        precondition(!sigmas.isEmpty && sigmas.allSatisfy { $0 > 0 && $0.isFinite }, "AnnealedLangevin: sigmas must be positive")
        precondition(stepsPerLevel >= 1, "AnnealedLangevin: at least one step per level")
        precondition(epsilon > 0 && epsilon.isFinite, "AnnealedLangevin: epsilon must be positive")
        self.sigmas = sigmas
        self.stepsPerLevel = stepsPerLevel
        self.epsilon = epsilon
        self.denoise = denoise
    }

    /// The NCSN schedule: `levels` sigmas geometric from `sigmaMax` down to `sigmaMin`.
    public init(sigmaMax: Float, sigmaMin: Float, levels: Int = 10, stepsPerLevel: Int = 100,
                epsilon: Float = 2e-5, denoise: Bool = false) {
        self.init(sigmas: geometricLevels(from: sigmaMax, to: sigmaMin, count: levels),
                  stepsPerLevel: stepsPerLevel, epsilon: epsilon, denoise: denoise)
    }

    /// alpha_i = eps * sigma_i^2 / sigma_L^2 for each level: the step follows the level's noise variance.
    public var stepSizes: [Float] {
        let last = sigmas[sigmas.count - 1]
        return sigmas.map { epsilon * ($0 / last) * ($0 / last) }
    }

    /// Score evaluations per chain.
    public var totalSteps: Int { sigmas.count * stepsPerLevel + (denoise ? 1 : 0) }

    public var name: String { "annealed-langevin" }

    /// Draws `count` samples. `progress` is called after each step with (steps done, total steps).
    /// The levels are bare sigmas: the score must be sigma-conditioned (or exact).
    public func sample(count: Int, score: some ScoreFunction, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> SamplerRun {
        var chains = Chains(count: count, dimension: score.dimension)
        chains.startGaussian(standardDeviation: Double(sigmas[0]), rng: &rng)
        var done = 0
        for (sigma, alpha) in zip(sigmas, stepSizes) {
            for _ in 0..<stepsPerLevel {
                Self.step(&chains, score: score, at: NoiseLevel(sigma: Double(sigma)), alpha: alpha, rng: &rng)
                done += 1
                progress?(done, totalSteps)
            }
        }
        if denoise {
            chains.denoise(score, at: NoiseLevel(sigma: Double(sigmas[sigmas.count - 1])))
            done += 1
            progress?(done, totalSteps)
        }
        return SamplerRun(samples: chains.x, evaluations: totalSteps)
    }

    /// One unadjusted Langevin step for all chains at once, x <- x + (alpha / 2) s(x, level) + sqrt(alpha) z.
    static func step(_ chains: inout Chains, score: some ScoreFunction, at level: NoiseLevel, alpha: Float, rng: inout RandomSource) {
        chains.evaluate(score, at: level)
        chains.drawNoise(rng: &rng)
        chains.update(x: 1, score: Double(alpha / 2), noise: Double(alpha.squareRoot()))
    }
}
