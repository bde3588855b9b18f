/// Anything that gives the score s(x, t) ~ grad_x log q_t(x) for a batch of points at one level:
/// a trained network (`NetworkScore`) or an exact one (a Gaussian mixture's marginal under a
/// process). Samplers, metrics and figures take either.
public protocol ScoreFunction {
    var dimension: Int { get }
    /// Writes s(x_i, level) for every row of `x` ([n, d]) into `out`, which has the same shape.
    func score(_ x: Matrix, at level: NoiseLevel, into out: inout Matrix)
}

extension ScoreFunction {
    /// s(x, level) for every row of `x`, as a new matrix.
    public func scores(_ x: Matrix, at level: NoiseLevel) -> Matrix {
        precondition(x.columns == dimension, "scores: points have \(x.columns) columns, the score expects \(dimension)")
        var out = Matrix(rows: x.rows, columns: dimension)
        score(x, at: level, into: &out)
        return out
    }

    /// s(x, sigma) at a bare variance-exploding level.
    public func scores(_ x: Matrix, sigma: Float) -> Matrix {
        scores(x, at: NoiseLevel(sigma: Double(sigma)))
    }
}
