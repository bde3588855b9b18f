/// A score function that also gives its Jacobian's action, the directional derivatives
/// (ds/dx) v: what the divergence tr(ds/dx) of the probability-flow ODE is made of (d unit
/// directions for the exact trace, one random probe for Hutchinson's estimate).
public protocol ScoreJacobian: ScoreFunction {
    /// For `x` ([n, d]) and `directions` ([M n, d], block m holding v_m for every row), writes
    /// s(x, level) into `scores` ([n, d]) and (ds/dx) v_m into the same place of `products` ([M n, d]).
    func jacobianProducts(_ x: Matrix, at level: NoiseLevel, directions: Matrix, scores: inout Matrix, products: inout Matrix)
}
