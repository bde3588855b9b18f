import Testing
import ScoreKit

@Suite struct DataAndMetricTests {
    @Test(arguments: ToyDataset.allCases)
    func toyDataSetsAreFiniteCentredAndSeeded(dataset: ToyDataset) {
        var a = RandomSource(seed: 1), b = RandomSource(seed: 1)
        let points = dataset.sample(count: 4000, rng: &a)
        #expect(points.rows == 4000 && points.columns == 2 && points.isFinite)
        #expect(points == dataset.sample(count: 4000, rng: &b), "same seed, same points")
        let spread = points.elements.map { abs($0) }.max()!
        #expect(spread > 0.5 && spread < 15, "\(dataset) spans \(spread)")
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
        // Exact value for the shift: SW2 = 0.5 * sqrt(E[u1^2]) = 0.5 / sqrt(2) = 0.354 in 2-D.
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
