/// Ancestral sampling (DDPM, Ho et al. 2020) and DDIM (Song, Meng and Ermon 2021) along any
/// Gaussian forward process: start from the prior at t = 1, then step through the levels of a
/// `Schedule` with one `DiffusionStep` each, and end with Tweedie's denoising step at the last
/// level (on by default; DDIM's own last step to t = 0 is that same x0_hat). With S levels, NFE
/// is S, or S - 1 without the denoising step. The uniform schedule on a discrete chain is the
/// respacing of Nichol and Dhariwal (2021).
///
/// With `clip`, every step goes through the denoised estimate x0_hat clipped to that range (the
/// data's known range, [-1, 1] for images), as the reference DDPM code samples images: the same
/// step where x0_hat lies inside it, and a bound on what an imperfect noise prediction can
/// accumulate over the chain where it does not.
public struct DiffusionSampler: ScoreSampler, Sendable {
    public let process: any ForwardProcess
    public let rule: DiffusionStep
    public let schedule: Schedule
    public let denoise: Bool
    public let clip: ClosedRange<Float>?

    /// Refuses eta outside [0, 1] and a clip range that is not finite.
    public init(process: any ForwardProcess, rule: DiffusionStep, schedule: Schedule, denoise: Bool = true,
                clip: ClosedRange<Float>? = nil) throws {
        if case let .ddim(eta) = rule, !(0...1).contains(eta) { throw SamplerError("eta must lie in [0, 1], got \(eta)") }
        if let clip, !(clip.lowerBound.isFinite && clip.upperBound.isFinite) { throw SamplerError("the clip range \(clip) must be finite") }
        self.process = process
        self.rule = rule
        self.schedule = schedule
        self.denoise = denoise
        self.clip = clip
    }

    /// On `steps` levels evenly spaced in time (`Schedule.uniform`: a chain's T steps, else 1000,
    /// by default).
    public init(process: any ForwardProcess, rule: DiffusionStep, steps: Int? = nil, denoise: Bool = true,
                clip: ClosedRange<Float>? = nil) throws {
        try self.init(process: process, rule: rule, schedule: .uniform(process, count: steps), denoise: denoise, clip: clip)
    }

    public var name: String { clip == nil ? rule.name : rule.name + "-clipped" }

    public func sample(count: Int, score: some ScoreFunction, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> SamplerRun {
        let levels = schedule.levels
        var chains = Chains(count: count, dimension: score.dimension)
        chains.startGaussian(standardDeviation: process.priorStandardDeviation, rng: &rng)
        let total = levels.count - 1 + (denoise ? 1 : 0)
        for i in 0..<(levels.count - 1) {
            chains.predict(with: rule, from: levels[i], to: levels[i + 1], score: score, rng: &rng, clip: clip)
            progress?(i + 1, total)
        }
        if denoise {
            chains.denoise(score, at: levels[levels.count - 1], clippedTo: clip)
            progress?(total, total)
        }
        return SamplerRun(samples: chains.x, evaluations: total)
    }
}
