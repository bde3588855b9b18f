import ScoreKit

/// |a - b| <= abs + rel * max(|a|, |b|).
func isClose(_ a: Double, _ b: Double, rel: Double, abs: Double = 0) -> Bool {
    Swift.abs(a - b) <= abs + rel * max(Swift.abs(a), Swift.abs(b))
}

func randomMatrix(_ rows: Int, _ columns: Int, rng: inout RandomSource, scale: Float = 1) -> Matrix {
    Matrix(rows: rows, columns: columns, elements: rng.normals(count: rows * columns).map { $0 * scale })
}
