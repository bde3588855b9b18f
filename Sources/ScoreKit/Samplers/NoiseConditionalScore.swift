/// Anything that gives s(x, sigma) for a batch of points at one noise level: a trained
/// network (`NetworkScore`) or an exact score (`GaussianMixture`). Samplers take either.
public protocol NoiseConditionalScore {
    var dimension: Int { get }
    /// Writes s(x_i, sigma) for `count` rows of `x` ([count, d]) into `out` ([count, d]).
    func score(x: UnsafePointer<Float>, count: Int, sigma: Float, into out: UnsafeMutablePointer<Float>)
}

/// A data density whose noisy versions are known exactly: perturbed samples to measure on, and
/// (as a `NoiseConditionalScore`) the exact score of the perturbed density at every level.
public protocol PerturbedDataSource: NoiseConditionalScore {
    /// `count` draws of x~ = x + noise at level sigma, x from the data density.
    func samplePerturbed(count: Int, sigma: Float, rng: inout RandomSource) -> Matrix
}

extension GaussianMixture: PerturbedDataSource {
    /// x + sigma z, z ~ N(0, I).
    public func samplePerturbed(count: Int, sigma: Float, rng: inout RandomSource) -> Matrix {
        var points = sample(count: count, rng: &rng)
        let noise = rng.normals(count: points.elements.count)
        for i in points.elements.indices { points.elements[i] += sigma * noise[i] }
        return points
    }

    /// The exact score of the mixture perturbed by N(0, sigma^2 I).
    public func score(x: UnsafePointer<Float>, count: Int, sigma: Float, into out: UnsafeMutablePointer<Float>) {
        perturbed(sigma: Double(sigma)).score(x: x, count: count, into: out)
    }

    /// The mixture's own score at `count` rows of `x`, evaluated in Double, written as Float.
    public func score(x: UnsafePointer<Float>, count: Int, into out: UnsafeMutablePointer<Float>) {
        scoreRows(x, count: count, dimension: dimension, into: out, score)
    }
}

/// Applies a Double-precision score function to `count` Float rows of `x` ([count, d]).
func scoreRows(_ x: UnsafePointer<Float>, count: Int, dimension d: Int, into out: UnsafeMutablePointer<Float>,
               _ score: ([Double]) -> [Double]) {
    var point = [Double](repeating: 0, count: d)
    for i in 0..<count {
        for j in 0..<d { point[j] = Double(x[i * d + j]) }
        let s = score(point)
        for j in 0..<d { out[i * d + j] = Float(s[j]) }
    }
}
