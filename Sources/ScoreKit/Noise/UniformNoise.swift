import Foundation

/// u uniform on [-a, a] with a = sigma sqrt(3) (variance a^2 / 3 = sigma^2). Its log-density is
/// flat inside the box, so the naive DSM target grad log k(x~ | x) is 0 wherever it is defined:
/// it carries no information about x, and the kernel is discontinuous at the box's edges, where
/// the integration by parts behind Vincent's identity picks up boundary terms.
///
/// N(m, s^2) + u has density c(z) = [Phi((z + a)/s) - Phi((z - a)/s)] / (2a) with z = y - m, and
/// c'(z) = [phi((z + a)/s) - phi((z - a)/s)] / (2 a s), computed from log erfc so that neither
/// the difference of the two CDFs nor the ratio loses precision far in the tails.
public struct UniformNoise: AdditiveNoise {
    public let sigma: Double
    public init(sigma: Double) {
        precondition(sigma > 0 && sigma.isFinite, "UniformNoise: sigma must be positive, got \(sigma)")
        self.sigma = sigma
    }
    public var name: String { "uniform" }
    public var halfWidth: Double { sigma * 3.0.squareRoot() }
    public func scaled(to sigma: Double) -> UniformNoise { UniformNoise(sigma: sigma) }
    public func sample(rng: inout RandomSource) -> Double { halfWidth * (2 * rng.uniformDouble() - 1) }
    public func logDensity(_ u: Double) -> Double { abs(u) <= halfWidth ? -log(2 * halfWidth) : -.infinity }
    public func cumulativeProbability(_ u: Double) -> Double { min(1, max(0, (u + halfWidth) / (2 * halfWidth))) }
    public func conditionalScore(_ u: Double) -> Double? { abs(u) < halfWidth ? 0 : nil }
    public func convolved(y: Double, mean: Double, variance: Double) -> (logDensity: Double, score: Double)? {
        let a = halfWidth, s = variance.squareRoot(), root2 = 2.0.squareRoot()
        // The density is even in z, and the score odd: work with |z| so both CDFs are upper tails.
        let z = abs(y - mean), sign: Double = y - mean < 0 ? -1 : 1
        let near = logErfc((z - a) / (s * root2)), far = logErfc((z + a) / (s * root2))
        // Phi((z+a)/s) - Phi((z-a)/s) = (erfc((z-a)/(s sqrt2)) - erfc((z+a)/(s sqrt2))) / 2.
        let logDifference = near + log1p(-exp(far - near)) - log(2.0)
        let logPhiNear = -0.5 * (z - a) * (z - a) / variance, logPhiFar = -0.5 * (z + a) * (z + a) / variance
        // c'/c = [phi((z+a)/s) - phi((z-a)/s)] / (s * difference); phi(w) = e^(-w^2/2) / sqrt(2 pi).
        let ratio = (exp(logPhiFar - logDifference) - exp(logPhiNear - logDifference)) / (s * (2 * Double.pi).squareRoot())
        return (logDifference - log(2 * a), sign * ratio)
    }
}
