import Foundation

/// u = tau T with T Student-t with 3 degrees of freedom and tau = sigma / sqrt(3) (variance
/// tau^2 * 3 / (3 - 2) = sigma^2): heavy tails. k(u) = 2 / (pi sqrt(3) tau) (1 + u^2 / (3 tau^2))^-2,
/// conditional score -4u / (3 tau^2 + u^2). Its convolution with a Gaussian has no closed form,
/// so `convolved` integrates numerically: c(z) = integral phi_s(z - u) k(u) du and
/// c'(z) = integral -(z - u)/s^2 phi_s(z - u) k(u) du by 24-point Gauss-Legendre on pieces of
/// [z - 10s, z + 10s] (outside, phi < e^-50) cut at both scales of the integrand: z +- 3s around
/// the Gaussian, and 0 and +-tau 3^k around the kernel's peak and along its tails. The tests
/// check it against a fine trapezoid rule to 1e-4 relative, with its score against finite differences.
public struct StudentTNoise: AdditiveNoise {
    public let sigma: Double
    public init(sigma: Double) {
        precondition(sigma > 0 && sigma.isFinite, "StudentTNoise: sigma must be positive, got \(sigma)")
        self.sigma = sigma
    }
    public var name: String { "student-t3" }
    public var scale: Double { sigma / 3.0.squareRoot() }
    public func scaled(to sigma: Double) -> StudentTNoise { StudentTNoise(sigma: sigma) }
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
    static let rule = GaussLegendre(points: 24)
    public var convolvesByQuadrature: Bool { true }

    public func convolved(y: Double, mean: Double, variance: Double) -> (logDensity: Double, score: Double)? {
        let s = variance.squareRoot(), z = y - mean, low = z - 10 * s, high = z + 10 * s, tau = scale
        // Around the kernel's peak the integrand changes on the scale |u| (u^-4 tails): cut at
        // 0 and +-tau 3^k out to the window's edge.
        var cuts = [z - 3 * s, z + 3 * s, 0]
        var c = tau
        while c < max(abs(low), abs(high)) { cuts += [c, -c]; c *= 3 }
        cuts = cuts.filter { $0 > low && $0 < high }
        let points = ([low, high] + cuts).sorted()
        var density = 0.0, slope = 0.0
        for (a, b) in zip(points, points.dropFirst()) where b > a {
            density += Self.rule.integrate(a, b) { u in
                exp(-0.5 * (z - u) * (z - u) / variance + logDensity(u))
            }
            slope += Self.rule.integrate(a, b) { u in
                -(z - u) / variance * exp(-0.5 * (z - u) * (z - u) / variance + logDensity(u))
            }
        }
        // The Gaussian's normalisation cancels in the score.
        return (log(density) - 0.5 * log(2 * Double.pi * variance), slope / density)
    }
}
