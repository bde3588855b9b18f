import ScoreKit

/// Squared Euclidean distances between the rows of two point sets, one block at a time, so
/// that N x M metrics need O(block^2) memory, not O(N M).
///
/// Each block is ||a_i||^2 + ||b_j||^2 - 2 a_i . b_j with the cross products from one GEMM;
/// rounding can make a tiny distance slightly negative, so entries are clamped at 0. The
/// absolute error is about 1e-7 of the squared norms, far below any bandwidth or k-NN radius
/// these metrics use.
public struct PairwiseDistances {
    public let a: Matrix
    public let b: Matrix
    public static let blockSize = 1024
    private let normsA: [Float]
    private let normsB: [Float]

    public init(_ a: Matrix, _ b: Matrix) {
        precondition(a.columns == b.columns, "PairwiseDistances: \(a.columns) vs \(b.columns) columns")
        self.a = a
        self.b = b
        normsA = (0..<a.rows).map { i in (0..<a.columns).reduce(Float(0)) { $0 + a[i, $1] * a[i, $1] } }
        normsB = (0..<b.rows).map { i in (0..<b.columns).reduce(Float(0)) { $0 + b[i, $1] * b[i, $1] } }
    }

    /// Calls `body(rowStart, columnStart, rows, columns, block)` for every block, where
    /// block[r * columns + c] = ||a_{rowStart + r} - b_{columnStart + c}||^2. The body may
    /// overwrite the block (to transform it in place).
    package func forEachBlock(_ body: (Int, Int, Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        let size = Self.blockSize, d = a.columns
        let block = FloatBuffer(count: size * size)
        a.elements.withUnsafeBufferPointer { pa in
            b.elements.withUnsafeBufferPointer { pb in
                for i0 in stride(from: 0, to: a.rows, by: size) {
                    let rows = min(size, a.rows - i0)
                    for j0 in stride(from: 0, to: b.rows, by: size) {
                        let columns = min(size, b.rows - j0)
                        BLAS.gemm(m: rows, n: columns, k: d, alpha: -2, pa.baseAddress! + i0 * d, transposeA: false,
                                  pb.baseAddress! + j0 * d, transposeB: true, beta: 0, block.pointer)
                        for r in 0..<rows {
                            let row = block.pointer + r * columns, na = normsA[i0 + r]
                            normsB.withUnsafeBufferPointer { nb in
                                for c in 0..<columns { row[c] = max(0, row[c] + na + nb[j0 + c]) }
                            }
                        }
                        body(i0, j0, rows, columns, block.pointer)
                    }
                }
            }
        }
    }

    /// The largest distance (not squared) between a row of `a` and a row of `b`: NCSN's choice of
    /// sigma_max for a data set (Song and Ermon, 2020, technique 1).
    public func largestDistance() -> Double {
        var largest: Float = 0
        forEachBlock { _, _, rows, columns, block in
            for i in 0..<(rows * columns) { largest = max(largest, block[i]) }
        }
        return Double(largest).squareRoot()
    }

    /// For each row of `a`, the distance (not squared) to its nearest row of `b`.
    public func nearestDistances() -> [Double] {
        var nearest = [Float](repeating: .infinity, count: a.rows)
        forEachBlock { i0, _, rows, columns, block in
            for r in 0..<rows {
                var best = nearest[i0 + r]
                for c in 0..<columns { best = min(best, block[r * columns + c]) }
                nearest[i0 + r] = best
            }
        }
        return nearest.map { Double($0).squareRoot() }
    }
}
