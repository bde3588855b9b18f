import ScoreKit

/// Sliced Wasserstein-2 distance between two point clouds in d dimensions:
///
///     SW2(a, b) = sqrt( mean over random unit directions u of W2^2(u . a, u . b) )
///
/// with each 1-D W2 exact by sorting (quantile matching, so the clouds may differ in size:
/// both are read at `max(n_a, n_b)` evenly spaced quantiles). 0 for identical clouds;
/// for two samples of one distribution it is positive and shrinks like n^(-1/2).
public enum SlicedWasserstein {
    public static func distance(_ a: Matrix, _ b: Matrix, projections: Int = 128, rng: inout RandomSource) -> Double {
        precondition(a.columns == b.columns, "SlicedWasserstein: \(a.columns) vs \(b.columns) columns")
        precondition(a.rows > 0 && b.rows > 0, "SlicedWasserstein: empty point cloud")
        let d = a.columns, n = max(a.rows, b.rows)
        var total = 0.0
        for _ in 0..<projections {
            var u = rng.normals(count: d).map(Double.init)
            let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
            u = u.map { $0 / norm }
            let pa = project(a, u).sorted(), pb = project(b, u).sorted()
            var sum = 0.0
            for q in 0..<n {
                let level = (Double(q) + 0.5) / Double(n)
                let diff = pa[min(pa.count - 1, Int(level * Double(pa.count)))] - pb[min(pb.count - 1, Int(level * Double(pb.count)))]
                sum += diff * diff
            }
            total += sum / Double(n)
        }
        return (total / Double(projections)).squareRoot()
    }

    private static func project(_ m: Matrix, _ u: [Double]) -> [Double] {
        (0..<m.rows).map { i in (0..<m.columns).reduce(0.0) { $0 + Double(m[i, $1]) * u[$1] } }
    }
}
