import ScoreKit

/// How a sample spreads over a mixture's components. Each point goes to the component with the
/// highest responsibility, but only if it lies within that component's bulk: squared
/// Mahalanobis distance at most d + 8 sqrt(2 d) (the chi-square mean plus eight standard
/// deviations: in 2-D it excludes e^-9, about 1 in 8,000, of true draws). Other points are off-mode.
public struct ModeWeights: Sendable, Codable {
    /// Fraction of the points assigned to each component.
    public let fractions: [Double]
    /// Fraction of the points near no component.
    public let offMode: Double
    /// The mixture's weights.
    public let weights: [Double]

    public init(of points: Matrix, mixture: GaussianMixture) {
        let d = Double(mixture.dimension), limit = d + 8 * (2 * d).squareRoot()
        var counts = [Int](repeating: 0, count: mixture.componentCount)
        var off = 0
        for i in 0..<points.rows {
            let x = points.row(i).map(Double.init)
            let k = mixture.nearestComponent(x)
            var distance = 0.0
            for j in 0..<mixture.dimension {
                let diff = x[j] - mixture.means[k][j]
                distance += diff * diff / mixture.variances[k][j]
            }
            if distance <= limit { counts[k] += 1 } else { off += 1 }
        }
        let n = Double(max(points.rows, 1))
        fractions = counts.map { Double($0) / n }
        offMode = Double(off) / n
        weights = mixture.weights
    }

    /// Fraction of components covered: holding at least a quarter of the points their weight predicts.
    public var coverage: Double {
        Double(zip(fractions, weights).filter { $0.0 >= 0.25 * $0.1 }.count) / Double(weights.count)
    }

    /// Total variation between the observed and true mode masses, the off-mode mass counting as
    /// a mode of weight 0: 0.5 * (sum_k |f_k - w_k| + off-mode), in [0, 1].
    public var totalVariation: Double {
        0.5 * (zip(fractions, weights).reduce(0) { $0 + abs($1.0 - $1.1) } + offMode)
    }
}
