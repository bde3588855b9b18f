import Foundation
import ScoreKit
import ScoreKitStudies
import Testing

/// The sample metrics and the score metrics against situations whose answer is known.
@Suite struct EvaluationTests {
    let gaussian = GaussianMixture(weights: [1], means: [[0, 0]], variances: [[1, 1]])
    let shifted = GaussianMixture(weights: [1], means: [[0.5, 0]], variances: [[1, 1]])

    /// Two samples, or one: the metrics that need more points are skipped and named, the rest
    /// computed. Rejected: a report that traps after all the training work (MMD and the energy
    /// distance need two points per set, 3-NN precision four).
    @Test func tooFewSamplesSkipMetricsInsteadOfTrapping() {
        var rng = RandomSource(seed: 130)
        let mixture = ToyDataset.eightGaussians.mixture!
        let data = mixture.sample(count: 100, rng: &rng)
        let two = SampleQuality(samples: mixture.sample(count: 2, rng: &rng), data: data, holdout: mixture.sample(count: 2, rng: &rng),
                                mixture: mixture, rng: &rng)
        #expect(two[.mmd] != nil && two[.energyDistance] != nil && two[.precision] == nil && two[.recall] == nil)
        #expect(two.skipped.count == 2 && two.skipped[0].contains("at least 4 points"))
        let one = SampleQuality(samples: mixture.sample(count: 1, rng: &rng), data: data, holdout: mixture.sample(count: 1, rng: &rng),
                                mixture: mixture, rng: &rng)
        #expect(one[.slicedWasserstein] != nil && one[.modeWeights] != nil && one[.mmd] == nil && one.skipped.count == 5)
    }

    @Test func mmdDetectsAHalfStandardDeviationShiftAndNotItsAbsence() {
        // Power: a 0.5 sd shift at 2,000 points per side gives MMD^2 about 0.03, some 30 null
        // standard deviations (about 1e-3 at this size), so p < 0.01 fails with probability far
        // below 1e-6; a test that ignores the data (p uniform) passes it 1% of the time.
        var rng = RandomSource(seed: 50)
        let a = gaussian.sample(count: 2000, rng: &rng)
        let moved = MaximumMeanDiscrepancy(a, shifted.sample(count: 2000, rng: &rng), rng: &rng)
        #expect(moved.pValue < 0.01, "p-value for a 0.5 sd shift: \(moved.pValue)")
        #expect(moved.squared > 0.01, "MMD^2 for a 0.5 sd shift: \(moved.squared)")
        // Same distribution: the p-value is not small. Over 5 seeds the chance that a correct test
        // gives any p < 0.01 is 5%; these seeds are fixed.
        for seed in 0..<5 {
            var r = RandomSource(seed: UInt64(100 + seed))
            let same = MaximumMeanDiscrepancy(gaussian.sample(count: 2000, rng: &r), gaussian.sample(count: 2000, rng: &r), rng: &r)
            #expect(same.pValue > 0.01, "seed \(seed): p \(same.pValue), MMD^2 \(same.squared)")
        }
    }

    @Test func mmdIsCentredOnZeroForOneDistribution() {
        // The unbiased estimator has mean 0 under the null; the biased one (diagonal kept) has mean
        // (1 - E k)(1/m + 1/n). For N(0, I) in 2-D with the median bandwidth (h^2 = 4 ln 2),
        // E k = h^2 / (h^2 + 2) = 0.58, so at m = n = 300 the bias is 2.8e-3. Over 20 seeds the
        // mean's standard error is about 3e-4: the bias is 9 of them, rejected; the tolerance is 4
        // measured standard errors (false failure about 1e-4).
        var values = MonteCarloMean()
        for seed in 0..<20 {
            var r = RandomSource(seed: UInt64(300 + seed))
            values.add(MaximumMeanDiscrepancy(gaussian.sample(count: 300, rng: &r), gaussian.sample(count: 300, rng: &r),
                                              permutations: 0, rng: &r).squared)
        }
        #expect(abs(values.mean) < 4 * values.standardError, "mean MMD^2 \(values.mean) ± \(values.standardError)")
        #expect(values.standardError < 6e-4, "too noisy to see the biased estimator's 2.8e-3: \(values.standardError)")
    }

    @Test func mmdStatisticAndPValueMatchABruteForceComputation() {
        // With subsamples as large as the samples, the permutation test runs on the samples
        // themselves: MMD^2 must equal the unbiased sum over pairs, and the p-value must equal
        // (1 + #{permuted >= observed}) / (1 + B) over the same permutations, replayed here from a
        // copy of the generator and computed pair by pair. The samples come from one distribution,
        // so the p-value lies mid-range and a wrong block in the permuted statistic (x-x for y-y,
        // a missing diagonal correction) changes the count. The biased estimator (diagonal kept)
        // differs by (1 - mean k) (1/m + 1/n), about 0.02 here: rejected too.
        var rng = RandomSource(seed: 51)
        let x = gaussian.sample(count: 60, rng: &rng), y = gaussian.sample(count: 50, rng: &rng)
        var replay = rng
        let mmd = MaximumMeanDiscrepancy(x, y, bandwidth: 1.3, permutations: 50, rng: &rng)
        let pooled = (0..<60).map { x.row($0) } + (0..<50).map { y.row($0) }
        func k(_ p: [Float], _ q: [Float]) -> Double {
            exp(-Double(zip(p, q).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }) / (2 * 1.3 * 1.3))
        }
        func statistic(_ isX: [Bool]) -> Double {
            var xx = 0.0, yy = 0.0, xy = 0.0
            for i in pooled.indices {
                for j in pooled.indices where i != j {
                    let kij = k(pooled[i], pooled[j])
                    switch (isX[i], isX[j]) {
                    case (true, true): xx += kij
                    case (false, false): yy += kij
                    default: xy += kij / 2
                    }
                }
            }
            return xx / (60 * 59) + yy / (50 * 49) - 2 * xy / (60 * 50)
        }
        var labels = Array(repeating: true, count: 60) + Array(repeating: false, count: 50)
        let want = statistic(labels)
        #expect(isClose(mmd.squared, want, rel: 1e-4, abs: 1e-6), "MMD^2 \(mmd.squared) vs \(want)")
        var atLeast = 0
        for _ in 0..<50 {
            labels.shuffle(using: &replay)
            if statistic(labels) >= want { atLeast += 1 }
        }
        let wantP = Double(1 + atLeast) / 51
        #expect(wantP > 0.1 && wantP < 0.9, "the check needs a mid-range p-value, got \(wantP)")
        #expect(mmd.pValue == wantP, "p-value \(mmd.pValue) vs brute force \(wantP)")
    }

    @Test func energyDistanceAndPrecisionRecallSeparateTheSameFromTheShifted() {
        // At 2,000 points: the energy distance of one distribution has standard deviation about
        // 2e-3 (so |E| < 0.01 is 5 of them) and a 0.5 sd shift has E about 0.11; precision and recall
        // of fresh data are 0.97-0.98 (binomial standard error 0.004), against near 0 for a 6 sd
        // shift. Rejected: a sign error in a term, the biased within-sample means, radii of the
        // wrong set.
        var rng = RandomSource(seed: 52)
        let data = gaussian.sample(count: 2000, rng: &rng), fresh = gaussian.sample(count: 2000, rng: &rng)
        let far = GaussianMixture(weights: [1], means: [[6, 0]], variances: [[1, 1]]).sample(count: 2000, rng: &rng)
        let same = EnergyDistance.between(fresh, data), moved = EnergyDistance.between(shifted.sample(count: 2000, rng: &rng), data)
        #expect(abs(same) < 0.01 && moved > 0.05, "energy distance: same \(same), shifted \(moved)")
        let good = PrecisionRecall(real: data, generated: fresh)
        #expect(good.precision > 0.9 && good.recall > 0.9, "same distribution: \(good.precision), \(good.recall)")
        let bad = PrecisionRecall(real: data, generated: far)
        #expect(bad.precision < 0.2 && bad.recall < 0.2, "shifted by 6 sd: \(bad.precision), \(bad.recall)")
        // Half the samples piled on one point: precision stays high, recall collapses.
        var collapsed = fresh
        for i in 0..<2000 { collapsed[i, 0] = 0.1 * collapsed[i, 0]; collapsed[i, 1] = 0.1 * collapsed[i, 1] }
        let narrow = PrecisionRecall(real: data, generated: collapsed)
        #expect(narrow.precision > 0.9 && narrow.recall < 0.5, "collapsed: \(narrow.precision), \(narrow.recall)")
    }

    @Test func modeWeightsAndCoverageSeeMisweightingAndMissingModes() {
        // 4,000 points: the binomial standard error of a weight is 0.0063, so the correct TV of
        // 0 reads below 0.02 (3 errors) and the flipped weights' 0.6 within 0.03 (4.7 errors).
        var rng = RandomSource(seed: 53)
        let pair = ToyDataset.ncsnPair.mixture!
        let right = ModeWeights(of: pair.sample(count: 4000, rng: &rng), mixture: pair)
        #expect(right.totalVariation < 0.02 && right.coverage == 1 && right.offMode < 0.002, "\(right.offMode)")
        let flipped = GaussianMixture(weights: [0.2, 0.8], means: pair.means, variances: pair.variances)
        let wrong = ModeWeights(of: flipped.sample(count: 4000, rng: &rng), mixture: pair)
        #expect(abs(wrong.totalVariation - 0.6) < 0.03, "weights flipped: total variation \(wrong.totalVariation)")
        let one = GaussianMixture(weights: [1], means: [[5, 5]], variances: [[1, 1]])
        #expect(ModeWeights(of: one.sample(count: 1000, rng: &rng), mixture: pair).coverage == 0.5)
    }

    @Test func sampleQualityReadsPerfectForFreshDataAndWorseForAShift() {
        // A 1.5 sd shift of both modes moves every metric by many times its fresh-data value at
        // 1,500 points; "twice the perfect value" rejects it with room, and a metric computed on
        // the wrong pair of sets would not.
        var rng = RandomSource(seed: 54)
        let pair = ToyDataset.ncsnPair.mixture!
        let data = pair.sample(count: 1500, rng: &rng), holdout = pair.sample(count: 1500, rng: &rng)
        // Shifted by 1.5 sd in both coordinates. (Two fresh samples of this pair are already
        // about 0.35 apart in SW2: weight fluctuations move mass across 14 units.)
        let biased = GaussianMixture(weights: [0.8, 0.2], means: [[6.5, 6.5], [-3.5, -3.5]], variances: pair.variances)
        let quality = SampleQuality(samples: biased.sample(count: 1500, rng: &rng), data: data, holdout: holdout, mixture: pair, rng: &rng)
        for metric in [SampleQuality.Metric.slicedWasserstein, .mmd, .energyDistance] {
            let e = quality[metric]!
            #expect(e.value > 2 * max(e.perfect, 1e-4), "\(metric): \(e.value) vs perfect \(e.perfect)")
        }
        #expect(quality[.mmdPValue]!.value < 0.01)
        #expect(quality[.meanLogDensity]!.value < quality[.meanLogDensity]!.perfect)
    }

    @Test func relativeFisherDivergenceBetweenGaussiansHasItsClosedForm() {
        // p = N(0, a), q = N(0, b) in 1-D; at noise sigma, a' = a + sigma^2, b' = b + sigma^2 and
        // E_p'[(s_q - s_p)^2] / E_p'[s_p^2] = (1 - a' / b')^2.
        let p = GaussianMixture(weights: [1], means: [[0]], variances: [[1]])
        let q = GaussianMixture(weights: [1], means: [[0]], variances: [[2]])
        for sigma: Float in [0.1, 1, 3] {
            var rng = RandomSource(seed: 55)
            let got = ScoreError.relative(of: q, target: p, sigma: sigma, samples: 20_000, rng: &rng)
            let a = 1 + Double(sigma * sigma), b = 2 + Double(sigma * sigma)
            let want = (1 - a / b) * (1 - a / b)
            // Monte Carlo over 20,000 draws of a ratio of quadratic forms: a relative standard error
            // of about 1.5%, so 5% is 3.3 of them. Rejected: sigma instead of sigma^2 in either
            // variance.
            #expect(isClose(got, want, rel: 0.05), "sigma \(sigma): \(got) vs \(want)")
        }
    }

    @Test func variancePreservingMarginalMatchesSimulationAndItsScore() {
        let m = GaussianMixture(weights: [0.3, 0.7], means: [[2, -1], [-1, 1]], variances: [[0.5, 1], [1, 0.2]])
        let alphaBar = 0.4
        let q = m.marginal(at: NoiseLevel(time: .nan, alpha: alphaBar.squareRoot(), sigma: (1 - alphaBar).squareRoot()))
        var rng = RandomSource(seed: 56)
        let x0 = m.sample(count: 40_000, rng: &rng)
        let eps = rng.normals(count: 80_000)
        var mean = [0.0, 0.0], square = [0.0, 0.0]
        for i in 0..<40_000 {
            for j in 0..<2 {
                let xt = alphaBar.squareRoot() * Double(x0[i, j]) + (1 - alphaBar).squareRoot() * Double(eps[2 * i + j])
                mean[j] += xt / 40_000
                square[j] += xt * xt / 40_000
            }
        }
        // Standard errors at 40,000 draws: 0.005 for a mean, below 0.008 for a second moment, so the
        // tolerances are 4 of them. Rejected: the means not scaled by sqrt(abar) (0.15 off in the second coordinate).
        for j in 0..<2 {
            let wantMean = zip(q.weights, q.means).reduce(0.0) { $0 + $1.0 * $1.1[j] }
            let wantSquare = (0..<2).reduce(0.0) { $0 + q.weights[$1] * (q.variances[$1][j] + q.means[$1][j] * q.means[$1][j]) }
            #expect(abs(mean[j] - wantMean) < 0.02 && abs(square[j] - wantSquare) < 0.03, "coordinate \(j)")
        }
        let x = [0.3, -0.4], s = q.score(x), h = 1e-5
        for j in 0..<2 {
            var up = x, down = x
            up[j] += h; down[j] -= h
            #expect(isClose(s[j], (q.logDensity(up) - q.logDensity(down)) / (2 * h), rel: 1e-6, abs: 1e-8))
        }
    }

    @Test func kernelDensityProxyApproachesTheExactPerturbedScore() {
        // At a noise level well above the spacing of the data, the smoothed empirical density's
        // score is close to the true perturbed score (3,000 points leave a relative error near
        // 1e-3). Rejected: a proxy that is not perturbed by sigma (error near 1).
        var rng = RandomSource(seed: 57)
        let proxy = GaussianMixture.empiricalProxy(of: gaussian.sample(count: 3000, rng: &rng), limit: 3000)
        let error = ScoreError.relative(of: proxy, target: gaussian, sigma: 1, samples: 2000, rng: &rng)
        #expect(error < 0.01, "proxy against exact at sigma 1: \(error)")
    }
}
