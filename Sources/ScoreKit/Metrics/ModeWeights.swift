/// How a sample spreads over a mixture's components: each point is assigned to the component
/// with the highest posterior responsibility, and the fractions are compared with the weights.
public struct ModeWeights: Sendable {
    /// Fraction of the points assigned to each component.
    public let fractions: [Double]
    /// The mixture's weights.
    public let weights: [Double]

    public init(of points: Matrix, mixture: GaussianMixture) {
        var counts = [Int](repeating: 0, count: mixture.componentCount)
        for i in 0..<points.rows { counts[mixture.nearestComponent(points.row(i).map(Double.init))] += 1 }
        fractions = counts.map { Double($0) / Double(max(points.rows, 1)) }
        weights = mixture.weights
    }

    /// Total variation between the fractions and the weights: 0.5 * sum_k |f_k - w_k|, in [0, 1].
    public var totalVariation: Double {
        0.5 * zip(fractions, weights).reduce(0) { $0 + abs($1.0 - $1.1) }
    }
}
