/// Annealed Langevin dynamics, Song and Ermon (2019), Algorithm 1, in the paper's convention:
///
///     for each level sigma_i (descending), alpha_i = eps * sigma_i^2 / sigma_L^2,
///     repeat T times:  x <- x + (alpha_i / 2) * s(x, sigma_i) + sqrt(alpha_i) * z,  z ~ N(0, I)
///
/// starting from x ~ N(0, sigma_1^2 I). With `denoise`, a last Tweedie step
/// x <- x + sigma_L^2 s(x, sigma_L) removes the remaining sigma_L noise (Jolicoeur-Martineau
/// et al., 2021). All N chains move together as one batch; nothing is allocated per step.
public struct AnnealedLangevin: Sendable {
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

    /// Draws `count` samples. `progress` is called after each step with (steps done, total steps).
    public func sample(count: Int, score: some NoiseConditionalScore, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> Matrix {
        let d = score.dimension, n = count * d
        let x = FloatBuffer(count: n), s = FloatBuffer(count: n), z = FloatBuffer(count: n)
        rng.fillNormal(x.pointer, count: n)
        for i in 0..<n { x[i] *= sigmas[0] }
        let last = sigmas[sigmas.count - 1]
        var done = 0
        for (sigma, alpha) in zip(sigmas, stepSizes) {
            for _ in 0..<stepsPerLevel {
                Self.step(x, count: count, score: score, sigma: sigma, alpha: alpha, scores: s, noise: z, rng: &rng)
                done += 1
                progress?(done, totalSteps)
            }
        }
        if denoise {
            score.score(x: x.pointer, count: count, sigma: last, into: s.pointer)
            for i in 0..<n { x[i] += last * last * s[i] }
            done += 1
            progress?(done, totalSteps)
        }
        return Matrix(rows: count, columns: d, elements: x.array)
    }

    /// One unadjusted Langevin step for `count` chains at once,
    /// x <- x + (alpha / 2) s(x, sigma) + sqrt(alpha) z, with `scores` and `noise` as scratch.
    static func step(_ x: FloatBuffer, count: Int, score: some NoiseConditionalScore, sigma: Float, alpha: Float,
                     scores: FloatBuffer, noise: FloatBuffer, rng: inout RandomSource) {
        let n = count * score.dimension
        score.score(x: x.pointer, count: count, sigma: sigma, into: scores.pointer)
        rng.fillNormal(noise.pointer, count: n)
        Kernels.addScaled(count: n, x.pointer, alpha / 2, scores.pointer, alpha.squareRoot(), noise.pointer)
    }
}
