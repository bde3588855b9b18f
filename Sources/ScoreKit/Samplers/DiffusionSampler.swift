/// Ancestral sampling (DDPM, Ho et al. 2020) and DDIM (Song, Meng and Ermon 2021) along any
/// Gaussian forward process: start from the prior at t = 1, then step through `steps` levels
/// t_1 = 1 > ... > t_S = earliest time with `ReverseDiffusionStep`, and end with Tweedie's
/// denoising step at t_S (on by default; DDIM's own last step to t = 0 is that same x0_hat).
/// On a discrete chain the levels are S of its T steps (all T by default), the respacing of
/// Nichol and Dhariwal (2021); on a continuous process, S evenly spaced times. NFE: S, or S - 1
/// without the denoising step.
///
/// With `clip`, every step goes through the denoised estimate x0_hat clipped to that range (the
/// data's known range, [-1, 1] for images), as the reference DDPM code samples images: the same
/// step where x0_hat lies inside it, and a bound on what an imperfect noise prediction can
/// accumulate over the chain where it does not.
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
    public let clip: ClosedRange<Float>?

    /// Refuses (with a reason) steps < 2, more steps than a chain has, eta outside [0, 1] and a
    /// clip range that is not finite.
    public init(process: any ForwardProcess, rule: Rule, steps: Int? = nil, denoise: Bool = true,
                clip: ClosedRange<Float>? = nil) throws {
        let count = try levelCount(steps, on: process)
        if case let .ddim(eta) = rule, !(0...1).contains(eta) { throw SamplerError("eta must lie in [0, 1], got \(eta)") }
        self.process = process
        self.rule = rule
        self.steps = count
        self.denoise = denoise
        if let clip, !(clip.lowerBound.isFinite && clip.upperBound.isFinite) { throw SamplerError("the clip range \(clip) must be finite") }
        self.clip = clip
    }

    public var name: String {
        let base = switch rule {
        case .ancestral(true): "ddpm"
        case .ancestral(false): "ddpm-small"
        case let .ddim(eta): eta == 0 ? "ddim" : "ddim-eta\(eta)"
        }
        return clip == nil ? base : base + "-clipped"
    }

    public func sample(count: Int, score: some ScoreFunction, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> SamplerRun {
        let levels = process.timeGrid(count: steps).map { process.level(at: $0) }
        var chains = Chains(count: count, dimension: score.dimension)
        chains.startGaussian(standardDeviation: process.priorStandardDeviation, rng: &rng)
        let total = steps - 1 + (denoise ? 1 : 0)
        for i in 0..<(steps - 1) {
            let step = ReverseDiffusionStep(from: levels[i], to: levels[i + 1])
            let coefficients = switch rule {
            case let .ancestral(large): step.ancestral(largeVariance: large)
            case let .ddim(eta): step.ddim(eta: eta)
            }
            chains.evaluate(score, at: levels[i])
            if coefficients.noise > 0 { chains.drawNoise(rng: &rng) }
            if let clip {
                let (p, q, c) = step.throughDenoised(coefficients)
                chains.update(denoised: p, x: q, noise: c, at: levels[i], clippedTo: clip)
            } else {
                chains.update(x: coefficients.x, score: coefficients.score, noise: coefficients.noise)
            }
            progress?(i + 1, total)
        }
        if denoise {
            chains.denoise(score, at: levels[steps - 1], clippedTo: clip)
            progress?(total, total)
        }
        return SamplerRun(samples: chains.x, evaluations: total)
    }
}
