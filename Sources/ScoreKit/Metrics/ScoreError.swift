/// How far a learned score is from the exact one at one noise level:
///
///     relative error = E_{x~ ~ q_sigma} || s(x~, sigma) - grad log q_sigma(x~) ||^2
///                      / E_{x~ ~ q_sigma} || grad log q_sigma(x~) ||^2
///
/// estimated on `samples` draws of x~ = x + sigma z, x from the mixture. 0 is perfect; the
/// zero function scores 1. This is the relative Fisher divergence of the perturbed densities.
public enum ScoreError {
    public static func relative(of score: some NoiseConditionalScore, mixture: GaussianMixture, sigma: Float,
                                samples: Int = 4096, rng: inout RandomSource) -> Double {
        precondition(score.dimension == mixture.dimension, "ScoreError: dimensions differ")
        var points = mixture.sample(count: samples, rng: &rng)
        let noise = rng.normals(count: points.elements.count)
        for i in points.elements.indices { points.elements[i] += sigma * noise[i] }
        let learned = score.scores(points, sigma: sigma)
        let exact = mixture.scores(points, sigma: sigma)
        var difference = 0.0, reference = 0.0
        for (a, b) in zip(learned.elements, exact.elements) {
            difference += Double(a - b) * Double(a - b)
            reference += Double(b) * Double(b)
        }
        return difference / reference
    }

    /// The relative error at each of `sigmas`.
    public static func relative(of score: some NoiseConditionalScore, mixture: GaussianMixture, sigmas: [Float],
                                samples: Int = 4096, rng: inout RandomSource) -> [Double] {
        sigmas.map { relative(of: score, mixture: mixture, sigma: $0, samples: samples, rng: &rng) }
    }
}
