import Foundation

/// u = tau T with T Student-t with 3 degrees of freedom and tau = sigma / sqrt(3) (variance
/// tau^2 * 3 / (3 - 2) = sigma^2): heavy tails. k(u) = 2 / (pi sqrt(3) tau) (1 + u^2 / (3 tau^2))^-2,
/// conditional score -4u / (3 tau^2 + u^2). Its convolution with a Gaussian has no closed form:
/// `convolved` returns nil (quadrature is left to the noise study).
public struct StudentTKernel: PerturbationKernel {
    public let sigma: Double
    public init(sigma: Double) {
        precondition(sigma > 0 && sigma.isFinite, "StudentTKernel: sigma must be positive, got \(sigma)")
        self.sigma = sigma
    }
    public var name: String { "student-t3" }
    public var scale: Double { sigma / 3.0.squareRoot() }
    public func scaled(to sigma: Double) -> StudentTKernel { StudentTKernel(sigma: sigma) }
    public func sample(rng: inout RandomSource) -> Double {
        // T = Z / sqrt(V / 3) with V chi-square with 3 degrees of freedom.
        let z = rng.normalDouble()
        let v = (0..<3).reduce(0.0) { sum, _ in let g = rng.normalDouble(); return sum + g * g }
        return scale * z / (v / 3).squareRoot()
    }
    public func logDensity(_ u: Double) -> Double {
        log(2 / (Double.pi * 3.0.squareRoot() * scale)) - 2 * log1p(u * u / (3 * scale * scale))
    }
    /// The t(3) CDF in closed form: 1/2 + (1/pi) [ t / (sqrt(3) (1 + t^2/3)) + atan(t / sqrt(3)) ], t = u / tau.
    public func cumulativeProbability(_ u: Double) -> Double {
        let t = u / scale, r3 = 3.0.squareRoot()
        return 0.5 + (t / (r3 * (1 + t * t / 3)) + atan(t / r3)) / Double.pi
    }
    public func conditionalScore(_ u: Double) -> Double? { -4 * u / (3 * scale * scale + u * u) }
    public func convolved(y: Double, mean: Double, variance: Double) -> (logDensity: Double, score: Double)? { nil }
}
