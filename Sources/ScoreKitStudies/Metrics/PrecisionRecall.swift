import ScoreKit

/// Improved precision and recall of a generative model (Kynkaanniemi et al., 2019), with k-NN
/// balls: each point of a set gets the radius to its k-th nearest neighbour within that set;
///
///     precision = fraction of generated points inside at least one real point's ball
///     recall    = fraction of real points inside at least one generated point's ball.
///
/// Precision measures how much of the generated sample is realistic, recall how much of the
/// data is covered. Both are in [0, 1]; brute-force distances, in blocks.
public struct PrecisionRecall: Sendable {
    public let precision: Double
    public let recall: Double
    public let k: Int
    /// The default k.
    public static let neighbours = 3

    public init(real: Matrix, generated: Matrix, k: Int = neighbours) {
        precondition(real.rows > k && generated.rows > k, "PrecisionRecall: need more than k = \(k) points per set")
        self.k = k
        let realRadii = Self.squaredRadii(real, k: k), generatedRadii = Self.squaredRadii(generated, k: k)
        precision = Self.fractionCovered(generated, by: real, squaredRadii: realRadii)
        recall = Self.fractionCovered(real, by: generated, squaredRadii: generatedRadii)
    }

    /// Squared distance from each point to its k-th nearest other point of the same set.
    static func squaredRadii(_ points: Matrix, k: Int) -> [Float] {
        // Per point, the k smallest distances so far, in ascending order.
        var nearest = [Float](repeating: .infinity, count: points.rows * k)
        PairwiseDistances(points, points).forEachBlock { i0, j0, rows, columns, block in
            for r in 0..<rows {
                let base = (i0 + r) * k
                for c in 0..<columns where i0 + r != j0 + c {
                    let d = block[r * columns + c]
                    guard d < nearest[base + k - 1] else { continue }
                    var slot = k - 1
                    while slot > 0 && nearest[base + slot - 1] > d {
                        nearest[base + slot] = nearest[base + slot - 1]
                        slot -= 1
                    }
                    nearest[base + slot] = d
                }
            }
        }
        return (0..<points.rows).map { nearest[$0 * k + k - 1] }
    }

    /// Fraction of `points` within the ball of at least one point of `centres`.
    static func fractionCovered(_ points: Matrix, by centres: Matrix, squaredRadii: [Float]) -> Double {
        var covered = [Bool](repeating: false, count: points.rows)
        PairwiseDistances(points, centres).forEachBlock { i0, j0, rows, columns, block in
            for r in 0..<rows where !covered[i0 + r] {
                for c in 0..<columns where block[r * columns + c] <= squaredRadii[j0 + c] {
                    covered[i0 + r] = true
                    break
                }
            }
        }
        return Double(covered.filter { $0 }.count) / Double(points.rows)
    }
}
