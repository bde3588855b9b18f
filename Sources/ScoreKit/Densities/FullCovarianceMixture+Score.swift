import Foundation

extension FullCovarianceMixture: ScoreFunction {
    /// The mixture of x_t = alpha x + sigma z at `level`: means alpha mu_k, covariances
    /// alpha^2 S_k + sigma^2 I (`transformed` by alpha I, without its d^3 products). Nil when a
    /// covariance is not positive definite to working precision.
    public func marginal(at level: NoiseLevel) -> FullCovarianceMixture? {
        let alpha = level.alpha, variance = level.sigma * level.sigma, d = dimension
        return FullCovarianceMixture(weights: weights, means: means.map { $0.map { alpha * $0 } },
                                     covariances: covariances.map { s in
                                         s.indices.map { i in alpha * alpha * s[i] + (i % (d + 1) == 0 ? variance : 0) }
                                     })
    }

    /// The exact score of the marginal at `level`, under any Gaussian process (VE: alpha = 1), for
    /// every row of `x`. NaN in every coordinate when the marginal's covariances are not positive
    /// definite, so that a sampler counts those samples as diverged instead of going on silently.
    public func score(_ x: Matrix, at level: NoiseLevel, into out: inout Matrix) {
        Self.scores(x, under: marginal(at: level), dimension: dimension, into: &out)
    }

    /// The scores of `marginal` at every row of `x`, or NaN in every coordinate when there is no
    /// marginal (a covariance not positive definite): the exact scores' common way to fail loudly.
    public static func scores(_ x: Matrix, under marginal: FullCovarianceMixture?, dimension: Int, into out: inout Matrix) {
        guard let marginal else {
            out = Matrix(rows: x.rows, columns: dimension, elements: [Float](repeating: .nan, count: x.rows * dimension))
            return
        }
        out = marginal.scores(x)
    }
}
