import Foundation
import ScoreKit

/// Hutchinson's estimate of a score's Jacobian trace, measured against the exact trace and
/// against its variance law.
///
/// At each point x_i with J = ds/dx the exact trace comes from d unit tangents (block j of the
/// products is column j of J). For M independent projections with E[v v^T] = I the estimate
/// (1/M) sum_m v_m^T J v_m is unbiased, and with S = (J + J^T) / 2 its variance is
///
///     2 sum_{a != b} S_ab^2 / M   (Rademacher: the diagonal cancels, since v_a^2 = 1)
///     2 sum_{a, b}  S_ab^2 / M   (Gaussian)
///
/// averaged over the points: the law. For the sphere no closed form is given (`law` is nil).
/// The check reports the mean squared error over points and repetitions for each M, whose slope
/// against M on log-log axes is -1 when the projections are independent.
public struct HutchinsonCheck: Sendable {
    public let projection: Projection
    public let projectionCounts: [Int]
    /// Mean squared error of the estimate against the exact trace, per M.
    public let meanSquaredErrors: [Double]
    /// The variance law per M (nil for projections on the sphere).
    public let law: [Double]?

    /// Least-squares slope of log MSE against log M (-1 for the 1/M law).
    public var slope: Double {
        let xs = projectionCounts.map { log(Double($0)) }, ys = meanSquaredErrors.map { log($0) }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        return zip(xs, ys).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) } / xs.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
    }

    /// Measures `score`'s trace at `points` (each row one point) and `level`, with `repetitions`
    /// fresh sets of projections for each count M in `projectionCounts`.
    public init(score: NetworkScore, points: Matrix, level: NoiseLevel, projection: Projection,
                projectionCounts: [Int], repetitions: Int, rng: inout RandomSource) {
        precondition(!projectionCounts.isEmpty && repetitions >= 1 && points.rows >= 1, "HutchinsonCheck: nothing to measure")
        let n = points.rows, d = points.columns
        var scores = Matrix(rows: n, columns: d)
        func products(_ directions: Matrix) -> Matrix {
            var out = Matrix(rows: directions.rows, columns: d)
            score.jacobianProducts(points, at: level, directions: directions, scores: &scores, products: &out)
            return out
        }
        var units = Matrix(rows: d * n, columns: d)
        for j in 0..<d { for i in 0..<n { units[j * n + i, j] = 1 } }
        let columns = products(units)
        func jacobian(_ i: Int, _ row: Int, _ column: Int) -> Double { Double(columns[column * n + i, row]) }
        let traces = (0..<n).map { i in (0..<d).reduce(0.0) { $0 + jacobian(i, $1, $1) } }
        var offDiagonal = 0.0, diagonal = 0.0
        for i in 0..<n {
            for a in 0..<d {
                for b in 0..<d {
                    let s = 0.5 * (jacobian(i, a, b) + jacobian(i, b, a))
                    if a == b { diagonal += s * s } else { offDiagonal += s * s }
                }
            }
        }
        let single: Double? = switch projection {
        case .rademacher: 2 * offDiagonal / Double(n)
        case .gaussian: 2 * (offDiagonal + diagonal) / Double(n)
        case .sphere: nil
        }
        self.projection = projection
        self.projectionCounts = projectionCounts
        law = single.map { single in projectionCounts.map { single / Double($0) } }
        meanSquaredErrors = projectionCounts.map { m -> Double in
            var total = 0.0
            for _ in 0..<repetitions {
                let v = projection.directions(count: m * n, dimension: d, rng: &rng), jv = products(v)
                for i in 0..<n {
                    var estimate = 0.0
                    for k in 0..<m { for j in 0..<d { estimate += Double(v[k * n + i, j]) * Double(jv[k * n + i, j]) } }
                    total += (estimate / Double(m) - traces[i]) * (estimate / Double(m) - traces[i])
                }
            }
            return total / Double(n * repetitions)
        }
    }
}
