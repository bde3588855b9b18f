import Foundation
import ScoreKit
import ScoreKitStudies
import Testing

@Suite struct GaussianMixtureTests {
    let mixture = GaussianMixture(weights: [0.3, 0.5, 0.2], means: [[0, 1, -1], [2, -2, 0.5], [-3, 0, 4]],
                                  variances: [[0.5, 1, 2], [1, 0.25, 1], [3, 1, 0.5]])

    @Test func scoreIsTheGradientOfTheLogDensity() {
        var rng = RandomSource(seed: 3)
        let h = 1e-5
        // Includes points far in the tails, where every component's density underflows to 0
        // but log-sum-exp keeps the score exact.
        var points = (0..<40).map { _ in (0..<3).map { _ in 3 * rng.normalDouble() } }
        points += [[60, -80, 100], [-500, 0, 0]]
        for q in [mixture, mixture.perturbed(sigma: 0.7)] {
            for x in points {
                let s = q.score(x)
                for j in 0..<3 {
                    var up = x, down = x
                    up[j] += h; down[j] -= h
                    let numeric = (q.logDensity(up) - q.logDensity(down)) / (2 * h)
                    #expect(isClose(s[j], numeric, rel: 1e-6, abs: 1e-6), "x \(x) coordinate \(j): \(s[j]) vs \(numeric)")
                }
            }
        }
    }

    @Test func densityIntegratesToOneAndMatchesASingleGaussian() {
        // A one-component mixture is a Gaussian: compare with the closed form.
        let g = GaussianMixture(weights: [1], means: [[1, -1]], variances: [[2, 0.5]])
        let x = [0.3, 0.2]
        let want = -0.5 * (pow(0.3 - 1, 2) / 2 + pow(0.2 + 1, 2) / 0.5) - 0.5 * log(2 * Double.pi * 2) - 0.5 * log(2 * Double.pi * 0.5)
        #expect(isClose(g.logDensity(x), want, rel: 1e-12))
        #expect(isClose(g.score(x)[0], -(0.3 - 1) / 2, rel: 1e-12))
        // Riemann sum of a 2-D mixture's density over a wide box.
        let m = ToyDataset.eightGaussians.mixture!
        var total = 0.0
        let step = 0.05
        for i in 0..<200 { for j in 0..<200 {
            total += exp(m.logDensity([-5 + (Double(i) + 0.5) * step, -5 + (Double(j) + 0.5) * step])) * step * step
        } }
        #expect(isClose(total, 1, rel: 1e-3))
    }

    @Test func perturbationAddsSigmaSquaredToEveryVariance() {
        let q = mixture.perturbed(sigma: 2)
        #expect(q.variances[1] == [5, 4.25, 5])
        #expect(q.weights == mixture.weights)
    }

    @Test func samplesHaveTheMixtureMomentsAndWeights() {
        var rng = RandomSource(seed: 8)
        let pair = ToyDataset.ncsnPair.mixture!
        let points = pair.sample(count: 20_000, rng: &rng)
        let weights = ModeWeights(of: points, mixture: pair)
        // Binomial standard error at n = 20000 is 0.003.
        #expect(abs(weights.fractions[0] - 0.8) < 0.012)
        let mean = (0..<points.rows).reduce(0.0) { $0 + Double(points[$1, 0]) } / Double(points.rows)
        #expect(abs(mean - 3) < 0.1, "mean of x1 is 0.8 * 5 - 0.2 * 5 = 3, got \(mean)")
    }
}
