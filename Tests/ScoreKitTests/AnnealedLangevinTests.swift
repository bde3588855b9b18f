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

    @Test func levelRatioMeetsTechniqueTwo() throws {
        // Phi(sqrt(2D)(gamma - 1) + 3 gamma) - Phi(sqrt(2D)(gamma - 1) - 3 gamma) = 1/2, Phi from
        // Foundation's erfc. CIFAR-10 (D = 3072): the paper's 232 levels from 50 to 0.01 step by
        // 1.0376; the condition's own ratio is 1.0398. Rejected: sqrt(D) for sqrt(2D) (1.114 at 784).
        func phi(_ x: Double) -> Double { 0.5 * Foundation.erfc(-x / 2.0.squareRoot()) }
        for (dimension, expected) in [(64, 1.36085), (784, 1.08197), (3072, 1.03980)] {
            let gamma = try #require(AnnealedLangevin.levelRatio(dimension: dimension))
            let k = (2 * Double(dimension)).squareRoot()
            #expect(abs(phi(k * (gamma - 1) + 3 * gamma) - phi(k * (gamma - 1) - 3 * gamma) - 0.5) < 1e-12, "D = \(dimension)")
            #expect(isClose(gamma, expected, rel: 1e-5), "D = \(dimension): \(gamma)")
        }
        #expect(isClose(try #require(AnnealedLangevin.levelRatio(dimension: 3072)), pow(5000, 1.0 / 231), rel: 0.003))
        // sqrt(2D) <= 3: the mass never falls to one half.
        #expect(AnnealedLangevin.levelRatio(dimension: 4) == nil)
        #expect(AnnealedLangevin.levelRatio(dimension: 5) != nil)
    }

    @Test func stepSizeMeetsTechniqueFour() {
        // CIFAR-10: 232 levels from 50 to 0.01, T = 5; the paper's eps = 6.2e-6 in its
        // x + alpha s + sqrt(2 alpha) z is 1.24e-5 here (alpha halved). Rejected: the ratio set to
        // exactly 1 (no root: c > 1), or the paper's epsilon unconverted (half).
        let gamma = pow(5000, 1.0 / 231)
        #expect(isClose(AnnealedLangevin.stepSize(levelRatio: gamma, stepsPerLevel: 5, sigmaMin: 0.01), 1.24e-5, rel: 0.01))
        // One step per level: the ratio gamma^2 (1 - a)^2 + 2a is least at a = 1 - 1/gamma^2.
        for gamma in [1.08, 1.36] {
            let a = AnnealedLangevin.stepSize(levelRatio: gamma, stepsPerLevel: 1, sigmaMin: 0.5) / (2 * 0.25)
            #expect(isClose(a, 1 - 1 / (gamma * gamma), rel: 1e-6), "gamma \(gamma): a = \(a)")
        }
    }

    @Test func tunedLadderFitsTheBudgetAndEndsNearerTheData() throws {
        let fashion = try #require(AnnealedLangevin(tunedFor: 784, sigmaMax: 41.1, sigmaMin: 0.01, evaluations: 100, denoise: true))
        #expect(fashion.sigmas.count == 107 && fashion.stepsPerLevel == 1 && fashion.totalSteps == 108)
        #expect(Double(fashion.sigmas[0] / fashion.sigmas[1]) <= 1.08197)
        let digits = try #require(AnnealedLangevin(tunedFor: 64, sigmaMax: 9.05, sigmaMin: 0.01, evaluations: 100, denoise: true))
        #expect(digits.sigmas.count == 24 && digits.stepsPerLevel == 4 && digits.totalSteps == 97)
        #expect(isClose(Double(digits.sigmas[23]), 0.01, rel: 1e-6))
        // The denoising step is one of the budget's evaluations: 96 = 24 x 4 fits only without it.
        for (denoise, steps) in [(true, 3), (false, 4)] {
            let sampler = try #require(AnnealedLangevin(tunedFor: 64, sigmaMax: 9.05, sigmaMin: 0.01, evaluations: 96, denoise: denoise))
            #expect(sampler.stepsPerLevel == steps && sampler.totalSteps <= 96, "denoise \(denoise): \(sampler.stepsPerLevel) steps")
        }
        #expect(AnnealedLangevin(tunedFor: 4, sigmaMax: 1, sigmaMin: 0.01, evaluations: 100, denoise: true) == nil)
        // On N(0, v I_64) with its exact score each step maps a chain's variance s to
        // (1 - alpha / 2V)^2 s + alpha (V = v + sigma_i^2), and Tweedie's step multiplies it by
        // (1 - sigma_L^2 / V)^2: 1.43 v at the end of the tuned ladder, 3.59 v at the end of ten
        // levels of ten steps (eps 2e-5). 4,000 x 64 values give the variance a standard error of
        // 0.25%: the 2% tolerance is 8 of them. Rejected: either ladder's variance for the other's.
        let v = 0.3
        func predicted(_ sampler: AnnealedLangevin) -> Double {
            var s = Double(sampler.sigmas[0] * sampler.sigmas[0])
            for (sigma, alpha) in zip(sampler.sigmas, sampler.stepSizes) {
                let bigV = v + Double(sigma * sigma)
                for _ in 0..<sampler.stepsPerLevel { s = pow(1 - Double(alpha) / (2 * bigV), 2) * s + Double(alpha) }
            }
            let last = Double(sampler.sigmas[sampler.sigmas.count - 1]), bigV = v + last * last
            return s * pow(1 - last * last / bigV, 2)
        }
        let gaussian = GaussianMixture(weights: [1], means: [[Double](repeating: 0, count: 64)], variances: [[Double](repeating: v, count: 64)])
        let hand = AnnealedLangevin(sigmaMax: 9.05, sigmaMin: 0.01, levels: 10, stepsPerLevel: 10, epsilon: 2e-5, denoise: true)
        #expect(predicted(digits) < 1.45 * v && predicted(hand) > 3.5 * v)
        for sampler in [digits, hand] {
            var rng = RandomSource(seed: 8)
            let samples = sampler.sample(count: 4000, score: gaussian, rng: &rng).samples
            let variance = samples.elements.reduce(0.0) { $0 + Double($1 * $1) } / Double(samples.elements.count)
            #expect(isClose(variance, predicted(sampler), rel: 0.02), "\(sampler.sigmas.count) levels: variance \(variance), predicted \(predicted(sampler))")
        }
    }
}
