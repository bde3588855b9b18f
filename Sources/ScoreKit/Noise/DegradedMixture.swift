/// A Gaussian mixture seen through a `LinearDegradation`: x~ = m + c (x - m) + eta z maps
/// component N(mu_k, diag v_k) to N(m + c (mu_k - m), diag(c^2 v_k + eta^2)), so the degraded
/// density at every level is again a Gaussian mixture with the same weights, and its score is exact.
public struct DegradedMixture: PerturbedDataSource {
    public let mixture: GaussianMixture
    public let degradation: LinearDegradation

    public init(mixture: GaussianMixture, degradation: LinearDegradation) {
        precondition(degradation.center.count == mixture.dimension,
                     "DegradedMixture: the degradation's center has \(degradation.center.count) coordinates, the mixture \(mixture.dimension)")
        self.mixture = mixture
        self.degradation = degradation
    }

    /// q_sigma, the degraded density at one level.
    public func mixture(at sigma: Double) -> GaussianMixture {
        let c = degradation.contraction(at: sigma), eta = degradation.noise(at: sigma), m = degradation.center
        return GaussianMixture(weights: mixture.weights,
                               means: mixture.means.map { mean in mean.indices.map { m[$0] + c * (mean[$0] - m[$0]) } },
                               variances: mixture.variances.map { $0.map { c * c * $0 + eta * eta } })
    }

    public var dimension: Int { mixture.dimension }

    /// The level's sigma is the degradation's level; alpha plays no part.
    public func score(_ x: Matrix, at level: NoiseLevel, into out: inout Matrix) {
        // The degraded density is itself a Gaussian mixture: its own batch score, noiseless.
        mixture(at: level.sigma).score(x, at: NoiseLevel(sigma: 0), into: &out)
    }

    public func samplePerturbed(count: Int, at level: NoiseLevel, rng: inout RandomSource) -> Matrix {
        mixture(at: level.sigma).sample(count: count, rng: &rng)
    }
}
