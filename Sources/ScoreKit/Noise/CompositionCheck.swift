/// Whether a kernel family is closed under composition: the sum of k independent increments,
/// each from the family at level sigma / sqrt(k) (so the total variance stays sigma^2), compared
/// with the family's own member at sigma by the Kolmogorov-Smirnov distance
/// sup_u |F_empirical(u) - F_kernel(u)| over `samples` sums.
///
/// A closed family (Gaussian) stays at the Monte Carlo floor for every k, about 0.87 / sqrt(n) on
/// average (the mean of the Kolmogorov distribution); any other drifts to the distance between
/// its k-fold convolution and itself, and by the central limit theorem toward the distance
/// between a Gaussian and the kernel. This is why a multi-step noising chain has a closed-form
/// q(x_t | x_0) only for Gaussian increments.
public struct CompositionCheck: Sendable {
    public let kernel: String
    public let steps: [Int]
    public let distances: [Double]
    public let samples: Int

    /// The typical KS distance between n draws and their own distribution: 0.87 / sqrt(n).
    public var floor: Double { 0.87 / Double(samples).squareRoot() }

    public init(kernel: any PerturbationKernel, steps: [Int] = [1, 2, 4, 8, 16], samples: Int = 20_000,
                rng: inout RandomSource) {
        self.kernel = kernel.name
        self.steps = steps
        self.samples = samples
        let sigma = kernel.sigma
        distances = steps.map { k in
            let increment = kernel.scaled(to: sigma / Double(k).squareRoot())
            let sums = (0..<samples).map { _ in (0..<k).reduce(0.0) { sum, _ in sum + increment.sample(rng: &rng) } }.sorted()
            var worst = 0.0
            for (i, u) in sums.enumerated() {
                let f = kernel.cumulativeProbability(u)
                worst = max(worst, abs(Double(i + 1) / Double(samples) - f), abs(f - Double(i) / Double(samples)))
            }
            return worst
        }
    }
}
