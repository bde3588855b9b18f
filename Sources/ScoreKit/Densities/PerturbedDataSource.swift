import Foundation

/// A data density whose noisy versions are known exactly: samples of the marginal q_t to measure
/// on and, as a `ScoreFunction`, the exact score of q_t at every level. The ground truth that a
/// learned score and a sampler are measured against.
public protocol PerturbedDataSource: ScoreFunction {
    /// `count` draws of x_t at `level`, x_0 from the data density.
    func samplePerturbed(count: Int, at level: NoiseLevel, rng: inout RandomSource) -> Matrix
}

extension GaussianMixture: PerturbedDataSource {
    /// alpha x_0 + sigma z: the clean points first, then the noise.
    public func samplePerturbed(count: Int, at level: NoiseLevel, rng: inout RandomSource) -> Matrix {
        var points = sample(count: count, rng: &rng)
        let noise = rng.normals(count: points.elements.count)
        let alpha = Float(level.alpha), sigma = Float(level.sigma)
        for i in points.elements.indices { points.elements[i] = alpha * points.elements[i] + sigma * noise[i] }
        return points
    }

    /// The exact score of the marginal at `level`, in Double with log-sum-exp over components as
    /// `score(_:)` computes it, one pass per row with no allocation per row (samplers call this
    /// every step).
    public func score(_ x: Matrix, at level: NoiseLevel, into out: inout Matrix) {
        precondition(x.columns == dimension && out.rows == x.rows && out.columns == dimension,
                     "GaussianMixture.score: \(x.rows) x \(x.columns) points into \(out.rows) x \(out.columns) for dimension \(dimension)")
        let q = marginal(at: level), d = dimension, k = componentCount
        let means = q.means.flatMap { $0 }, inverse = q.variances.flatMap { $0.map { 1 / $0 } }
        let constants = (0..<k).map { c in log(q.weights[c]) - 0.5 * q.variances[c].reduce(0.0) { $0 + log(2 * Double.pi * $1) } }
        var logs = [Double](repeating: 0, count: k)
        means.withUnsafeBufferPointer { m in
            inverse.withUnsafeBufferPointer { v in
                logs.withUnsafeMutableBufferPointer { l in
                    x.elements.withUnsafeBufferPointer { xs in
                        out.elements.withUnsafeMutableBufferPointer { os in
                            for i in 0..<x.rows {
                                let row = xs.baseAddress! + i * d
                                var top = -Double.infinity
                                for c in 0..<k {
                                    var sum = 0.0
                                    for j in 0..<d {
                                        let diff = Double(row[j]) - m[c * d + j]
                                        sum += diff * diff * v[c * d + j]
                                    }
                                    l[c] = constants[c] - 0.5 * sum
                                    top = max(top, l[c])
                                }
                                var total = 0.0
                                for c in 0..<k { total += exp(l[c] - top) }
                                let logTotal = top + log(total)
                                for j in 0..<d {
                                    var sj = 0.0
                                    for c in 0..<k {
                                        let r = exp(l[c] - logTotal)
                                        sj -= r * (Double(row[j]) - m[c * d + j]) * v[c * d + j]
                                    }
                                    os[i * d + j] = Float(sj)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Applies a Double-precision score function to every Float row of `x`.
func scoreRows(_ x: Matrix, into out: inout Matrix, _ score: ([Double]) -> [Double]) {
    precondition(out.rows == x.rows && out.columns == x.columns, "scoreRows: output is \(out.rows) x \(out.columns), input \(x.rows) x \(x.columns)")
    let d = x.columns
    var point = [Double](repeating: 0, count: d)
    for i in 0..<x.rows {
        for j in 0..<d { point[j] = Double(x.elements[i * d + j]) }
        let s = score(point)
        for j in 0..<d { out.elements[i * d + j] = Float(s[j]) }
    }
}

extension GaussianMixture: ScoreJacobian {
    /// The exact Jacobian's action for the marginal at `level`: with responsibilities r_k and
    /// a_k = -(x - m_k) / v_k, s = sum_k r_k a_k and
    ///     (ds/dx) v = sum_k r_k (-v / v_k + a_k (a_k . v)) - s (s . v).
    public func jacobianProducts(_ x: Matrix, at level: NoiseLevel, directions: Matrix, scores: inout Matrix, products: inout Matrix) {
        let d = dimension, count = x.rows, m = directions.rows / max(count, 1)
        precondition(x.columns == d && directions.columns == d && directions.rows == m * count && scores.rows == count && products.rows == directions.rows,
                     "GaussianMixture.jacobianProducts: shapes do not fit \(count) rows of dimension \(d)")
        let q = marginal(at: level)
        var a = [[Double]](repeating: [Double](repeating: 0, count: d), count: q.componentCount)
        for i in 0..<count {
            let point = x.row(i).map(Double.init)
            let logs = q.componentLogDensities(point), total = logSumExp(logs)
            let r = logs.map { exp($0 - total) }
            var s = [Double](repeating: 0, count: d)
            for k in 0..<q.componentCount {
                for j in 0..<d { a[k][j] = -(point[j] - q.means[k][j]) / q.variances[k][j]; s[j] += r[k] * a[k][j] }
            }
            for j in 0..<d { scores[i, j] = Float(s[j]) }
            for block in 0..<m {
                let v = directions.row(block * count + i).map(Double.init)
                let sv = zip(s, v).reduce(0) { $0 + $1.0 * $1.1 }
                var product = s.map { -$0 * sv }
                for k in 0..<q.componentCount where r[k] > 0 {
                    let av = zip(a[k], v).reduce(0) { $0 + $1.0 * $1.1 }
                    for j in 0..<d { product[j] += r[k] * (-v[j] / q.variances[k][j] + a[k][j] * av) }
                }
                for j in 0..<d { products[block * count + i, j] = Float(product[j]) }
            }
        }
    }
}
