import Foundation

/// u ~ N(0, sigma^2): conditional score -u / sigma^2; N(m, v) + u = N(m, v + sigma^2).
public struct GaussianNoise: AdditiveNoise {
    public let sigma: Double
    public init(sigma: Double) {
        precondition(sigma > 0 && sigma.isFinite, "GaussianNoise: sigma must be positive, got \(sigma)")
        self.sigma = sigma
    }
    public var name: String { "gaussian" }
    public func scaled(to sigma: Double) -> GaussianNoise { GaussianNoise(sigma: sigma) }
    public func sample(rng: inout RandomSource) -> Double { sigma * rng.normalDouble() }
    public func logDensity(_ u: Double) -> Double { -0.5 * u * u / (sigma * sigma) - log(sigma * (2 * Double.pi).squareRoot()) }
    public func cumulativeProbability(_ u: Double) -> Double { 0.5 * erfc(-u / (sigma * 2.0.squareRoot())) }
    public func conditionalScore(_ u: Double) -> Double? { -u / (sigma * sigma) }
    public func convolved(y: Double, mean: Double, variance: Double) -> (logDensity: Double, score: Double)? {
        let total = variance + sigma * sigma, z = y - mean
        return (-0.5 * z * z / total - 0.5 * log(2 * Double.pi * total), -z / total)
    }
}
