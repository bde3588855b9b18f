/// The reverse-time SDE of a continuous process (Anderson 1982; Song et al. 2021),
///
///     dx = [f(t) x - g(t)^2 s(x, t)] dt + g(t) dW-bar,   t from 1 down to the earliest time,
///
/// by Euler-Maruyama with `steps` equal steps h: x <- x - (f x - g^2 s) h + g sqrt(h) z, then
/// Tweedie's denoising step at the earliest time (on by default). NFE: steps (+1).
public struct ReverseSDE: Sampler, Sendable {
    public let process: any ContinuousProcess
    public let steps: Int
    public let denoise: Bool

    public init(process: any ContinuousProcess, steps: Int = 1000, denoise: Bool = true) throws {
        guard steps >= 1 else { throw SamplerError("steps must be at least 1, got \(steps)") }
        self.process = process
        self.steps = steps
        self.denoise = denoise
    }

    public var name: String { "reverse-sde" }

    public func sample(count: Int, score: some ScoreFunction, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> SamplerRun {
        var chains = Chains(count: count, dimension: score.dimension)
        chains.startGaussian(standardDeviation: process.priorStandardDeviation, rng: &rng)
        let h = (1 - process.earliestTime) / Double(steps), total = steps + (denoise ? 1 : 0)
        for i in 0..<steps {
            let t = 1 - Double(i) * h
            let (f, g) = process.sde(at: t)
            chains.evaluate(score, at: process.level(at: t))
            chains.drawNoise(rng: &rng)
            chains.update(x: 1 - f * h, score: g * g * h, noise: g * h.squareRoot())
            progress?(i + 1, total)
        }
        if denoise {
            chains.denoise(score, at: process.level(at: process.earliestTime))
            progress?(total, total)
        }
        return SamplerRun(samples: chains.x, evaluations: total)
    }
}
