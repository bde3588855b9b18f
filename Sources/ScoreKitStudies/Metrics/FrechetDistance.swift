import ScoreKit

/// The Fréchet distance between the Gaussians fitted to two sets of feature vectors (FID when
/// the features are a classifier's, Heusel et al. 2017):
///
///     d^2 = ||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a^{1/2} S_b S_a^{1/2})^{1/2})
///
/// In double precision; the square roots come from LAPACK's symmetric eigensolver, with
/// eigenvalues below zero (rounding in a rank-deficient covariance) taken as zero. The product
/// form S_a^{1/2} S_b S_a^{1/2} is symmetric, so no general matrix square root is needed.
public struct FrechetDistance: Sendable {
    /// d^2, the squared distance.
    public let value: Double
    /// ||mu_a - mu_b||^2, the part of `value` due to the means.
    public let meanTerm: Double

    /// The distance between the fitted Gaussians of the rows of `a` and of `b` (each at least 2 rows).
    /// Nil when a covariance's eigendecomposition fails (a NaN in the features).
    public init?(_ a: Matrix, _ b: Matrix) {
        precondition(a.columns == b.columns && a.rows >= 2 && b.rows >= 2, "FrechetDistance: needs two sets of at least 2 rows of equal width")
        let (muA, covA) = a.meanAndCovariance(), (muB, covB) = b.meanAndCovariance()
        self.init(meanA: muA, covarianceA: covA, meanB: muB, covarianceB: covB)
    }

    /// The distance between N(meanA, covarianceA) and N(meanB, covarianceB); covariances
    /// row-major, symmetric positive semidefinite. Nil when an eigendecomposition fails.
    public init?(meanA: [Double], covarianceA: [Double], meanB: [Double], covarianceB: [Double]) {
        let n = meanA.count
        precondition(n >= 1 && meanB.count == n && covarianceA.count == n * n && covarianceB.count == n * n,
                     "FrechetDistance: sizes differ")
        guard let rootA = Self.squareRoot(covarianceA, size: n) else { return nil }
        let product = Self.multiply(Self.multiply(rootA, covarianceB, n), rootA, n)
        let symmetric = (0..<(n * n)).map { 0.5 * (product[$0] + product[($0 % n) * n + $0 / n]) }
        guard let (values, _) = LAPACK.symmetricEigen(symmetric, size: n) else { return nil }
        let traceRoot = values.reduce(0) { $0 + max(0, $1).squareRoot() }
        let trace = (0..<n).reduce(0.0) { $0 + covarianceA[$1 * n + $1] + covarianceB[$1 * n + $1] }
        meanTerm = zip(meanA, meanB).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        value = max(0, meanTerm + trace - 2 * traceRoot)
    }

    /// The symmetric square root V diag(sqrt(max(lambda, 0))) V^T.
    static func squareRoot(_ s: [Double], size n: Int) -> [Double]? {
        guard let (values, vectors) = LAPACK.symmetricEigen(s, size: n) else { return nil }
        var out = [Double](repeating: 0, count: n * n)
        for k in 0..<n {
            let root = max(0, values[k]).squareRoot()
            guard root > 0 else { continue }
            for i in 0..<n {
                let vi = vectors[i * n + k] * root
                for j in 0..<n { out[i * n + j] += vi * vectors[j * n + k] }
            }
        }
        return out
    }

    static func multiply(_ a: [Double], _ b: [Double], _ n: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for k in 0..<n {
                let aik = a[i * n + k]
                for j in 0..<n { out[i * n + j] += aik * b[k * n + j] }
            }
        }
        return out
    }
}
