/// One step of a Gaussian process backward, from level t to an earlier level s (the part the
/// ancestral, DDIM and predictor-corrector samplers share). Forward, x_t = a x_s + b e with
///
///     a = alpha_t / alpha_s,   b^2 = sigma_t^2 - a^2 sigma_s^2,
///
/// and the posterior of x_s given x_t and x_0 has variance b^2 sigma_s^2 / sigma_t^2. With Tweedie's
/// x0_hat = (x + sigma_t^2 s) / alpha_t and eps_hat = -sigma_t s, every step here is
/// x_s = A x + B s(x, t) + C z:
///
/// - ancestral (DDPM's mean (x + b^2 s) / a, the reverse-diffusion predictor of score SDEs) with
///   noise b ("large", DDPM's beta_t) or b sigma_s / sigma_t ("small", DDPM's beta-tilde_t);
/// - DDIM with eta in [0, 1]: x_s = alpha_s x0_hat + sqrt(sigma_s^2 - c^2) eps_hat + c z,
///   c = eta b sigma_s / sigma_t (eta = 1 is the small-variance ancestral step, eta = 0 is deterministic).
struct ReverseDiffusionStep {
    let a: Double
    let b2: Double
    let from: NoiseLevel
    let to: NoiseLevel

    init(from: NoiseLevel, to: NoiseLevel) {
        self.from = from
        self.to = to
        a = from.alpha / to.alpha
        b2 = max(0, from.sigma * from.sigma - a * a * to.sigma * to.sigma)
    }

    /// (A, B, C) of the ancestral step.
    func ancestral(largeVariance: Bool) -> ChainUpdate {
        let noise = largeVariance ? b2.squareRoot() : (b2 * to.sigma * to.sigma / (from.sigma * from.sigma)).squareRoot()
        return ChainUpdate(x: 1 / a, score: b2 / a, noise: noise)
    }

    /// (A, B, C) of the DDIM step with stochasticity eta.
    func ddim(eta: Double) -> ChainUpdate {
        let c = eta * (b2 * to.sigma * to.sigma / (from.sigma * from.sigma)).squareRoot()
        let keep = max(0, to.sigma * to.sigma - c * c).squareRoot()
        // alpha_s (x + sigma_t^2 s) / alpha_t - keep sigma_t s.
        let ratio = to.alpha / from.alpha
        return ChainUpdate(x: ratio, score: ratio * from.sigma * from.sigma - keep * from.sigma, noise: c)
    }
}
