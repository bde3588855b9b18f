/// A score function that also gives its Jacobian's action, the directional derivatives
/// (ds/dx) v: what the divergence tr(ds/dx) of the probability-flow ODE is made of (d unit
/// directions for the exact trace, one random probe for Hutchinson's estimate).
public protocol ScoreJacobian: ScoreFunction {
    /// For `x` ([n, d]) and `directions` ([M n, d], block m holding v_m for every row), writes
    /// s(x, level) into `scores` ([n, d]) and (ds/dx) v_m into the same place of `products` ([M n, d]).
    func jacobianProducts(_ x: Matrix, at level: NoiseLevel, directions: Matrix, scores: inout Matrix, products: inout Matrix)

    /// Writes s(x, level) into `scores` and, for each row i, the sum over m of v_m^T (ds/dx) v_m
    /// into `traces[i]`: tr(ds/dx) when the v_m are the d unit vectors, M times Hutchinson's
    /// estimate for random probes. `products` ([M n, d]) is the workspace. By default it holds
    /// (ds/dx) v_m; a score with reverse mode only may hold v_m^T (ds/dx) instead, whose product
    /// with v_m is the same number.
    func jacobianTraces(_ x: Matrix, at level: NoiseLevel, directions: Matrix, scores: inout Matrix,
                        products: inout Matrix, traces: inout [Double])
}

extension ScoreJacobian {
    public func jacobianTraces(_ x: Matrix, at level: NoiseLevel, directions: Matrix, scores: inout Matrix,
                               products: inout Matrix, traces: inout [Double]) {
        jacobianProducts(x, at: level, directions: directions, scores: &scores, products: &products)
        sumTraces(directions: directions, products: products, into: &traces)
    }
}

/// traces[i] = sum over m and j of v_m[i, j] p_m[i, j], in Double, directions in order.
func sumTraces(directions: Matrix, products: Matrix, into traces: inout [Double]) {
    let n = traces.count, d = directions.columns, m = directions.rows / max(n, 1)
    precondition(directions.rows == m * n && products.rows == directions.rows && products.columns == d,
                 "sumTraces: \(directions.rows) directions and \(products.rows) products for \(n) rows")
    for i in 0..<n {
        var trace = 0.0
        for k in 0..<m { for j in 0..<d { trace += Double(directions[k * n + i, j]) * Double(products[k * n + i, j]) } }
        traces[i] = trace
    }
}
