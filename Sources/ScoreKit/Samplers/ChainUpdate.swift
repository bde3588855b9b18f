/// One move of every chain, x <- A x + B s(x, level) + C z with z ~ N(0, I): the form every step
/// of the Gaussian samplers takes (DDPM, DDIM, Euler-Maruyama, the Langevin corrector).
public struct ChainUpdate: Sendable, Equatable {
    /// A, the factor on x.
    public var x: Double
    /// B, the factor on the score.
    public var score: Double
    /// C, the standard deviation of the fresh noise (0: none is drawn).
    public var noise: Double

    public init(x: Double, score: Double, noise: Double) {
        self.x = x
        self.score = score
        self.noise = noise
    }

    /// The same move written through the denoised estimate x0_hat = (x + sigma^2 s) / alpha at
    /// `level`, as x <- P x0_hat + Q x + C z (so that x0_hat can be clipped first): with
    /// s = (alpha x0_hat - x) / sigma^2, P = B alpha / sigma^2 and Q = A - B / sigma^2.
    func throughDenoised(at level: NoiseLevel) -> (denoised: Double, x: Double, noise: Double) {
        let variance = level.sigma * level.sigma
        return (score * level.alpha / variance, x - score / variance, noise)
    }
}
