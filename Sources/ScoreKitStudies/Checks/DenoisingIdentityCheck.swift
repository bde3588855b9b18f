import Foundation
import ScoreKit

/// Vincent's identity, checked numerically for one kernel: denoising score matching is
/// equivalent to score matching on the perturbed density q exactly when
///
///     E_q || s(x~) - grad log q(x~) ||^2  =  E_{x ~ p, x~ ~ k(. | x)} || s(x~) - grad log k(x~ | x) ||^2 + C
///
/// with C independent of s, which needs E[grad log k(x~ | x) | x~] = grad log q(x~): true when k is
/// continuous with an integrable derivative (Gaussian, Laplace), false for the uniform box,
/// whose edges add boundary terms the naive zero target misses.
///
/// On pairs (x, x~) it evaluates D(s) = ||s - grad log q||^2 - ||s - grad log k||^2 for each score
/// function s, and compares every s with the first by the paired mean of D(s) - D(s_0) and its
/// standard error. The identity holds when no difference exceeds `tolerance` standard errors.
public struct DenoisingIdentityCheck: Codable {
    public struct Comparison: Sendable, Codable {
        /// Which score function, against the first.
        public let name: String
        /// Mean of D(s) - D(s_0): 0 when the identity holds.
        public let difference: Double
        public let standardError: Double
    }

    public let kernel: String
    public let comparisons: [Comparison]
    public let tolerance: Double

    public var holds: Bool { comparisons.allSatisfy { abs($0.difference) <= tolerance * $0.standardError } }

    /// Four very different score fields to check the identity with, in any dimension: "zero",
    /// "exact" (`exact`'s score at level `sigma`), "linear" (-x / 2) and "wavy" (s_j = sin x_{j+1}
    /// for even j, cos x_{j-1} for odd j, indices mod d: (sin x2, cos x1) in 2-D).
    public static func probeFields(exact: any ScoreFunction, sigma: Double) -> [(name: String, score: ([Double]) -> [Double])] {
        func exactScore(_ y: [Double]) -> [Double] {
            exact.scores(Matrix(rows: 1, columns: y.count, elements: y.map(Float.init)), sigma: Float(sigma)).elements.map(Double.init)
        }
        func wavy(_ y: [Double]) -> [Double] {
            y.indices.map { j in j % 2 == 0 ? sin(y[(j + 1) % y.count]) : cos(y[j - 1]) }
        }
        return [("zero", { [Double](repeating: 0, count: $0.count) }), ("exact", exactScore), ("linear", { $0.map { -0.5 * $0 } }),
                ("wavy", wavy)]
    }

    public init(mixture: GaussianMixture, kernel: any Corruption, sigma: Double,
                scores: [(name: String, score: ([Double]) -> [Double])],
                samples: Int = 20_000, tolerance: Double = 4, rng: inout RandomSource) {
        precondition(kernel.hasConditionalScore, "DenoisingIdentityCheck: \(kernel.name) has no conditional score")
        // The conditional score is undefined only on a set of measure zero (u = 0 for Laplace,
        // the box's edges for uniform): the pairs carry 0 there, as a DSM target would.
        let pairs = CorruptedPairs(mixture: mixture, kernel: kernel, sigma: sigma, count: samples, rng: &rng)
        self.init(kernel: kernel.name, corrupted: pairs.corrupted, target: pairs.target, exactScore: pairs.exactScore,
                  scores: scores, tolerance: tolerance)
    }

    /// The check on given pairs: corrupted points x~, DSM's target grad log k(x~ | x) and the
    /// exact score grad log q(x~), one row each (for densities other than a diagonal mixture).
    public init(kernel: String, corrupted: Matrix, target: Matrix, exactScore: Matrix,
                scores: [(name: String, score: ([Double]) -> [Double])], tolerance: Double = 4) {
        precondition(scores.count >= 2, "DenoisingIdentityCheck: need at least two score functions to compare")
        precondition(target.rows == corrupted.rows && exactScore.rows == corrupted.rows && corrupted.rows >= 2,
                     "DenoisingIdentityCheck: pairs disagree in count")
        var differences = [MonteCarloMean](repeating: MonteCarloMean(), count: scores.count - 1)
        for i in 0..<corrupted.rows {
            let noisy = corrupted.row(i).map(Double.init), target = target.row(i).map(Double.init)
            let exact = exactScore.row(i).map(Double.init)
            let d = scores.map { entry -> Double in
                let s = entry.score(noisy)
                var result = 0.0
                for j in 0..<s.count { result += (s[j] - exact[j]) * (s[j] - exact[j]) - (s[j] - target[j]) * (s[j] - target[j]) }
                return result
            }
            for m in 1..<scores.count { differences[m - 1].add(d[m] - d[0]) }
        }
        comparisons = (1..<scores.count).map { m in
            Comparison(name: "\(scores[m].name) vs \(scores[0].name)", difference: differences[m - 1].mean,
                       standardError: differences[m - 1].standardError)
        }
        self.kernel = kernel
        self.tolerance = tolerance
    }
}
