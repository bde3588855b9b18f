/// Predictor-corrector sampling (Song et al. 2021, Algorithms 2 and 3) on any Gaussian process,
/// composing any `Predictor` with any `Corrector`: at each level of the `Schedule` but the last,
/// first the corrector's `steps` moves at that level, then the predictor to the next level, in
/// score_sde's order; it ends with Tweedie's denoising step (on by default). The default pair is
/// score_sde's: the reverse-diffusion predictor (`DiffusionStep.ancestral(largeVariance: true)`)
/// and the `LangevinCorrector`. With S levels and c corrector moves, NFE: (S - 1)(1 + c), plus 1
/// with the denoising step.
public struct PredictorCorrector: ScoreSampler, Sendable {
    public let process: any ForwardProcess
    public let schedule: Schedule
    public let predictor: any Predictor
    public let corrector: any Corrector
    public let denoise: Bool

    public init(process: any ForwardProcess, schedule: Schedule, predictor: any Predictor = DiffusionStep.ancestral(largeVariance: true),
                corrector: any Corrector, denoise: Bool = true) {
        self.process = process
        self.schedule = schedule
        self.predictor = predictor
        self.corrector = corrector
        self.denoise = denoise
    }

    /// score_sde's pair on `steps` levels evenly spaced in time (`Schedule.uniform`), with
    /// `correctorSteps` Langevin moves of signal-to-noise `snr` per level.
    public init(process: any ForwardProcess, steps: Int? = nil, correctorSteps: Int = 1, snr: Double = 0.16, denoise: Bool = true) throws {
        try self.init(process: process, schedule: .uniform(process, count: steps),
                      corrector: LangevinCorrector(snr: snr, steps: correctorSteps), denoise: denoise)
    }

    public var name: String { "pc" }

    public func sample(count: Int, score: some ScoreFunction, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> SamplerRun {
        let levels = schedule.levels
        var chains = Chains(count: count, dimension: score.dimension)
        chains.startGaussian(standardDeviation: process.priorStandardDeviation, rng: &rng)
        let total = (levels.count - 1) * (1 + corrector.steps) + (denoise ? 1 : 0)
        var done = 0
        for i in 0..<(levels.count - 1) {
            for _ in 0..<corrector.steps {
                chains.evaluate(score, at: levels[i])
                chains.drawNoise(rng: &rng)
                let move = corrector.update(at: levels[i], next: levels[i + 1], score: chains.s, noise: chains.z)
                chains.update(x: move.x, score: move.score, noise: move.noise)
                done += 1
                progress?(done, total)
            }
            chains.predict(with: predictor, from: levels[i], to: levels[i + 1], score: score, rng: &rng)
            done += 1
            progress?(done, total)
        }
        if denoise {
            chains.denoise(score, at: levels[levels.count - 1])
            progress?(total, total)
        }
        return SamplerRun(samples: chains.x, evaluations: total)
    }
}
