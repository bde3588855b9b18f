import ScoreKit

/// Whether a corruption's Tweedie denoiser T(x~) (x~ + sigma^2 grad log q(x~) for additive noise,
/// see `Corruption.denoised`) is the posterior mean E[x | x~] (the identity behind the last
/// denoising step of a sampler; exact for Gaussian noise). The true conditional mean leaves a residual x - E[x | x~] orthogonal to every function
/// of x~, so on pairs (x, x~) this measures E[(x - T(x~)) . h(x~)] for h = x~ and h = grad log q(x~),
/// with standard errors: T is the posterior mean only if both vanish (within `tolerance` errors).
public struct TweedieCheck: Sendable, Codable {
    public struct Correlation: Sendable, Codable {
        public let name: String
        public let mean: Double
        public let standardError: Double
    }

    public let kernel: String
    public let correlations: [Correlation]
    public let tolerance: Double

    /// Root mean square of the residual, relative to that of x.
    public let relativeResidual: Double

    /// The denoiser recovers x itself up to single-precision rounding (a deterministic,
    /// invertible corruption), where correlations of rounding errors mean nothing.
    public var isExact: Bool { relativeResidual < 1e-5 }

    public var holds: Bool { isExact || correlations.allSatisfy { abs($0.mean) <= tolerance * $0.standardError } }

    public init(mixture: GaussianMixture, kernel: any Corruption, sigma: Double, samples: Int = 20_000, tolerance: Double = 4,
                rng: inout RandomSource) {
        let pairs = CorruptedPairs(mixture: mixture, kernel: kernel, sigma: sigma, count: samples, rng: &rng)
        var withPoints = MonteCarloMean(), withScores = MonteCarloMean(), residualSquares = 0.0, pointSquares = 0.0
        for i in 0..<samples {
            let x = pairs.clean.row(i).map(Double.init), noisy = pairs.corrupted.row(i).map(Double.init)
            let s = pairs.exactScore.row(i).map(Double.init)
            let estimate = kernel.denoised(noisy, score: s, sigma: sigma)
            var withPoint = 0.0, withScore = 0.0
            for j in 0..<x.count {
                let residual = x[j] - estimate[j]
                residualSquares += residual * residual
                pointSquares += x[j] * x[j]
                withPoint += residual * noisy[j]
                withScore += residual * s[j]
            }
            withPoints.add(withPoint)
            withScores.add(withScore)
        }
        correlations = zip(["residual . x~", "residual . grad log q"], [withPoints, withScores]).map { name, moments in
            Correlation(name: name, mean: moments.mean, standardError: moments.standardError)
        }
        relativeResidual = (residualSquares / max(pointSquares, .leastNormalMagnitude)).squareRoot()
        self.kernel = kernel.name
        self.tolerance = tolerance
    }
}
