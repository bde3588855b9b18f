import ScoreKit

/// MMD^2 between two samples with the Gaussian (RBF) kernel k(x, y) = exp(-||x - y||^2 / (2 h^2)):
///
///     MMD^2_u = 1/(m(m-1)) sum_{i != j} k(x_i, x_j) + 1/(n(n-1)) sum_{i != j} k(y_i, y_j)
///               - 2/(m n) sum_{i, j} k(x_i, y_j)
///
/// the unbiased estimator (Gretton et al., 2012): it can be slightly negative, and its mean is
/// 0 when both samples come from one distribution. The bandwidth h is the median pairwise
/// distance of a pooled subsample (the median heuristic) unless given. The p-value of the
/// hypothesis "same distribution" comes from a permutation test on a subsample of at most
/// `permutationSampleSize` points per side: (1 + #{permuted MMD^2 >= observed}) / (1 + permutations).
public struct MaximumMeanDiscrepancy: Sendable, Codable {
    public let squared: Double
    public let bandwidth: Double
    public let pValue: Double
    public let permutations: Int

    public init(_ x: Matrix, _ y: Matrix, bandwidth: Double? = nil, permutations: Int = 200,
                permutationSampleSize: Int = 1000, rng: inout RandomSource) {
        precondition(x.rows >= 2 && y.rows >= 2, "MaximumMeanDiscrepancy: need at least two points per sample")
        let h = bandwidth ?? Self.medianHeuristic(x, y, rng: &rng)
        self.bandwidth = h
        self.permutations = permutations
        let scale = Float(-1 / (2 * h * h))
        func kernelSum(_ a: Matrix, _ b: Matrix) -> Double {
            var total = 0.0
            PairwiseDistances(a, b).forEachBlock { _, _, rows, columns, block in
                Kernels.exp(count: rows * columns, block, scale: scale, into: block)
                total += Kernels.sum(count: rows * columns, block)
            }
            return total
        }
        let m = Double(x.rows), n = Double(y.rows)
        // k(x, x) = 1 on the diagonal, which the unbiased estimator leaves out.
        squared = (kernelSum(x, x) - m) / (m * (m - 1)) + (kernelSum(y, y) - n) / (n * (n - 1))
            - 2 * kernelSum(x, y) / (m * n)

        // Permutation test on a subsample. With u the indicator of the X rows of the pooled kernel
        // matrix K, every sum the statistic needs follows from u^T K u and the row sums of K,
        // so each permutation costs one matrix-vector product.
        let sx = Self.subsample(x, permutationSampleSize, rng: &rng), sy = Self.subsample(y, permutationSampleSize, rng: &rng)
        let pooled = Matrix(rows: sx.rows + sy.rows, columns: x.columns, elements: sx.elements + sy.elements)
        let total = pooled.rows
        let kernel = FloatBuffer(count: total * total)
        PairwiseDistances(pooled, pooled).forEachBlock { i0, j0, rows, columns, block in
            for r in 0..<rows {
                Kernels.exp(count: columns, block + r * columns, scale: scale, into: kernel.pointer + (i0 + r) * total + j0)
            }
        }
        let rowSums = (0..<total).map { i in (0..<total).reduce(0.0) { $0 + Double(kernel[i * total + $1]) } }
        let everything = rowSums.reduce(0, +)
        let a = Double(sx.rows), b = Double(sy.rows)
        let indicator = FloatBuffer(count: total), product = FloatBuffer(count: total)
        func statistic(_ isX: [Bool]) -> Double {
            for i in 0..<total { indicator[i] = isX[i] ? 1 : 0 }
            BLAS.gemm(m: total, n: 1, k: total, kernel.pointer, transposeA: false, indicator.pointer, transposeB: false,
                      product.pointer)
            var uKu = 0.0, uK1 = 0.0
            for i in 0..<total where isX[i] { uKu += Double(product[i]); uK1 += rowSums[i] }
            let xx = uKu - a, yy = everything - 2 * uK1 + uKu - b, xy = uK1 - uKu
            return xx / (a * (a - 1)) + yy / (b * (b - 1)) - 2 * xy / (a * b)
        }
        var labels = Array(repeating: true, count: sx.rows) + Array(repeating: false, count: sy.rows)
        let observed = statistic(labels)
        var atLeast = 0
        for _ in 0..<permutations {
            labels.shuffle(using: &rng)
            if statistic(labels) >= observed { atLeast += 1 }
        }
        pValue = Double(1 + atLeast) / Double(1 + permutations)
    }

    /// The median distance between points of a pooled subsample of at most 1,000 points.
    public static func medianHeuristic(_ x: Matrix, _ y: Matrix, rng: inout RandomSource) -> Double {
        let sx = subsample(x, 500, rng: &rng), sy = subsample(y, 500, rng: &rng)
        let pooled = Matrix(rows: sx.rows + sy.rows, columns: x.columns, elements: sx.elements + sy.elements)
        var distances: [Float] = []
        PairwiseDistances(pooled, pooled).forEachBlock { i0, j0, rows, columns, block in
            for r in 0..<rows { for c in 0..<columns where i0 + r < j0 + c { distances.append(block[r * columns + c]) } }
        }
        distances.sort()
        return max(Double(distances[distances.count / 2]).squareRoot(), 1e-12)
    }

    /// At most `count` rows drawn without replacement (all rows, in order, when there are fewer).
    static func subsample(_ m: Matrix, _ count: Int, rng: inout RandomSource) -> Matrix {
        guard m.rows > count else { return m }
        var indices = Array(0..<m.rows)
        indices.shuffle(using: &rng)
        return m.gatherRows(Array(indices.prefix(count)))
    }
}
