import Foundation
import ScoreKit
import ScoreKitStudies
import Testing

@Suite struct AdditiveNoiseTests {
    static let kernels: [any AdditiveNoise] = [GaussianNoise(sigma: 0.7), LaplaceNoise(sigma: 0.7),
                                                    UniformNoise(sigma: 0.7), StudentTNoise(sigma: 0.7)]
    static let closedForm: [any AdditiveNoise] = [GaussianNoise(sigma: 0.7), LaplaceNoise(sigma: 0.7), UniformNoise(sigma: 0.7)]
    // Student-t's convolution is by quadrature (StudentTNoise.convolved), checked the same way.

    /// Trapezoid rule of f over [a, b] with n intervals.
    func integrate(_ a: Double, _ b: Double, _ n: Int = 200_000, _ f: (Double) -> Double) -> Double {
        let h = (b - a) / Double(n)
        return h * ((1...(n - 1)).reduce(0.5 * (f(a) + f(b))) { $0 + f(a + Double($1) * h) })
    }

    @Test(arguments: kernels.map(\.name))
    func samplerHasTheStatedVarianceAndDensityIsNormalised(name: String) {
        let kernel = Self.kernels.first { $0.name == name }!
        var rng = RandomSource(seed: 60)
        let draws = (0..<200_000).map { _ in kernel.sample(rng: &rng) }
        let variance = draws.reduce(0.0) { $0 + $1 * $1 } / Double(draws.count)
        // Gaussian, Laplace, uniform: 4 standard errors of the sample variance are at most 2%.
        // Student-t(3) has no fourth moment, so its sample variance converges slowly: 10%, and a
        // quantile check that does not depend on the tails: P(|T| < 1) = 0.6090 for nu = 3.
        #expect(abs(variance / (0.7 * 0.7) - 1) < (name == "student-t3" ? 0.1 : 0.02), "\(name): variance \(variance)")
        if let t = kernel as? StudentTNoise {
            let inside = Double(draws.filter { abs($0) < t.scale }.count) / Double(draws.count)
            #expect(abs(inside - 0.6090) < 0.005, "P(|T| < 1) = \(inside)")
        }
        let range = name == "student-t3" ? 2000.0 : 20.0
        let mass = integrate(-range, range, 400_000) { exp(kernel.logDensity($0)) }
        #expect(abs(mass - 1) < (name == "student-t3" ? 2e-4 : 1e-4), "\(name): density integrates to \(mass)")
    }

    @Test(arguments: kernels.map(\.name))
    func conditionalScoreIsTheDerivativeOfTheLogDensity(name: String) {
        let kernel = Self.kernels.first { $0.name == name }!
        let h = 1e-6
        for u in [-1.1, -0.3, 0.2, 0.9] {
            // Uniform: only inside the box (half-width 1.21), where the derivative is 0.
            let numeric = (kernel.logDensity(u + h) - kernel.logDensity(u - h)) / (2 * h)
            #expect(isClose(kernel.conditionalScore(u)!, numeric, rel: 1e-6, abs: 1e-6), "\(name) at \(u)")
        }
    }

    @Test(arguments: kernels.map(\.name))
    func convolutionMatchesDirectIntegrationAndItsScoreTheDerivative(name: String) {
        let kernel = Self.kernels.first { $0.name == name }!
        for (mean, variance) in [(0.5, 0.3), (-1.0, 2.0), (0.0, 0.01)] {
            for y in [-2.0, -0.4, 0.1, 0.5, 1.7] {
                let c = kernel.convolved(y: y, mean: mean, variance: variance)!
                // c(y) = integral phi(y - u; mean, variance) k(u) du, by the trapezoid rule over u;
                // over the uniform kernel's exact support, since a jump inside the range would cost
                // the rule an error of order h / (2 sqrt(variance)).
                let limit = (kernel as? UniformNoise)?.halfWidth ?? 12
                let direct = integrate(-limit, limit, 240_000) { u in
                    exp(-0.5 * (y - u - mean) * (y - u - mean) / variance + kernel.logDensity(u)) / (2 * Double.pi * variance).squareRoot()
                }
                #expect(isClose(exp(c.logDensity), direct, rel: 1e-4, abs: 1e-12), "\(name) c(\(y); \(mean), \(variance)): \(exp(c.logDensity)) vs \(direct)")
                let h = 1e-5
                let up = kernel.convolved(y: y + h, mean: mean, variance: variance)!.logDensity
                let down = kernel.convolved(y: y - h, mean: mean, variance: variance)!.logDensity
                #expect(isClose(c.score, (up - down) / (2 * h), rel: 1e-5, abs: 1e-6), "\(name) score at \(y)")
            }
            // Far in the tails, where the density underflows any direct sum, the log form must
            // still give the tail's own score: exactly -z / (v + sigma^2) for Gaussian noise;
            // -sign(z) / b for Laplace (the exponential tail dominates, corrections below e^-40);
            // the Gaussian edge's Mills ratio -(w + 1/w) / s, w = (|z| - a) / s, for the uniform box
            // (error below 2 / w^3 relative); and for Student-t the kernel's own -4z / (3 tau^2 + z^2)
            // times 1 + 5v / z^2, the Gaussian's second-order smoothing of a z^-4 tail (c = k + v k'' / 2;
            // error of order (v / z^2)^2, below 2e-4). Rejected: a log form that loses the
            // tail (a score of 0, NaN or the Gaussian part's -z / v), a wrong sign.
            for y in [-60.0, 45.0] {
                let c = kernel.convolved(y: y, mean: mean, variance: variance)!
                let z = y - mean, sign: Double = z < 0 ? -1 : 1
                #expect(c.logDensity.isFinite, "\(name) at \(y): \(c)")
                let tail: Double, tolerance: Double
                switch kernel {
                case let k as GaussianNoise: (tail, tolerance) = (-z / (variance + k.sigma * k.sigma), 1e-12)
                case let k as LaplaceNoise: (tail, tolerance) = (-sign / k.scale, 1e-9)
                case let k as UniformNoise:
                    let s = variance.squareRoot(), w = (abs(z) - k.halfWidth) / s
                    (tail, tolerance) = (-sign * (w + 1 / w) / s, 2 / (w * w * w))
                case let k as StudentTNoise: (tail, tolerance) = (-4 * z / (3 * k.scale * k.scale + z * z) * (1 + 5 * variance / (z * z)), 2e-4)
                default: Issue.record("no tail formula for \(name)"); continue
                }
                #expect(isClose(c.score, tail, rel: tolerance), "\(name) tail score at \(y) (\(mean), \(variance)): \(c.score) vs \(tail)")
            }
        }
    }

    @Test(arguments: kernels.map(\.name))
    func perturbedMixtureScoreIsTheGradientOfItsLogDensity(name: String) {
        let kernel = Self.kernels.first { $0.name == name }!
        let q = PerturbedMixture(mixture: ToyDataset.ncsnPair.mixture!, kernel: kernel.scaled(to: 1.5))
        let h = 1e-5
        for y in [[5.0, 4.0], [0.3, -0.2], [-6.0, -3.5], [12.0, -9.0]] {
            let s = q.score(y)
            for j in 0..<2 {
                var up = y, down = y
                up[j] += h; down[j] -= h
                #expect(isClose(s[j], (q.logDensity(up) - q.logDensity(down)) / (2 * h), rel: 1e-5, abs: 1e-6), "\(name) at \(y)")
            }
        }
        // With Gaussian noise it is the Gaussian-perturbed mixture of GaussianMixture.
        if name == "gaussian" {
            #expect(isClose(q.logDensity([0.3, -0.2]), ToyDataset.ncsnPair.mixture!.perturbed(sigma: 1.5).logDensity([0.3, -0.2]), rel: 1e-12))
        }
    }

    @Test func vincentsIdentityHoldsForGaussianAndLaplaceNoiseButNotUniform() {
        let mixture = GaussianMixture(weights: [0.6, 0.4], means: [[1, 0], [-1, 1]], variances: [[0.3, 0.5], [0.4, 0.2]])
        var results: [String: DenoisingIdentityCheck] = [:]
        for kernel in Self.closedForm {
            let k = kernel.scaled(to: 0.8)
            let q = PerturbedMixture(mixture: mixture, kernel: k)
            let scores: [(name: String, score: ([Double]) -> [Double])] = [
                ("zero", { _ in [0, 0] }),
                ("exact", { q.score($0) }),
                ("linear", { [-0.5 * $0[0], -0.5 * $0[1]] }),
                ("wavy", { [sin($0[1]), cos($0[0])] }),
            ]
            var rng = RandomSource(seed: 61)
            results[k.name] = DenoisingIdentityCheck(mixture: mixture, kernel: k, sigma: 0.8, scores: scores, samples: 20_000, rng: &rng)
        }
        #expect(results["gaussian"]!.holds, "\(results["gaussian"]!.comparisons)")
        #expect(results["laplace"]!.holds, "\(results["laplace"]!.comparisons)")
        let uniform = results["uniform"]!
        #expect(!uniform.holds)
        // And not marginally: the exact score's difference is far outside its interval.
        let exact = uniform.comparisons.first { $0.name.hasPrefix("exact") }!
        #expect(abs(exact.difference) > 20 * exact.standardError, "\(exact)")
        // "Holds" is not vacuous: those checks would have seen a violation a tenth this size.
        for name in ["gaussian", "laplace"] {
            #expect(results[name]!.comparisons.allSatisfy { 4 * $0.standardError < 0.1 * abs(exact.difference) },
                    "\(name): \(results[name]!.comparisons)")
        }
    }

    @Test(arguments: kernels.map(\.name))
    func cumulativeProbabilityIsTheIntegralOfTheDensity(name: String) {
        let kernel = Self.kernels.first { $0.name == name }!
        let start = name == "student-t3" ? -3000.0 : -20.0
        for u in [-1.5, -0.2, 0.0, 0.6, 1.1] {
            let integral = integrate(start, u, 400_000) { exp(kernel.logDensity($0)) }
            #expect(isClose(kernel.cumulativeProbability(u), integral, rel: 1e-4, abs: 2e-4), "\(name) F(\(u))")
        }
    }

    /// The Student-t convolution read from its table against the quadrature itself, from the
    /// component's centre to far tails, at the noise study's smallest, middle and largest levels.
    /// Rejected: a table on a uniform grid (coarse near the centre or short of the tails), or
    /// linear interpolation (errors near 1e-3).
    @Test func tabulatedStudentTConvolutionMatchesTheQuadrature() {
        var worst = (logDensity: 0.0, score: 0.0)
        for sigma in [0.02, 0.5, 8.0] {
            let kernel = StudentTNoise(sigma: sigma), variance = 0.125
            let table = ConvolutionTable(kernel: kernel, variance: variance)
            let scale = (variance + sigma * sigma).squareRoot()
            for z in stride(from: -60.0, through: 60.0, by: 0.173) + [0, 1e-3, -0.05, 3e3] {
                let direct = kernel.convolved(y: z, mean: 0, variance: variance)!, read = table.value(at: z)!
                worst.logDensity = max(worst.logDensity, abs(read.logDensity - direct.logDensity))
                worst.score = max(worst.score, abs(read.score - direct.score) / (abs(direct.score) + 1 / scale))
            }
        }
        #expect(worst.logDensity < 1e-7 && worst.score < 1e-6, "largest errors: \(worst)")
    }

    @Test func onlyGaussianIncrementsComposeIntoTheirOwnFamily() {
        // KS distance of n = 20,000 draws from their own distribution stays below 1.95 / sqrt(n) =
        // 0.0138 with probability 0.999.
        let bound = 1.95 / 20_000.0.squareRoot()
        var checks: [String: CompositionCheck] = [:]
        for kernel in Self.closedForm {
            var rng = RandomSource(seed: 80)
            checks[kernel.name] = CompositionCheck(kernel: kernel, steps: [1, 2, 8], samples: 20_000, rng: &rng)
        }
        #expect(checks["gaussian"]!.distances.allSatisfy { $0 < bound }, "\(checks["gaussian"]!.distances)")
        for name in ["laplace", "uniform"] {
            let d = checks[name]!.distances
            #expect(d[0] < bound, "\(name), one step: \(d[0])")
            // The true distances (SciPy, n = 200,000): Laplace 0.031 and 0.056, uniform 0.043 and 0.055.
            #expect(d[1] > 2 * bound && d[2] > 3 * bound, "\(name), 2 and 8 steps: \(d)")
        }
    }

    @Test(arguments: [83, 84] as [UInt64])
    func compositionDistanceIsTheKolmogorovSmirnovStatistic(seed: UInt64) {
        // One step of Gaussian noise, draws replayed: D = max over the sorted draws u_(i) of
        // max((i + 1) / n - F(u_(i)), F(u_(i)) - i / n), both sides of each step of the empirical
        // CDF. One draw below the median (seed 83: D = 1 - F(u) > 1/2) and five (seed 84). Rejected:
        // one side only (D = F(u) < 1/2 for the single draw).
        let n = seed == 83 ? 1 : 5
        var rng = RandomSource(seed: seed), replay = RandomSource(seed: seed)
        let kernel = GaussianNoise(sigma: 0.7)
        let check = CompositionCheck(kernel: kernel, steps: [1], samples: n, rng: &rng)
        let draws = (0..<n).map { _ in kernel.sample(rng: &replay) }.sorted()
        var want = 0.0
        for (i, u) in draws.enumerated() {
            let f = kernel.cumulativeProbability(u)
            want = max(want, Double(i + 1) / Double(n) - f, f - Double(i) / Double(n))
        }
        if n == 1 { #expect(draws[0] < 0, "the single draw must lie below the median for the check to bite: \(draws[0])") }
        #expect(isClose(check.distances[0], want, rel: 1e-12), "\(check.distances[0]) vs \(want)")
    }

    @Test func tweediesDenoiserIsThePosteriorMeanOnlyForGaussianNoise() {
        let mixture = GaussianMixture(weights: [0.6, 0.4], means: [[1, 0], [-1, 1]], variances: [[0.3, 0.5], [0.4, 0.2]])
        var checks: [String: TweedieCheck] = [:]
        for kernel in Self.closedForm {
            var rng = RandomSource(seed: 90)
            checks[kernel.name] = TweedieCheck(mixture: mixture, kernel: kernel, sigma: 0.8, samples: 20_000, rng: &rng)
        }
        #expect(checks["gaussian"]!.holds, "\(checks["gaussian"]!.correlations)")
        #expect(!checks["laplace"]!.holds, "\(checks["laplace"]!.correlations)")
        #expect(!checks["uniform"]!.holds, "\(checks["uniform"]!.correlations)")
    }
}
