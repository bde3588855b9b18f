import Foundation
import ScoreKit
import ScoreKitStudies
import Testing

@Suite struct AnnealedLangevinTests {
    @Test func exactScoreRecoversTheNCSNPairWeights() {
        // Song and Ermon's toy experiment (sigma 20 -> 1, L = 10, T = 100, eps = 0.1): annealing
        // recovers the 0.8 / 0.2 weights that plain Langevin dynamics misses.
        // Binomial standard error at N = 3000 is 0.0073: the 0.03 tolerance is 4.1 of them (false
        // failure below 1e-4 for a sampler whose mean is 0.80; measured means lie at 0.78-0.79).
        // Rejected: plain Langevin's weights (about 0.5 from a symmetric start).
        let pair = ToyDataset.ncsnPair.mixture!
        var rng = RandomSource(seed: 21)
        let sampler = AnnealedLangevin(sigmaMax: 20, sigmaMin: 1, levels: 10, stepsPerLevel: 100, epsilon: 0.1)
        let samples = sampler.sample(count: 3000, score: pair, rng: &rng).samples
        let weights = ModeWeights(of: samples, mixture: pair)
        #expect(abs(weights.fractions[0] - 0.8) <= 0.03, "fraction in the (5, 5) mode: \(weights.fractions[0])")
        // The last level samples q_1 = components of variance 1 + 1 = 2; the discretised chain's
        // stationary variance is alpha / (1 - (1 - alpha / 4)^2) = 2.025 with the paper's alpha / 2
        // drift, and about half that with a full-alpha drift (rejected). About 2,400 points give
        // the variance a standard error of 0.06: the 0.2 tolerance is 3.4 of them.
        let near = (0..<samples.rows).filter { samples[$0, 0] > 0 }
        let spread = near.reduce(0.0) { $0 + Double((samples[$1, 0] - 5) * (samples[$1, 0] - 5)) } / Double(near.count)
        #expect(abs(spread - 2.025) < 0.2, "variance of x1 in the (5, 5) mode: \(spread)")
    }

    @Test func tweedieDenoisingShrinksTowardTheMode() {
        // One Gaussian of variance v = 1 at sigma = 0.5 (not 1, where sigma and sigma^2 agree).
        // The chain's x + (alpha/2) s + sqrt(alpha) z with s = -x / V, V = v + sigma^2 = 1.25, has
        // stationary variance S = alpha / (1 - (1 - alpha / (2V))^2) = 1.2626 (alpha = eps = 0.05,
        // 300 steps: converged to 1e-5). Tweedie's x + sigma^2 s = 0.8 x gives 0.64 S = 0.808.
        // Rejected: sigma in place of sigma^2 (0.6 x, variance 0.455, 27 standard errors away).
        // The sample variance of 8,000 values has standard error 0.0128: the 0.05 tolerance is
        // 3.9 of them (false failure below 1e-4).
        let g = GaussianMixture(weights: [1], means: [[0, 0]], variances: [[1, 1]])
        var rng = RandomSource(seed: 4)
        let sampler = AnnealedLangevin(sigmas: [0.5], stepsPerLevel: 300, epsilon: 0.05, denoise: true)
        let samples = sampler.sample(count: 4000, score: g, rng: &rng).samples
        let variance = samples.elements.reduce(0.0) { $0 + Double($1 * $1) } / Double(samples.elements.count)
        let alpha = 0.05, bigV = 1.25, stationary = alpha / (1 - pow(1 - alpha / (2 * bigV), 2))
        #expect(abs(variance - 0.64 * stationary) < 0.05, "denoised variance \(variance), expected \(0.64 * stationary)")
    }

    @Test func chainsStartAtTheLargestNoiseLevel() {
        // x_0 ~ N(0, sigma_1^2 I): with steps of 1e-6 the chains barely move, so their variance is
        // sigma_1^2 = 100. Rejected: a start at sigma_L (variance 1e-4) or at N(0, I). 4,000 values
        // give a standard error of 2.2 on the variance; the tolerance 10 is 4.5 of them.
        var rng = RandomSource(seed: 5)
        let sampler = AnnealedLangevin(sigmas: [10, 0.01], stepsPerLevel: 1, epsilon: 1e-12)
        let samples = sampler.sample(count: 2000, score: GaussianMixture(weights: [1], means: [[0, 0]], variances: [[1, 1]]), rng: &rng).samples
        let variance = samples.elements.reduce(0.0) { $0 + Double($1 * $1) } / Double(samples.elements.count)
        #expect(abs(variance - 100) < 10, "variance of the chains after two tiny steps: \(variance)")
    }

    @Test func scheduleFollowsThePaper() {
        let sampler = AnnealedLangevin(sigmaMax: 10, sigmaMin: 0.01, levels: 10, epsilon: 2e-5)
        #expect(sampler.sigmas.count == 10)
        #expect(isClose(Double(sampler.sigmas[0]), 10, rel: 1e-6))
        #expect(isClose(Double(sampler.sigmas[9]), 0.01, rel: 1e-6))
        #expect(isClose(Double(sampler.sigmas[1] / sampler.sigmas[0]), pow(10, -1.0 / 3), rel: 1e-5))
        #expect(sampler.totalSteps == 1000)
        // alpha_i = eps sigma_i^2 / sigma_L^2: 2e-5 at the last level, 2e-5 * 1e6 = 20 at the first.
        // Rejected: sigma_i / sigma_L unsquared (0.02 at the top), or eps sigma_i^2 alone.
        for (sigma, alpha) in zip(sampler.sigmas, sampler.stepSizes) {
            #expect(isClose(Double(alpha), 2e-5 * pow(Double(sigma) / 0.01, 2), rel: 1e-5), "alpha at sigma \(sigma): \(alpha)")
        }
        #expect(isClose(Double(sampler.stepSizes[0]), 20, rel: 1e-5))
        #expect(AnnealedLangevin(sigmas: [1], stepsPerLevel: 7, denoise: true).totalSteps == 8)
    }
}
