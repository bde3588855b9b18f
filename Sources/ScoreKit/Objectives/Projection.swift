/// The distribution of the random directions v of the Hutchinson (sliced) estimator.
/// Each has E[v v^T] = I, so E[v^T J v] = tr(J).
public enum Projection: String, Sendable, CaseIterable, Codable {
    /// Entries +1 or -1 with equal probability: the lowest-variance choice,
    /// Var[v^T J v] = 2 sum_{i != j} J_ij^2 (for symmetric J).
    case rademacher
    /// v ~ N(0, I): Var[v^T J v] = 2 ||J||_F^2 for symmetric J.
    case gaussian
    /// Uniform on the sphere of radius sqrt(d).
    case sphere

    /// `count` directions of dimension `d`, one per row.
    public func directions(count: Int, dimension d: Int, rng: inout RandomSource) -> Matrix {
        var out = Matrix(rows: count, columns: d)
        out.elements.withUnsafeMutableBufferPointer { fill($0.baseAddress!, count: count, dimension: d, rng: &rng) }
        return out
    }

    /// Fills `count` directions of dimension `d` (row-major [count, d]).
    package func fill(_ out: UnsafeMutablePointer<Float>, count: Int, dimension d: Int, rng: inout RandomSource) {
        switch self {
        case .rademacher:
            var bits: UInt64 = 0
            for i in 0..<(count * d) {
                if i % 64 == 0 { bits = rng.next() }
                out[i] = (bits >> UInt64(i % 64)) & 1 == 0 ? -1 : 1
            }
        case .gaussian:
            rng.fillNormal(out, count: count * d)
        case .sphere:
            rng.fillNormal(out, count: count * d)
            let radius = Float(d).squareRoot()
            for r in 0..<count {
                let row = out + r * d
                var norm: Float = 0
                for j in 0..<d { norm += row[j] * row[j] }
                let scale = radius / max(norm.squareRoot(), .leastNormalMagnitude)
                for j in 0..<d { row[j] *= scale }
            }
        }
    }
}
