/// The reverse-time SDE of a continuous process (Anderson 1982; Song et al. 2021),
///
///     dx = [f(t) x - g(t)^2 s(x, t)] dt + g(t) dW-bar,   t from 1 down to the earliest time,
///
/// by Euler-Maruyama (`EulerMaruyamaStep`) from each level of a `Schedule` to the next, then
/// Tweedie's denoising step at the last level (on by default). With S levels, NFE: S - 1 (+1).
public struct ReverseSDE: ScoreSampler, Sendable {
    public let process: any ContinuousProcess
    public let schedule: Schedule
    public let denoise: Bool

    public init(process: any ContinuousProcess, schedule: Schedule, denoise: Bool = true) {
        self.process = process
        self.schedule = schedule
        self.denoise = denoise
    }

    /// `steps` equal steps in time from 1 down to the earliest time (`Schedule.uniform` with
    /// `steps + 1` levels).
    public init(process: any ContinuousProcess, steps: Int = 1000, denoise: Bool = true) throws {
        guard steps >= 1 else { throw SamplerError("steps must be at least 1, got \(steps)") }
        try self.init(process: process, schedule: .uniform(process, count: steps + 1), denoise: denoise)
    }

    public var name: String { "reverse-sde" }

    public func sample(count: Int, score: some ScoreFunction, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> SamplerRun {
        let levels = schedule.levels, step = EulerMaruyamaStep(process: process)
        var chains = Chains(count: count, dimension: score.dimension)
        chains.startGaussian(standardDeviation: process.priorStandardDeviation, rng: &rng)
        let total = levels.count - 1 + (denoise ? 1 : 0)
        for i in 0..<(levels.count - 1) {
            chains.predict(with: step, from: levels[i], to: levels[i + 1], score: score, rng: &rng)
            progress?(i + 1, total)
        }
        if denoise {
            chains.denoise(score, at: levels[levels.count - 1])
            progress?(total, total)
        }
        return SamplerRun(samples: chains.x, evaluations: total)
    }
}
