import Foundation

/// u ~ Laplace(0, b) with b = sigma / sqrt(2) (variance 2 b^2 = sigma^2): k(u) = e^(-|u|/b) / (2b),
/// conditional score -sign(u) / b (undefined only at u = 0, a set of measure zero).
///
/// N(m, s^2) + u has the density of a sum of two exponentially modified Gaussians: with z = y - m,
///     c(z) = e^(s^2 / 2b^2) / (4b) * [ e^(-z/b) erfc(t1) + e^(z/b) erfc(t2) ],
///     t1 = (s^2/b - z) / (s sqrt 2),  t2 = (s^2/b + z) / (s sqrt 2),
/// and, because the Gaussian terms of the two derivatives cancel,
///     c'(z) / c(z) = (1/b) * tanh((L2 - L1) / 2),  L1 = -z/b + log erfc(t1), L2 = z/b + log erfc(t2),
/// all evaluated in log space.
public struct LaplaceNoise: AdditiveNoise {
    public let sigma: Double
    public init(sigma: Double) {
        precondition(sigma > 0 && sigma.isFinite, "LaplaceNoise: sigma must be positive, got \(sigma)")
        self.sigma = sigma
    }
    public var name: String { "laplace" }
    public var scale: Double { sigma / 2.0.squareRoot() }
    public func scaled(to sigma: Double) -> LaplaceNoise { LaplaceNoise(sigma: sigma) }
    public func sample(rng: inout RandomSource) -> Double {
        // Inverse CDF on u in (-1/2, 1/2).
        let u = rng.uniformDouble() - 0.5
        return -scale * (u < 0 ? -1 : 1) * log(1 - 2 * abs(u))
    }
    public func logDensity(_ u: Double) -> Double { -abs(u) / scale - log(2 * scale) }
    public func cumulativeProbability(_ u: Double) -> Double { u < 0 ? 0.5 * exp(u / scale) : 1 - 0.5 * exp(-u / scale) }
    public func conditionalScore(_ u: Double) -> Double? { u == 0 ? nil : (u > 0 ? -1 : 1) / scale }
    public func convolved(y: Double, mean: Double, variance: Double) -> (logDensity: Double, score: Double)? {
        let b = scale, s = variance.squareRoot(), z = y - mean
        let t1 = (variance / b - z) / (s * 2.0.squareRoot()), t2 = (variance / b + z) / (s * 2.0.squareRoot())
        let l1 = -z / b + logErfc(t1), l2 = z / b + logErfc(t2)
        return (variance / (2 * b * b) - log(4 * b) + logAddExp(l1, l2), tanh((l2 - l1) / 2) / b)
    }
}
