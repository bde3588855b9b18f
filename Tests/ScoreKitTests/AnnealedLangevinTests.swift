import Foundation
import Testing
import ScoreKit

@Suite struct AnnealedLangevinTests {
    @Test func exactScoreRecoversTheNCSNPairWeights() {
        // Song and Ermon's toy experiment (sigma 20 -> 1, L = 10, T = 100, eps = 0.1): annealing
        // recovers the 0.8 / 0.2 weights that plain Langevin dynamics misses.
        // Binomial standard error at N = 3000 is 0.0073.
        let pair = ToyDataset.ncsnPair.mixture!
        var rng = RandomSource(seed: 21)
        let sampler = AnnealedLangevin(sigmaMax: 20, sigmaMin: 1, levels: 10, stepsPerLevel: 100, epsilon: 0.1)
        let samples = sampler.sample(count: 3000, score: pair, rng: &rng)
        let weights = ModeWeights(of: samples, mixture: pair)
        #expect(abs(weights.fractions[0] - 0.8) <= 0.03, "fraction in the (5, 5) mode: \(weights.fractions[0])")
        // The last level samples q_1 = components of variance 1 + 1 = 2; the discretised chain's
        // stationary variance is alpha / (1 - (1 - alpha / 4)^2) = 2.025 with the paper's alpha / 2
        // drift, and about half that with a full-alpha drift.
        let near = (0..<samples.rows).filter { samples[$0, 0] > 0 }
        let spread = near.reduce(0.0) { $0 + Double((samples[$1, 0] - 5) * (samples[$1, 0] - 5)) } / Double(near.count)
        #expect(abs(spread - 2.025) < 0.2, "variance of x1 in the (5, 5) mode: \(spread)")
    }

    @Test func tweedieDenoisingShrinksTowardTheMode() {
        // For one Gaussian of variance v, x + sigma^2 s(x, sigma) maps q_sigma (variance v + sigma^2)
        // to variance (v / (v + sigma^2))^2 (v + sigma^2) = v^2 / (v + sigma^2).
        let g = GaussianMixture(weights: [1], means: [[0, 0]], variances: [[1, 1]])
        var rng = RandomSource(seed: 4)
        let sampler = AnnealedLangevin(sigmas: [1], stepsPerLevel: 300, epsilon: 0.05, denoise: true)
        let samples = sampler.sample(count: 4000, score: g, rng: &rng)
        let variance = samples.elements.reduce(0.0) { $0 + Double($1 * $1) } / Double(samples.elements.count)
        #expect(abs(variance - 0.5) < 0.05, "denoised variance \(variance), expected 1 / 2")
    }

    @Test func scheduleFollowsThePaper() {
        let sampler = AnnealedLangevin(sigmaMax: 10, sigmaMin: 0.01, levels: 10)
        #expect(sampler.sigmas.count == 10)
        #expect(isClose(Double(sampler.sigmas[0]), 10, rel: 1e-6))
        #expect(isClose(Double(sampler.sigmas[9]), 0.01, rel: 1e-6))
        #expect(isClose(Double(sampler.sigmas[1] / sampler.sigmas[0]), pow(10, -1.0 / 3), rel: 1e-5))
        #expect(sampler.totalSteps == 1000)
    }
}
