import Foundation

/// A Gaussian mixture with diagonal covariances seen through additive noise from a
/// `AdditiveNoise`: q(y) = integral p(x) k(y - x) dx. Within each component the coordinates
/// stay independent, so q factorises per coordinate into the kernel's closed-form 1-D
/// convolutions c(y_j; mu_kj, v_kj):
///
///     q(y) = sum_k w_k prod_j c(y_j; mu_kj, v_kj),   grad log q(y)_j = sum_k r_k(y) (log c_kj)'(y_j)
///
/// with responsibilities r_k by log-sum-exp. Exact wherever the kernel has a closed form; where
/// its convolution is a quadrature (Student-t), read from a table to 1e-6 (`ConvolutionTable`).
public struct PerturbedMixture {
    public let mixture: GaussianMixture
    public let kernel: any AdditiveNoise
    private let tables: ConvolutionTables

    /// Refuses kernels without a closed-form convolution (`convolved` returning nil).
    public init(mixture: GaussianMixture, kernel: any AdditiveNoise) {
        precondition(kernel.convolved(y: 0, mean: 0, variance: 1) != nil,
                     "PerturbedMixture: the \(kernel.name) kernel has no closed-form perturbed density")
        self.mixture = mixture
        self.kernel = kernel
        tables = ConvolutionTables()
    }

    /// The same mixture through `kernel` (the family at another level), sharing the tables.
    private init(_ mixture: GaussianMixture, _ kernel: any AdditiveNoise, tables: ConvolutionTables) {
        self.mixture = mixture
        self.kernel = kernel
        self.tables = tables
    }

    /// log c and its derivative at y for one component coordinate: tabulated for a quadrature kernel.
    private func convolved(y: Double, mean: Double, variance: Double) -> (logDensity: Double, score: Double) {
        if kernel.convolvesByQuadrature, let value = tables.table(for: kernel, variance: variance).value(at: y - mean) { return value }
        return kernel.convolved(y: y, mean: mean, variance: variance)!
    }

    /// Per component: log w_k + sum_j log c_kj(y_j), and the per-coordinate scores (log c_kj)'(y_j).
    private func components(_ y: [Double]) -> [(logDensity: Double, scores: [Double])] {
        (0..<mixture.componentCount).map { k in
            var total = log(mixture.weights[k]), scores = [Double](repeating: 0, count: y.count)
            for j in 0..<y.count {
                let c = convolved(y: y[j], mean: mixture.means[k][j], variance: mixture.variances[k][j])
                total += c.logDensity
                scores[j] = c.score
            }
            return (total, scores)
        }
    }

    public func logDensity(_ y: [Double]) -> Double {
        logSumExp(components(y).map(\.logDensity))
    }

    public func score(_ y: [Double]) -> [Double] {
        let parts = components(y)
        let total = logSumExp(parts.map(\.logDensity))
        var s = [Double](repeating: 0, count: y.count)
        for part in parts {
            let r = exp(part.logDensity - total)
            for j in 0..<y.count { s[j] += r * part.scores[j] }
        }
        return s
    }
}

extension PerturbedMixture: PerturbedDataSource {
    public var dimension: Int { mixture.dimension }

    /// The exact score with the kernel at the level's sigma (additive noise: alpha = 1).
    public func score(_ x: Matrix, at level: NoiseLevel, into out: inout Matrix) {
        precondition(level.alpha == 1, "PerturbedMixture: additive noise has alpha = 1, got \(level.alpha)")
        let q = PerturbedMixture(mixture, kernel.scaled(to: level.sigma), tables: tables)
        scoreRows(x, into: &out, q.score)
    }

    public func samplePerturbed(count: Int, at level: NoiseLevel, rng: inout RandomSource) -> Matrix {
        precondition(level.alpha == 1, "PerturbedMixture: additive noise has alpha = 1, got \(level.alpha)")
        let k = kernel.scaled(to: level.sigma)
        var points = mixture.sample(count: count, rng: &rng)
        for i in points.elements.indices { points.elements[i] += Float(k.sample(rng: &rng)) }
        return points
    }
}
