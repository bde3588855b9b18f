/// How far a learned score is from the exact one at one noise level:
///
///     relative error = E_{x~ ~ q_sigma} || s(x~, sigma) - grad log q_sigma(x~) ||^2
///                      / E_{x~ ~ q_sigma} || grad log q_sigma(x~) ||^2
///
/// estimated on `samples` draws of x~ from the target's perturbed density (Gaussian noise for a
/// `GaussianMixture`, the kernel's for a `PerturbedMixture`). 0 is perfect; the zero function
/// scores 1. This is the relative Fisher divergence of the perturbed densities.
public enum ScoreError {
    public static func relative(of score: some NoiseConditionalScore, target: some PerturbedDataSource, sigma: Float,
                                samples: Int = 4096, rng: inout RandomSource) -> Double {
        precondition(score.dimension == target.dimension, "ScoreError: dimensions differ")
        let points = target.samplePerturbed(count: samples, sigma: sigma, rng: &rng)
        let learned = score.scores(points, sigma: sigma)
        let exact = target.scores(points, sigma: sigma)
        var difference = 0.0, reference = 0.0
        for (a, b) in zip(learned.elements, exact.elements) {
            difference += Double(a - b) * Double(a - b)
            reference += Double(b) * Double(b)
        }
        return difference / reference
    }

    /// The relative error at each of `sigmas`.
    public static func relative(of score: some NoiseConditionalScore, target: some PerturbedDataSource, sigmas: [Float],
                                samples: Int = 4096, rng: inout RandomSource) -> [Double] {
        sigmas.map { relative(of: score, target: target, sigma: $0, samples: samples, rng: &rng) }
    }
}
