import Foundation
import ScoreKit

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

    public init(kernel: any AdditiveNoise, steps: [Int] = [1, 2, 4, 8, 16], samples: Int = 20_000,
                rng: inout RandomSource) {
        let sigma = kernel.sigma
        self.init(name: kernel.name, steps: steps, samples: samples, cumulativeProbability: kernel.cumulativeProbability, rng: &rng) { k, rng in
            let increment = kernel.scaled(to: sigma / Double(k).squareRoot())
            return (0..<k).reduce(0.0) { sum, _ in sum + increment.sample(rng: &rng) }
        }
    }

    /// A linear degradation at level sigma as k steps, each contracting by c^(1/k) and adding
    /// noise eta_k z with eta_k chosen so the k-step noise has the one-step variance eta^2. The
    /// k-step x~ - m - c (x - m) per coordinate is compared with the one-step N(0, eta^2).
    public init(degradation: LinearDegradation, sigma: Double, steps: [Int] = [1, 2, 4, 8, 16], samples: Int = 20_000,
                rng: inout RandomSource) {
        precondition(degradation.hasConditionalScore, "CompositionCheck: a pure contraction has no noise to compose")
        let c = degradation.contraction(at: sigma), eta = degradation.noise(at: sigma)
        self.init(name: degradation.name, steps: steps, samples: samples,
                  cumulativeProbability: { 0.5 * erfc(-$0 / (eta * 2.0.squareRoot())) }, rng: &rng) { k, rng in
            let step = pow(c, 1 / Double(k))
            // Noise added at step j is contracted by the k - j steps after it.
            let gain = (0..<k).reduce(0.0) { $0 + pow(step, 2 * Double($1)) }
            let increment = eta / gain.squareRoot()
            return (0..<k).reduce(0.0) { residual, _ in step * residual + increment * rng.normalDouble() }
        }
    }

    /// The KS distance, for each k, between `samples` draws of `draw(k)` and the distribution
    /// with CDF `cumulativeProbability`.
    init(name: String, steps: [Int], samples: Int, cumulativeProbability: (Double) -> Double,
         rng: inout RandomSource, draw: (Int, inout RandomSource) -> Double) {
        kernel = name
        self.steps = steps
        self.samples = samples
        distances = steps.map { k in
            let sums = (0..<samples).map { _ in draw(k, &rng) }.sorted()
            var worst = 0.0
            for (i, u) in sums.enumerated() {
                let f = cumulativeProbability(u)
                worst = max(worst, abs(Double(i + 1) / Double(samples) - f), abs(f - Double(i) / Double(samples)))
            }
            return worst
        }
    }
}
