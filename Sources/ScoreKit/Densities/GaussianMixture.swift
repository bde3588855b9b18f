import Foundation

/// A mixture of Gaussians with diagonal covariances in d dimensions,
/// p(x) = sum_k w_k N(x; mu_k, diag(v_k)), with its exact log-density and score.
///
/// Everything is computed in Double with log-sum-exp over components, so scores stay exact
/// far out in the tails where every component's density underflows.
/// Under Gaussian noise of level sigma the data density becomes the mixture with
/// variances v_k + sigma^2 (`perturbed(sigma:)`), whose score is the DSM target in expectation.
public struct GaussianMixture: Sendable, Equatable {
    public let weights: [Double]
    public let means: [[Double]]
    public let variances: [[Double]]

    /// Weights are normalised to sum to 1. Every mean and variance row has the same length,
    /// weights are non-negative with a positive sum, and variances are positive.
    public init(weights: [Double], means: [[Double]], variances: [[Double]]) {
        precondition(!weights.isEmpty && weights.count == means.count && means.count == variances.count,
                     "GaussianMixture: weights, means and variances need one entry per component")
        let d = means[0].count
        precondition(d >= 1 && means.allSatisfy { $0.count == d } && variances.allSatisfy { $0.count == d },
                     "GaussianMixture: every mean and variance needs \(d) coordinates")
        precondition(weights.allSatisfy { $0 >= 0 && $0.isFinite } && weights.reduce(0, +) > 0,
                     "GaussianMixture: weights must be non-negative with a positive sum")
        precondition(variances.allSatisfy { $0.allSatisfy { $0 > 0 && $0.isFinite } },
                     "GaussianMixture: variances must be positive and finite")
        let total = weights.reduce(0, +)
        self.weights = weights.map { $0 / total }
        self.means = means
        self.variances = variances
    }

    /// `components` equally weighted Gaussians in `dimension` dimensions with means uniform on
    /// the sphere of radius `radius` (so modes stay apart as d grows) and per-coordinate
    /// variances uniform on [0.25, 1]: a test density whose score is known in any dimension.
    public static func random(components: Int, dimension: Int, radius: Double = 3, rng: inout RandomSource) -> GaussianMixture {
        let means = (0..<components).map { _ -> [Double] in
            let u = (0..<dimension).map { _ in rng.normalDouble() }
            let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return u.map { radius * $0 / norm }
        }
        let variances = (0..<components).map { _ in (0..<dimension).map { _ in 0.25 + 0.75 * rng.uniformDouble() } }
        return GaussianMixture(weights: Array(repeating: 1, count: components), means: means, variances: variances)
    }

    public var dimension: Int { means[0].count }
    public var componentCount: Int { weights.count }

    /// The exact marginal of alpha x + sigma z, z ~ N(0, I), under any Gaussian forward process:
    /// means alpha mu_k, variances alpha^2 v_k + sigma^2. Variance exploding: v_k + sigma^2;
    /// variance preserving: means sqrt(abar) mu_k, variances abar v_k + 1 - abar.
    public func marginal(at level: NoiseLevel) -> GaussianMixture {
        precondition(level.alpha > 0 && level.alpha.isFinite && level.sigma >= 0 && level.sigma.isFinite,
                     "GaussianMixture.marginal: alpha must be positive and sigma non-negative, got \(level.alpha), \(level.sigma)")
        let a = level.alpha, s2 = level.sigma * level.sigma
        return GaussianMixture(weights: weights, means: means.map { $0.map { a * $0 } },
                               variances: variances.map { $0.map { a * a * $0 + s2 } })
    }

    /// The density of x + sigma z, z ~ N(0, I): each variance grows by sigma^2.
    public func perturbed(sigma: Double) -> GaussianMixture { marginal(at: NoiseLevel(sigma: sigma)) }

    /// The empirical distribution of `points` smoothed by N(0, bandwidth^2 I): a Gaussian kernel
    /// density estimate. Perturbed by noise sigma it is the KDE with bandwidth
    /// sqrt(bandwidth^2 + sigma^2), the density whose score DSM on these points targets; it
    /// serves as a proxy of the true perturbed score when none is known.
    public static func kernelDensity(of points: Matrix, bandwidth: Double) -> GaussianMixture {
        precondition(points.rows >= 1 && bandwidth > 0, "GaussianMixture.kernelDensity: need points and a positive bandwidth")
        let variance = bandwidth * bandwidth
        return GaussianMixture(weights: Array(repeating: 1, count: points.rows),
                               means: (0..<points.rows).map { points.row($0).map(Double.init) },
                               variances: Array(repeating: Array(repeating: variance, count: points.columns), count: points.rows))
    }

    /// The empirical distribution of the first `limit` rows of `points` (bandwidth 1e-6, only to
    /// keep the variances positive). Perturbed by noise sigma it is the kernel density estimate of
    /// bandwidth sigma: the proxy of the perturbed score when no exact one is known.
    public static func empiricalProxy(of points: Matrix, limit: Int) -> GaussianMixture {
        kernelDensity(of: points.gatherRows(Array(0..<min(limit, points.rows))), bandwidth: 1e-6)
    }

    /// log w_k + log N(x; mu_k, v_k) for every component.
    public func componentLogDensities(_ x: [Double]) -> [Double] {
        (0..<componentCount).map { k in
            var q = 0.0
            for j in 0..<dimension {
                let diff = x[j] - means[k][j]
                q += diff * diff / variances[k][j] + log(2 * Double.pi * variances[k][j])
            }
            return log(weights[k]) - 0.5 * q
        }
    }

    public func logDensity(_ x: [Double]) -> Double {
        logSumExp(componentLogDensities(x))
    }

    /// grad_x log p(x) = sum_k r_k(x) * (-(x - mu_k) / v_k), with responsibilities r_k by log-sum-exp.
    public func score(_ x: [Double]) -> [Double] {
        let logs = componentLogDensities(x)
        let total = logSumExp(logs)
        var s = [Double](repeating: 0, count: dimension)
        for k in 0..<componentCount {
            let r = exp(logs[k] - total)
            guard r > 0 else { continue }
            for j in 0..<dimension { s[j] -= r * (x[j] - means[k][j]) / variances[k][j] }
        }
        return s
    }

    /// Scores of every row of `points`, as Float: the batch path at the noiseless level.
    public func scores(_ points: Matrix) -> Matrix { scores(points, at: NoiseLevel(sigma: 0)) }

    /// The component each row is most likely to come from.
    public func nearestComponent(_ x: [Double]) -> Int {
        let logs = componentLogDensities(x)
        return logs.indices.max { logs[$0] < logs[$1] }!
    }

    /// `count` independent draws.
    public func sample(count: Int, rng: inout RandomSource) -> Matrix {
        var out = Matrix(rows: count, columns: dimension)
        for i in 0..<count {
            let u = rng.uniformDouble()
            var k = 0, cumulative = weights[0]
            while u >= cumulative && k < componentCount - 1 { k += 1; cumulative += weights[k] }
            for j in 0..<dimension {
                out[i, j] = Float(means[k][j] + variances[k][j].squareRoot() * rng.normalDouble())
            }
        }
        return out
    }
}
