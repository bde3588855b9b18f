import Foundation
import ScoreKit
import ScoreKitStudies
import Testing

@Suite struct DataAndMetricTests {
    /// Each data set's mean and E||x||^2 from its definition (the doc comment of its case):
    /// two moons half (cos t, sin t) and half (1 - cos t, 1/2 - sin t), t ~ U(0, pi), mapped by
    /// 2x - 1 and 2y - 0.2; the Swiss roll's E[t cos t] = 2 and E[t sin t] = 2 / (3 pi) for
    /// t ~ U(1.5 pi, 4.5 pi), E t^2 = 9.75 pi^2; rings' E r^2 = 0.5625 * 30 / 4; the checkerboard
    /// uniform on [-4, 4] per coordinate; the pinwheel 4 E[radial^2 + tangential^2].
    static let moments: [ToyDataset: (mean: [Double], square: Double)] = [
        .ncsnPair: ([3, 3], 50 + 2),
        .eightGaussians: ([0, 0], 8 + 2 * 0.125),
        .twoMoons: ([0, 0.3], 3 + 0.01 + 4 * (0.5 + 0.75 - 2 / Double.pi) / 2 - 0.8 * 0.25 + 0.04 + 0.01),
        .swissRoll: ([0.4, 2 / (15 * Double.pi)], 9.75 * Double.pi * Double.pi / 25 + 2 * 0.04),
        .rings: ([0, 0], 0.5625 * 30 / 4 + 2 * 0.0064),
        .checkerboard: ([0, 0], 2 * 16.0 / 3),
        .pinwheel: ([0, 0], 4 * (1 + 0.09 + 0.01)),
    ]

    @Test(arguments: ToyDataset.allCases)
    func toyDataSetsHaveTheirDefinitionsMomentsAndAreSeeded(dataset: ToyDataset) {
        // Each moment within 4.5 of its own standard errors, estimated from the sample (false
        // failure about 1e-5 per moment). Rejected, for example: the Swiss roll without its noise
        // (E||x||^2 off by 0.08, about 12 standard errors), a ring radius 10% off, a moon not
        // shifted, a wrong mixture weight.
        var a = RandomSource(seed: 1), b = RandomSource(seed: 1)
        let n = 100_000
        let points = dataset.sample(count: n, rng: &a)
        #expect(points.rows == n && points.columns == 2 && points.isFinite)
        #expect(points.gatherRows(Array(0..<4000)) == dataset.sample(count: 4000, rng: &b), "same seed, same points")
        let want = Self.moments[dataset]!
        for j in 0..<2 {
            var m = MonteCarloMean()
            for i in 0..<n { m.add(Double(points[i, j])) }
            #expect(abs(m.mean - want.mean[j]) < 4.5 * m.standardError, "\(dataset) mean[\(j)]: \(m.mean) ± \(m.standardError), want \(want.mean[j])")
        }
        var square = MonteCarloMean()
        for i in 0..<n { square.add(Double(points[i, 0] * points[i, 0] + points[i, 1] * points[i, 1])) }
        #expect(abs(square.mean - want.square) < 4.5 * square.standardError,
                "\(dataset) E||x||^2: \(square.mean) ± \(square.standardError), want \(want.square)")
    }

    @Test func sigmaDistributionsDrawTheirLevels() {
        // Log-uniform on [0.01, 10]: log sigma uniform, so half the draws fall below the geometric
        // mean 0.316 and the mean of log sigma is its midpoint. Sigma uniform on [0.01, 10] instead
        // puts 3% below 0.316: rejected by 130 standard errors. 20,000 draws: the fraction's standard
        // error is 0.0035 and the tolerance 0.016 (4.5 of them, false failure below 1e-5).
        var rng = RandomSource(seed: 30)
        let n = 20_000
        var draws = [Float](repeating: 0, count: n)
        SigmaDistribution.logUniform(min: 0.01, max: 10).fill(&draws, count: n, rng: &rng)
        #expect(draws.allSatisfy { $0 >= 0.01 * (1 - 1e-6) && $0 <= 10 * (1 + 1e-6) })
        let below = Double(draws.filter { Double($0) < 0.1.squareRoot() }.count) / Double(n)
        #expect(abs(below - 0.5) < 0.016, "fraction below the geometric mean: \(below)")
        let meanLog = draws.reduce(0.0) { $0 + log(Double($1)) } / Double(n)
        // log sigma is uniform on a width of 6.9: standard deviation 2.0, standard error 0.014.
        #expect(abs(meanLog - log(0.1.squareRoot())) < 0.065, "mean log sigma \(meanLog), want \(log(0.1.squareRoot()))")
        // A ladder: every level equally often (standard error 0.0035 at 1/3), nothing else.
        let levels: [Float] = [4, 1, 0.25]
        SigmaDistribution.ladder(levels).fill(&draws, count: n, rng: &rng)
        for level in levels {
            let share = Double(draws.filter { $0 == level }.count) / Double(n)
            #expect(abs(share - 1.0 / 3) < 0.016, "level \(level): \(share)")
        }
        #expect(draws.allSatisfy { levels.contains($0) })
    }

    @Test func randomSourceMomentsAndStreams() {
        var rng = RandomSource(seed: 0)
        let z = rng.normals(count: 200_000)
        let mean = z.reduce(0.0) { $0 + Double($1) } / Double(z.count)
        let variance = z.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(z.count) - mean * mean
        // Standard errors: 0.0022 for the mean, 0.0032 for the variance.
        #expect(abs(mean) < 0.01 && abs(variance - 1) < 0.015, "mean \(mean), variance \(variance)")
        let u = (0..<100_000).map { _ in rng.uniform() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(u.reduce(0.0) { $0 + Double($1) } / 1e5 - 0.5) < 0.005)
        var x = RandomSource(seed: 42), y = RandomSource(seed: 42)
        #expect((0..<10).map { _ in x.next() } == (0..<10).map { _ in y.next() })
        var one = RandomSource(seed: 1), two = RandomSource(seed: 2)
        #expect(one.next() != two.next())
    }

    @Test func slicedWassersteinSeesAHalfStandardDeviationShift() {
        var rng = RandomSource(seed: 12)
        let g = GaussianMixture(weights: [1], means: [[0, 0]], variances: [[1, 1]])
        let shifted = GaussianMixture(weights: [1], means: [[0.5, 0]], variances: [[1, 1]])
        let a = g.sample(count: 2000, rng: &rng), b = g.sample(count: 2000, rng: &rng)
        let c = shifted.sample(count: 2000, rng: &rng)
        let same = SlicedWasserstein.distance(a, b, rng: &rng)
        let moved = SlicedWasserstein.distance(a, c, rng: &rng)
        // Exact value for the shift: SW2 = 0.5 * sqrt(E[u1^2]) = 0.5 / sqrt(2) = 0.354 in 2-D. Two
        // samples of 2,000 points differ by about 0.04 (so 0.1 is over twice that), and the shifted
        // pair reads within 0.05 of 0.354. Rejected: unnormalised directions (about 0.5).
        #expect(same < 0.1, "same distribution: \(same)")
        #expect(abs(moved - 0.354) < 0.05, "shifted by 0.5: \(moved)")
    }

    @Test func modeWeightsMeasureMisweighting() {
        let pair = ToyDataset.ncsnPair.mixture!
        let points = Matrix(rows: 4, columns: 2, elements: [5, 5, 4, 6, -5, -5, -6, -4])
        let weights = ModeWeights(of: points, mixture: pair)
        #expect(weights.fractions == [0.5, 0.5])
        #expect(isClose(weights.totalVariation, 0.3, rel: 1e-12))
    }
}
