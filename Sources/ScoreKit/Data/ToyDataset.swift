import Foundation

/// The 2-D data sets of the score-matching literature, each drawn from a seed.
///
/// The mixtures (`ncsnPair`, `eightGaussians`) have an exact score (`mixture`); the others
/// are the shapes popularised by FFJORD and NCSN tutorials, defined here by their generators.
public enum ToyDataset: String, CaseIterable, Sendable, Codable {
    /// 0.8 N((5, 5), I) + 0.2 N((-5, -5), I), the example of Song and Ermon (2019).
    case ncsnPair = "ncsn-pair"
    /// Eight equal Gaussians on a circle of radius 2 sqrt(2), standard deviation 0.5 / sqrt(2).
    case eightGaussians = "8gaussians"
    /// Two interleaved half circles, scaled by 2 and shifted by (-1, -0.2), noise 0.1.
    case twoMoons = "two-moons"
    /// (t cos t, t sin t) / 5 for t uniform on [1.5 pi, 4.5 pi], plus N(0, 0.2^2) noise per coordinate.
    case swissRoll = "swiss-roll"
    /// Four concentric circles of radii 0.75, 1.5, 2.25, 3, noise 0.08.
    case rings
    /// Eight squares of a 4 x 4 checkerboard on [-4, 4]^2, uniform within each.
    case checkerboard
    /// Five curved arms (radial std 0.3, tangential std 0.1, rate 0.25), scaled by 2.
    case pinwheel

    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// The exact density, where the data set is a Gaussian mixture.
    public var mixture: GaussianMixture? {
        switch self {
        case .ncsnPair:
            return GaussianMixture(weights: [0.8, 0.2], means: [[5, 5], [-5, -5]], variances: [[1, 1], [1, 1]])
        case .eightGaussians:
            let radius = 4 / 2.0.squareRoot(), variance = 0.125
            let means = (0..<8).map { k -> [Double] in
                let angle = Double(k) * Double.pi / 4
                return [radius * cos(angle), radius * sin(angle)]
            }
            return GaussianMixture(weights: Array(repeating: 1, count: 8), means: means,
                                   variances: Array(repeating: [variance, variance], count: 8))
        default:
            return nil
        }
    }

    /// `count` points as a [count, 2] matrix.
    public func sample(count: Int, rng: inout RandomSource) -> Matrix {
        if let mixture { return mixture.sample(count: count, rng: &rng) }
        var out = Matrix(rows: count, columns: 2)
        for i in 0..<count {
            let (a, b) = point(index: i, count: count, rng: &rng)
            out[i, 0] = Float(a)
            out[i, 1] = Float(b)
        }
        return out
    }

    private func point(index i: Int, count: Int, rng: inout RandomSource) -> (Double, Double) {
        switch self {
        case .twoMoons:
            let t = Double.pi * rng.uniformDouble()
            let (x, y) = i % 2 == 0 ? (cos(t), sin(t)) : (1 - cos(t), 0.5 - sin(t))
            return (2 * x - 1 + 0.1 * rng.normalDouble(), 2 * y - 0.2 + 0.1 * rng.normalDouble())
        case .swissRoll:
            let t = 1.5 * Double.pi * (1 + 2 * rng.uniformDouble())
            return (t * cos(t) / 5 + 0.2 * rng.normalDouble(), t * sin(t) / 5 + 0.2 * rng.normalDouble())
        case .rings:
            let radius = 0.75 * Double(1 + i % 4)
            let angle = 2 * Double.pi * rng.uniformDouble()
            return (radius * cos(angle) + 0.08 * rng.normalDouble(), radius * sin(angle) + 0.08 * rng.normalDouble())
        case .checkerboard:
            let x = 4 * rng.uniformDouble() - 2
            let column = Int(floor(x)) & 1
            let y = rng.uniformDouble() - 2 * Double(Int(rng.uniformDouble() * 2)) + Double(column)
            return (2 * x, 2 * y)
        case .pinwheel:
            let arms = 5
            let arm = i % arms
            let radial = 1 + 0.3 * rng.normalDouble(), tangential = 0.1 * rng.normalDouble()
            let angle = 2 * Double.pi * Double(arm) / Double(arms) + 0.25 * exp(radial)
            return (2 * (radial * cos(angle) - tangential * sin(angle)),
                    2 * (radial * sin(angle) + tangential * cos(angle)))
        case .ncsnPair, .eightGaussians:
            preconditionFailure("mixtures are sampled through their GaussianMixture")
        }
    }
}
