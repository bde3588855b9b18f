/// Anything that gives s(x, sigma) for a batch of points at one noise level: a trained
/// network (`NetworkScore`) or an exact score (`GaussianMixture`). Samplers take either.
public protocol NoiseConditionalScore {
    var dimension: Int { get }
    /// Writes s(x_i, sigma) for `count` rows of `x` ([count, d]) into `out` ([count, d]).
    func score(x: UnsafePointer<Float>, count: Int, sigma: Float, into out: UnsafeMutablePointer<Float>)
}

extension GaussianMixture: NoiseConditionalScore {
    /// The exact score of the mixture perturbed by N(0, sigma^2 I).
    public func score(x: UnsafePointer<Float>, count: Int, sigma: Float, into out: UnsafeMutablePointer<Float>) {
        let q = perturbed(sigma: Double(sigma)), d = dimension
        var point = [Double](repeating: 0, count: d)
        for i in 0..<count {
            for j in 0..<d { point[j] = Double(x[i * d + j]) }
            let s = q.score(point)
            for j in 0..<d { out[i * d + j] = Float(s[j]) }
        }
    }
}
