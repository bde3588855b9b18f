import Foundation

/// Ancestral sampling of `BlurringDiffusion` (Hoogeboom and Salimans, 2023) in the cosine basis,
/// where every frequency is a one-dimensional VP process. From x_T ~ N(0, I), for each pair of
/// levels t > s of a `Schedule` over DDPM's chain (and s = 0 last), with a_t = alpha_t d_t per
/// frequency and u = V^T x:
///
///     alpha_(t|s) = a_t / a_s,   sigma_(t|s)^2 = sigma_t^2 - alpha_(t|s)^2 sigma_s^2,
///     u_s = (u_t - sigma_(t|s)^2 / sigma_t eps_hat) / alpha_(t|s) + c xi,   xi ~ N(0, I),
///
/// the mean of the Gaussian posterior q(u_s | u_t, x_0) at x_0 = x0_hat, written with eps_hat = -sigma_t s(x_t, t)
/// (in the basis V, which keeps it isotropic). It divides by alpha_(t|s), near 1 between
/// neighbouring levels, and never by a_t, which falls to alpha_T d_min ~ 6e-6: the noise
/// prediction's error is not amplified in the frequencies the blur has damped. sigma_(t|s)^2 > 0
/// because a_t / sigma_t falls with t in every frequency. The last step (s = 0: a_s = 1,
/// sigma_s = 0) returns x0_hat = V (u_t - sigma_t eps_hat) / a_t, without noise. NFE: the schedule's levels.
///
/// The noise's c is DDPM's choice per frequency: sigma_(t|s) (`largeVariance`, beta_t on DDPM's
/// chain) or the posterior's sigma_(t|s) sigma_s / sigma_t (beta-tilde_t). Plugging in x0_hat drops
/// the posterior's spread of x_0, and over few, long steps the small choice then draws too narrow
/// a distribution: with the exact score of a Gaussian of unit scale, 50 of 1,000 levels gave the
/// cosine coefficients 76-86% of their variances, against 94-102% with the large one (the default,
/// as for the image study's DDPM). Without blur (sigma_B,max = 0) either is DDPM's step.
///
/// With `clip`, every step goes through x0_hat clipped to that range in pixels (the data's, [-1, 1]
/// for images), the mean becoming (sigma_(t|s)^2 a_s / sigma_t^2) x0_hat + (alpha_(t|s) sigma_s^2 / sigma_t^2) u_t:
/// the same step where x0_hat lies inside the range.
public struct BlurringDiffusionSampler: ScoreSampler, Sendable {
    public let process: BlurringDiffusion
    public let schedule: Schedule
    public let largeVariance: Bool
    public let clip: ClosedRange<Float>?

    /// On `steps` of the chain's levels evenly spaced (all T by default); refuses a clip range that is not finite.
    public init(process: BlurringDiffusion, steps: Int? = nil, largeVariance: Bool = true, clip: ClosedRange<Float>? = nil) throws {
        if let clip, !(clip.lowerBound.isFinite && clip.upperBound.isFinite) { throw SamplerError("the clip range \(clip) must be finite") }
        self.process = process
        schedule = try .uniform(process.chain, count: steps)
        self.largeVariance = largeVariance
        self.clip = clip
    }

    /// blurring-ancestral (large variance) or blurring-ancestral-small, "-clipped" with a clip range.
    public var name: String { "blurring-ancestral" + (largeVariance ? "" : "-small") + (clip == nil ? "" : "-clipped") }

    public func sample(count: Int, score: some ScoreFunction, rng: inout RandomSource,
                       progress: ((Int, Int) -> Void)? = nil) -> SamplerRun {
        let d = process.shape.pixels, levels = schedule.levels
        precondition(score.dimension == d, "BlurringDiffusionSampler: the score is for dimension \(score.dimension), the images have \(d)")
        var chains = Chains(count: count, dimension: d)
        chains.startGaussian(standardDeviation: 1, rng: &rng)
        var u = Matrix(rows: count, columns: d), e = u, scratch = u
        // Per frequency: u_s = keep u_t + guide e + spread xi, with e the noise prediction, or with a clip
        // range x0_hat = (u_t - sigma_t e) inverseSignal, clipped in pixels.
        var keep = [Float](repeating: 0, count: d), guide = keep, spread = keep, inverseSignal = keep
        let rates = process.rates
        for i in levels.indices {
            let from = levels[i], to = i + 1 < levels.count ? levels[i + 1] : NoiseLevel(time: 0, alpha: 1, sigma: 0)
            let tauFrom = process.blurTime(at: from.time), tauTo = process.blurTime(at: to.time)
            let sigmaT = from.sigma, sigmaS = to.sigma
            for j in 0..<d {
                let aT = from.alpha * process.decay(rate: rates[j], blurTime: tauFrom)
                let aS = to.alpha * process.decay(rate: rates[j], blurTime: tauTo)
                let ratio = aT / aS, variance = sigmaT * sigmaT - ratio * ratio * sigmaS * sigmaS
                spread[j] = Float(largeVariance ? variance.squareRoot() : variance.squareRoot() * sigmaS / sigmaT)
                if clip == nil {
                    keep[j] = Float(1 / ratio)
                    guide[j] = Float(-variance / (sigmaT * ratio))
                } else {
                    inverseSignal[j] = Float(1 / aT)
                    guide[j] = Float(variance * aS / (sigmaT * sigmaT))
                    keep[j] = Float(ratio * sigmaS * sigmaS / (sigmaT * sigmaT))
                }
            }
            chains.evaluate(score, at: from)
            // eps_hat = -sigma_t s, then both into the cosine basis.
            let noiseScale = Float(-sigmaT)
            for j in chains.s.elements.indices { chains.s.elements[j] *= noiseScale }
            process.transform(chains.x, toFrequencies: true, into: &u, scratch: &scratch)
            process.transform(chains.s, toFrequencies: true, into: &e, scratch: &scratch)
            // None on the last step, to x0_hat, where the large variance's spread would still be sigma_t.
            if sigmaS > 0 { chains.drawNoise(rng: &rng) } else { chains.z.elements.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
            if let clip {
                // x0_hat in pixels (into x), clipped, and back into the basis (into e).
                let sigmaFloat = Float(sigmaT)
                for r in 0..<count {
                    for j in 0..<d { e[r, j] = (u[r, j] - sigmaFloat * e[r, j]) * inverseSignal[j] }
                }
                process.transform(e, toFrequencies: false, into: &chains.x, scratch: &scratch)
                for j in chains.x.elements.indices { chains.x.elements[j] = min(clip.upperBound, max(clip.lowerBound, chains.x.elements[j])) }
                process.transform(chains.x, toFrequencies: true, into: &e, scratch: &scratch)
            }
            for r in 0..<count {
                for j in 0..<d { u[r, j] = keep[j] * u[r, j] + guide[j] * e[r, j] + spread[j] * chains.z[r, j] }
            }
            process.transform(u, toFrequencies: false, into: &chains.x, scratch: &scratch)
            progress?(i + 1, levels.count)
        }
        return SamplerRun(samples: chains.x, evaluations: levels.count)
    }
}
