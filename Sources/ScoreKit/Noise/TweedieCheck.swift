/// Whether Tweedie's denoiser T(x~) = x~ + sigma^2 grad log q(x~) is the posterior mean E[x | x~]
/// under a kernel (the identity behind the last denoising step of a sampler; exact for Gaussian
/// noise). The true conditional mean leaves a residual x - E[x | x~] orthogonal to every function
/// of x~, so on pairs (x, x~) this measures E[(x - T(x~)) . h(x~)] for h = x~ and h = grad log q(x~),
/// with standard errors: T is the posterior mean only if both vanish (within `tolerance` errors).
public struct TweedieCheck: Sendable {
    public struct Correlation: Sendable {
        public let name: String
        public let mean: Double
        public let standardError: Double
    }

    public let kernel: String
    public let correlations: [Correlation]
    public let tolerance: Double

    public var holds: Bool { correlations.allSatisfy { abs($0.mean) <= tolerance * $0.standardError } }

    public init(mixture: GaussianMixture, kernel: any PerturbationKernel, samples: Int = 20_000, tolerance: Double = 4,
                rng: inout RandomSource) {
        let q = PerturbedMixture(mixture: mixture, kernel: kernel)
        let variance = kernel.sigma * kernel.sigma
        let clean = mixture.sample(count: samples, rng: &rng)
        var withPoints = MonteCarloMean(), withScores = MonteCarloMean()
        for i in 0..<samples {
            let x = clean.row(i).map(Double.init)
            let noisy = x.map { $0 + kernel.sample(rng: &rng) }
            let s = q.score(noisy)
            var withPoint = 0.0, withScore = 0.0
            for j in 0..<x.count {
                let residual = x[j] - (noisy[j] + variance * s[j])
                withPoint += residual * noisy[j]
                withScore += residual * s[j]
            }
            withPoints.add(withPoint)
            withScores.add(withScore)
        }
        correlations = zip(["residual . x~", "residual . grad log q"], [withPoints, withScores]).map { name, moments in
            Correlation(name: name, mean: moments.mean, standardError: moments.standardError)
        }
        self.kernel = kernel.name
        self.tolerance = tolerance
    }
}
