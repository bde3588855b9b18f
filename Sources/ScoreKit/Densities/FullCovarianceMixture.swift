import Foundation

/// A mixture of Gaussians with full covariances, p(x) = sum_k w_k N(x; mu_k, S_k), in double
/// precision, each covariance held by its Cholesky factor (LAPACK `dpotrf`).
///
/// The exact stand-in for image data: fitted to labelled images (one Gaussian per class), its
/// image under any linear corruption x~ = A x + eta z is again such a mixture, with means A mu_k
/// and covariances A S_k A^T + eta^2 I (`transformed`), so the corrupted score is known exactly:
///
///     grad log p(x) = -sum_k r_k(x) S_k^{-1} (x - mu_k),   r_k = w_k N_k(x) / p(x).
public struct FullCovarianceMixture: Sendable {
    public let dimension: Int
    public let weights: [Double]
    public let means: [[Double]]
    public let covariances: [[Double]]
    /// Lower Cholesky factors of the covariances, and half their log-determinants.
    let factors: [[Double]]
    let halfLogDeterminants: [Double]

    /// Nil when a covariance is not symmetric positive definite to working precision.
    public init?(weights: [Double], means: [[Double]], covariances: [[Double]]) {
        let d = means.first?.count ?? 0
        precondition(d >= 1 && !weights.isEmpty && weights.count == means.count && means.count == covariances.count
                     && means.allSatisfy { $0.count == d } && covariances.allSatisfy { $0.count == d * d }
                     && weights.allSatisfy { $0 > 0 && $0.isFinite },
                     "FullCovarianceMixture: weights, means and covariances disagree")
        var factors: [[Double]] = [], halves: [Double] = []
        for covariance in covariances {
            guard let l = LAPACK.cholesky(covariance, size: d) else { return nil }
            factors.append(l)
            halves.append((0..<d).reduce(0.0) { $0 + log(l[$1 * d + $1]) })
        }
        let total = weights.reduce(0, +)
        self.dimension = d
        self.weights = weights.map { $0 / total }
        self.means = means
        self.covariances = covariances
        self.factors = factors
        self.halfLogDeterminants = halves
    }

    /// One Gaussian per class, weighted by its frequency, with its sample mean and covariance
    /// (divided by N - 1) plus `ridge` on the diagonal. Nil when a class has fewer than 2 rows
    /// or a covariance is not positive definite.
    public static func fitted(to rows: Matrix, labels: [Int], classes: Int, ridge: Double = 0) -> FullCovarianceMixture? {
        precondition(labels.count == rows.rows, "FullCovarianceMixture.fitted: \(labels.count) labels for \(rows.rows) rows")
        var weights: [Double] = [], means: [[Double]] = [], covariances: [[Double]] = []
        let d = rows.columns
        for c in 0..<classes {
            let members = labels.indices.filter { labels[$0] == c }
            guard members.count >= 2 else { return nil }
            let fit = rows.gatherRows(members).meanAndCovariance()
            var covariance = fit.covariance
            for j in 0..<d { covariance[j * d + j] += ridge }
            weights.append(Double(members.count))
            means.append(fit.mean)
            covariances.append(covariance)
        }
        return FullCovarianceMixture(weights: weights, means: means, covariances: covariances)
    }

    /// The mixture of A x + eta z: means A mu_k, covariances A S_k A^T + eta^2 I (`operator` is
    /// A, d x d row-major). Nil when a corrupted covariance is numerically singular.
    public func transformed(by operator: [Double], noiseVariance: Double) -> FullCovarianceMixture? {
        let d = dimension, a = `operator`
        precondition(a.count == d * d && noiseVariance >= 0, "FullCovarianceMixture.transformed: A must be \(d) x \(d)")
        let means = self.means.map { mu in (0..<d).map { i in (0..<d).reduce(0.0) { $0 + a[i * d + $1] * mu[$1] } } }
        return FullCovarianceMixture(weights: weights, means: means,
                                     covariances: covariances.map { Self.congruence($0, by: a, noiseVariance: noiseVariance, size: d) })
    }

    /// The eigenvalues (ascending) of each corrupted covariance A S_k A^T + eta^2 I, which exist
    /// even where a Cholesky factor does not: under pure blur (eta = 0) the smallest falls like
    /// exp(-2 t lambda_max) and reaches rounding level, so the condition number is then only a lower bound.
    public func transformedSpectra(by operator: [Double], noiseVariance: Double) -> [[Double]] {
        let d = dimension
        precondition(`operator`.count == d * d && noiseVariance >= 0, "FullCovarianceMixture.transformedSpectra: A must be \(d) x \(d)")
        return covariances.map { s in
            LAPACK.symmetricEigen(Self.congruence(s, by: `operator`, noiseVariance: noiseVariance, size: d), size: d)?.values ?? []
        }
    }

    /// A S A^T + eta^2 I, symmetrised against rounding.
    static func congruence(_ s: [Double], by a: [Double], noiseVariance: Double, size d: Int) -> [Double] {
        var as_ = [Double](repeating: 0, count: d * d)  // A S
        for i in 0..<d { for k in 0..<d { let aik = a[i * d + k]; if aik != 0 { for j in 0..<d { as_[i * d + j] += aik * s[k * d + j] } } } }
        var out = [Double](repeating: 0, count: d * d)  // (A S) A^T
        for i in 0..<d { for j in 0..<d { out[i * d + j] = (0..<d).reduce(0.0) { $0 + as_[i * d + $1] * a[j * d + $1] } } }
        for i in 0..<d { for j in 0..<i { let m = 0.5 * (out[i * d + j] + out[j * d + i]); out[i * d + j] = m; out[j * d + i] = m } }
        for i in 0..<d { out[i * d + i] += noiseVariance }
        return out
    }

    /// Solves L y = b (forward) or L^T y = b (backward) for component k's factor.
    private func solve(_ k: Int, _ b: [Double], transposed: Bool) -> [Double] {
        let l = factors[k], d = dimension
        var y = b
        if transposed {
            for i in stride(from: d - 1, through: 0, by: -1) {
                var sum = y[i]
                for j in (i + 1)..<d { sum -= l[j * d + i] * y[j] }
                y[i] = sum / l[i * d + i]
            }
        } else {
            for i in 0..<d {
                var sum = y[i]
                for j in 0..<i { sum -= l[i * d + j] * y[j] }
                y[i] = sum / l[i * d + i]
            }
        }
        return y
    }

    /// Per component, log(w_k N_k(x)) and -S_k^{-1} (x - mu_k).
    private func componentTerms(_ x: [Double]) -> (logTerms: [Double], directions: [[Double]]) {
        precondition(x.count == dimension, "FullCovarianceMixture: a point of \(x.count) coordinates, the mixture has \(dimension)")
        let d = dimension
        var logTerms: [Double] = [], directions: [[Double]] = []
        for k in 0..<weights.count {
            let y = solve(k, (0..<d).map { x[$0] - means[k][$0] }, transposed: false)
            let quadratic = y.reduce(0) { $0 + $1 * $1 }
            logTerms.append(log(weights[k]) - halfLogDeterminants[k] - 0.5 * quadratic - 0.5 * Double(d) * log(2 * Double.pi))
            directions.append(solve(k, y, transposed: true).map { -$0 })
        }
        return (logTerms, directions)
    }

    /// The responsibilities r_k(x) = w_k N_k(x) / p(x), by log-sum-exp, and log p(x).
    private static func responsibilities(_ logTerms: [Double]) -> (weights: [Double], logDensity: Double) {
        let top = logTerms.max()!
        let total = logTerms.reduce(0) { $0 + exp($1 - top) }
        return (logTerms.map { exp($0 - top) / total }, top + log(total))
    }

    /// log p(x) and grad log p(x), the responsibilities combined by log-sum-exp.
    public func logDensityAndScore(_ x: [Double]) -> (logDensity: Double, score: [Double]) {
        let (logTerms, directions) = componentTerms(x)
        let (r, logDensity) = Self.responsibilities(logTerms)
        var score = [Double](repeating: 0, count: dimension)
        for k in 0..<weights.count { for j in 0..<dimension { score[j] += r[k] * directions[k][j] } }
        return (logDensity, score)
    }

    /// E[x | u] for x ~ this mixture observed as u = A x + eta z: `corrupted` must be
    /// `transformed(by: A, noiseVariance: eta^2)`. Each component's Gaussian posterior mean
    /// mu_k + S_k A^T C_k^{-1} (u - A mu_k), weighted by its responsibility for u under the
    /// corrupted mixture; A E[x | u] = u + eta^2 grad log q(u) (Tweedie's formula) checks it.
    public func posteriorMean(_ u: [Double], operator a: [Double], corrupted: FullCovarianceMixture) -> [Double] {
        let d = dimension
        precondition(a.count == d * d && corrupted.dimension == d && corrupted.weights.count == weights.count,
                     "FullCovarianceMixture.posteriorMean: A or the corrupted mixture does not fit")
        let (logTerms, directions) = corrupted.componentTerms(u)
        let r = Self.responsibilities(logTerms).weights
        var mean = [Double](repeating: 0, count: d)
        for k in 0..<weights.count {
            // A^T C_k^{-1} (u - A mu_k), with C_k^{-1} (u - A mu_k) = -directions_k.
            let w = (0..<d).map { j in (0..<d).reduce(0.0) { $0 - a[$1 * d + j] * directions[k][$1] } }
            for i in 0..<d {
                mean[i] += r[k] * (means[k][i] + (0..<d).reduce(0.0) { $0 + covariances[k][i * d + $1] * w[$1] })
            }
        }
        return mean
    }

    /// grad log p for every row of `x`.
    public func scores(_ x: Matrix) -> Matrix {
        precondition(x.columns == dimension, "FullCovarianceMixture.scores: rows of \(x.columns) coordinates, the mixture has \(dimension)")
        var out = Matrix(rows: x.rows, columns: dimension)
        for i in 0..<x.rows {
            let score = logDensityAndScore(x.row(i).map(Double.init)).score
            for j in 0..<dimension { out[i, j] = Float(score[j]) }
        }
        return out
    }

    /// x ~ p, by component then mu_k + L_k z.
    public func sample(count: Int, rng: inout RandomSource) -> Matrix {
        let d = dimension
        var out = Matrix(rows: count, columns: d)
        for i in 0..<count {
            let u = rng.uniformDouble()
            var k = 0, cumulative = weights[0]
            while u >= cumulative && k < weights.count - 1 { k += 1; cumulative += weights[k] }
            let z = (0..<d).map { _ in rng.normalDouble() }
            for r in 0..<d { out[i, r] = Float(means[k][r] + (0...r).reduce(0.0) { $0 + factors[k][r * d + $1] * z[$1] }) }
        }
        return out
    }

    /// The condition number (largest over smallest eigenvalue) of each component's covariance.
    public var conditionNumbers: [Double] {
        covariances.map { s in
            guard let (values, _) = LAPACK.symmetricEigen(s, size: dimension) else { return .nan }
            return values.last! / values.first!
        }
    }
}
