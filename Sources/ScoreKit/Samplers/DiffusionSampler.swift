/// Ancestral sampling (DDPM, Ho et al. 2020) and DDIM (Song, Meng and Ermon 2021) along any
/// Gaussian forward process: start from the prior at t = 1, then step through `steps` levels
/// t_1 = 1 > ... > t_S = earliest time with `ReverseDiffusionStep`, and end with Tweedie's
/// denoising step at t_S (on by default; DDIM's own last step to t = 0 is that same x0_hat).
/// On a discrete chain the levels are S of its T steps (all T by default), the respacing of
/// Nichol and Dhariwal (2021); on a continuous process, S evenly spaced times. NFE: S, or S - 1
/// without the denoising step.
public struct DiffusionSampler: Sampler, Sendable {
    public enum Rule: Sendable, Equatable {
        /// DDPM's ancestral step with the posterior variance beta_t (large) or beta-tilde_t (small).
        case ancestral(largeVariance: Bool)
        /// DDIM with eta in [0, 1].
        case ddim(eta: Double)
    }

    public let process: any ForwardProcess
    public let rule: Rule
    public let steps: Int
    public let denoise: Bool

    /// Refuses (with a reason) steps < 2, more steps than a chain has, and eta outside [0, 1].
    public init(process: any ForwardProcess, rule: Rule, steps: Int? = nil, denoise: Bool = true) throws {
        let count = try levelCount(steps, on: process)
        if case let .ddim(eta) = rule, !(0...1).contains(eta) { throw SamplerError("eta must lie in [0, 1], got \(eta)") }
        self.process = process
        self.rule = rule
        self.steps = count
        self.denoise = denoise
    }

    public var name: String {
        switch rule {
        case .ancestral(true): return "ddpm"
        case .ancestral(false): return "ddpm-small"
        case let .ddim(eta): return eta == 0 ? "ddim" : "ddim-eta\(eta)"
        }
    }

    public func sample(count: Int, score: some ScoreFunction, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> SamplerRun {
        let levels = process.timeGrid(count: steps).map { process.level(at: $0) }
        var chains = Chains(count: count, dimension: score.dimension)
        chains.startGaussian(standardDeviation: process.priorStandardDeviation, rng: &rng)
        let total = steps - 1 + (denoise ? 1 : 0)
        for i in 0..<(steps - 1) {
            let step = ReverseDiffusionStep(from: levels[i], to: levels[i + 1])
            let (a, b, c) = switch rule {
            case let .ancestral(large): step.ancestral(largeVariance: large)
            case let .ddim(eta): step.ddim(eta: eta)
            }
            chains.evaluate(score, at: levels[i])
            if c > 0 { chains.drawNoise(rng: &rng) }
            chains.update(x: a, score: b, noise: c)
            progress?(i + 1, total)
        }
        if denoise {
            chains.denoise(score, at: levels[steps - 1])
            progress?(total, total)
        }
        return SamplerRun(samples: chains.x, evaluations: total)
    }
}
