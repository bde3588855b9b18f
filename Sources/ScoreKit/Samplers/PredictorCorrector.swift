/// Predictor-corrector sampling (Song et al. 2021, Algorithms 2 and 3) on any Gaussian process:
/// at each of `steps` levels, first `correctorSteps` Langevin corrector steps at that level, then
/// the reverse-diffusion predictor to the next level, in score_sde's order. The corrector's step
/// size follows the signal-to-noise rule
///
///     eps = 2 r (snr ||z|| / ||s||)^2,   x <- x + eps s + sqrt(2 eps) z,
///
/// with the norms averaged over the chains and r = (alpha_t / alpha_next)^2 (1 - beta_t for VP,
/// 1 for VE). Ends with Tweedie's denoising step (on by default).
/// NFE: steps (1 + correctorSteps) - 1 + (1 with the denoising step).
public struct PredictorCorrector: Sampler, Sendable {
    public let process: any ForwardProcess
    public let steps: Int
    public let correctorSteps: Int
    public let snr: Double
    public let denoise: Bool

    public init(process: any ForwardProcess, steps: Int? = nil, correctorSteps: Int = 1, snr: Double = 0.16, denoise: Bool = true) throws {
        let count = try levelCount(steps, on: process)
        guard correctorSteps >= 1 else { throw SamplerError("corrector steps must be at least 1, got \(correctorSteps)") }
        guard snr > 0 && snr.isFinite else { throw SamplerError("snr must be positive, got \(snr)") }
        self.process = process
        self.steps = count
        self.correctorSteps = correctorSteps
        self.snr = snr
        self.denoise = denoise
    }

    public var name: String { "pc" }

    public func sample(count: Int, score: some ScoreFunction, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> SamplerRun {
        let levels = process.timeGrid(count: steps).map { process.level(at: $0) }
        var chains = Chains(count: count, dimension: score.dimension)
        chains.startGaussian(standardDeviation: process.priorStandardDeviation, rng: &rng)
        let total = (steps - 1) * (1 + correctorSteps) + (denoise ? 1 : 0)
        var done = 0
        for i in 0..<(steps - 1) {
            let step = ReverseDiffusionStep(from: levels[i], to: levels[i + 1])
            for _ in 0..<correctorSteps {
                chains.evaluate(score, at: levels[i])
                chains.drawNoise(rng: &rng)
                let ratio = (chains.z.meanRowNorm / max(chains.s.meanRowNorm, 1e-30))
                let eps = 2 * step.a * step.a * (snr * ratio) * (snr * ratio)
                chains.update(x: 1, score: eps, noise: (2 * eps).squareRoot())
                done += 1
                progress?(done, total)
            }
            let (a, b, c) = step.ancestral(largeVariance: true)
            chains.evaluate(score, at: levels[i])
            chains.drawNoise(rng: &rng)
            chains.update(x: a, score: b, noise: c)
            done += 1
            progress?(done, total)
        }
        if denoise {
            chains.denoise(score, at: levels[steps - 1])
            progress?(total, total)
        }
        return SamplerRun(samples: chains.x, evaluations: total)
    }
}

extension Matrix {
    /// The mean over rows of each row's Euclidean norm.
    var meanRowNorm: Double {
        var total = 0.0
        for r in 0..<rows {
            var square = 0.0
            for c in 0..<columns { square += Double(elements[r * columns + c]) * Double(elements[r * columns + c]) }
            total += square.squareRoot()
        }
        return total / Double(max(rows, 1))
    }
}
