import ScoreKit

/// The energy distance (Szekely and Rizzo) between two samples,
///
///     E = 2 E||X - Y|| - E||X - X'|| - E||Y - Y'||,
///
/// with the within-sample means over distinct pairs (unbiased). It is 0 in expectation when
/// both samples come from one distribution and positive otherwise.
public enum EnergyDistance {
    public static func between(_ x: Matrix, _ y: Matrix) -> Double {
        precondition(x.rows >= 2 && y.rows >= 2, "EnergyDistance: need at least two points per sample")
        func distanceSum(_ a: Matrix, _ b: Matrix) -> Double {
            var total = 0.0
            PairwiseDistances(a, b).forEachBlock { _, _, rows, columns, block in
                for i in 0..<(rows * columns) { block[i] = block[i].squareRoot() }
                total += Kernels.sum(count: rows * columns, block)
            }
            return total
        }
        let m = Double(x.rows), n = Double(y.rows)
        // The diagonal of a sample against itself is 0, so the full sums are the distinct-pair sums.
        return 2 * distanceSum(x, y) / (m * n) - distanceSum(x, x) / (m * (m - 1)) - distanceSum(y, y) / (n * (n - 1))
    }
}
