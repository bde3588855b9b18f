import ScoreKit

/// How far a learned score is from the exact one at one noise level:
///
///     relative error = E_{x~ ~ q_sigma} || s(x~, sigma) - grad log q_sigma(x~) ||^2
///                      / E_{x~ ~ q_sigma} || grad log q_sigma(x~) ||^2
///
/// estimated on `samples` draws of x~ from the target's perturbed density (Gaussian noise for a
/// `GaussianMixture`, the kernel's for a `PerturbedMixture`). 0 is perfect; the zero function
/// scores 1. This is the relative Fisher divergence of the perturbed densities.
public enum ScoreError {
    public static func relative(of score: some ScoreFunction, target: some PerturbedDataSource, at level: NoiseLevel,
                                samples: Int = 4096, rng: inout RandomSource) -> Double {
        precondition(score.dimension == target.dimension, "ScoreError: dimensions differ")
        let points = target.samplePerturbed(count: samples, at: level, rng: &rng)
        return relative(score.scores(points, at: level), exact: target.scores(points, at: level))
    }

    /// sum ||learned - exact||^2 / sum ||exact||^2 over rows already evaluated at the same points.
    public static func relative(_ learned: Matrix, exact: Matrix) -> Double {
        precondition(learned.rows == exact.rows && learned.columns == exact.columns, "ScoreError: shapes differ")
        var difference = 0.0, reference = 0.0
        for (a, b) in zip(learned.elements, exact.elements) {
            difference += Double(a - b) * Double(a - b)
            reference += Double(b) * Double(b)
        }
        return difference / reference
    }

    /// At a bare variance-exploding level sigma.
    public static func relative(of score: some ScoreFunction, target: some PerturbedDataSource, sigma: Float,
                                samples: Int = 4096, rng: inout RandomSource) -> Double {
        relative(of: score, target: target, at: NoiseLevel(sigma: Double(sigma)), samples: samples, rng: &rng)
    }

    /// The relative error at each of `sigmas`.
    public static func relative(of score: some ScoreFunction, target: some PerturbedDataSource, sigmas: [Float],
                                samples: Int = 4096, rng: inout RandomSource) -> [Double] {
        sigmas.map { relative(of: score, target: target, sigma: $0, samples: samples, rng: &rng) }
    }
}
