import Foundation
import ScoreKit
import ScoreKitStudies
import Testing

@Suite struct LinearDegradationTests {
    static let mixture = GaussianMixture(weights: [0.6, 0.4], means: [[1, 0], [-1, 1]], variances: [[0.3, 0.5], [0.4, 0.2]])
    static let pure = LinearDegradation(around: mixture, noiseFraction: 0)
    static let noisy = LinearDegradation(around: mixture, noiseFraction: 0.3)

    /// `count` corrupted draws at level sigma with their clean points and DSM targets.
    static func corrupt(_ degradation: LinearDegradation, sigma: Float, count: Int, rng: inout RandomSource) -> (x: Matrix, y: Matrix, target: [Float]) {
        let x = mixture.sample(count: count, rng: &rng)
        var y = Matrix(rows: count, columns: 2), target = Matrix(rows: count, columns: 2)
        for i in 0..<count { degradation.corrupt(row: i, of: x, sigma: sigma, into: &y, target: &target, rng: &rng) }
        return (x, y, target.elements)
    }

    @Test func levelsMatchTheKernelsNoisePower() {
        // The mixture's mean and per-coordinate variance: (0.2, 0.4) and ((0.34 + 0.96) + (0.38 + 0.24)) / 2.
        #expect(isClose(Self.pure.center[0], 0.2, rel: 1e-12) && isClose(Self.pure.center[1], 0.4, rel: 1e-12))
        #expect(isClose(Self.pure.dataVariance, 0.96, rel: 1e-12))
        for degradation in [Self.pure, Self.noisy] {
            #expect(isClose(degradation.contraction(at: degradation.sigma(forContraction: 0.3)), 0.3, rel: 1e-12))
            var rng = RandomSource(seed: 200)
            let sigma: Float = 0.6, n = 40_000
            let (x, y, _) = Self.corrupt(degradation, sigma: sigma, count: n, rng: &rng)
            var power = MonteCarloMean()
            for i in 0..<n {
                power.add(0.5 * (0..<2).reduce(0.0) { $0 + pow(Double(y[i, $1] - x[i, $1]), 2) })
            }
            #expect(abs(power.mean - 0.36) < 4 * power.standardError, "\(degradation.name): \(power.mean) ± \(power.standardError)")
        }
    }

    @Test func conditionalScoreIsTheGradientOfTheGaussianKernel() {
        var rng = RandomSource(seed: 201)
        let sigma: Float = 0.7, c = Self.noisy.contraction(at: 0.7), eta = Self.noisy.noise(at: 0.7)
        let (x, y, target) = Self.corrupt(Self.noisy, sigma: sigma, count: 20, rng: &rng)
        for i in 0..<20 {
            for j in 0..<2 {
                let mean = Self.noisy.center[j] + c * (Double(x[i, j]) - Self.noisy.center[j])
                func logK(_ v: Double) -> Double { -0.5 * (v - mean) * (v - mean) / (eta * eta) }
                let h = 1e-4, v = Double(y[i, j])
                #expect(isClose(Double(target[2 * i + j]), (logK(v + h) - logK(v - h)) / (2 * h), rel: 1e-4, abs: 1e-4))
            }
        }
        // Without noise there is no density and no target.
        #expect(!Self.pure.hasConditionalScore)
        let (_, _, none) = Self.corrupt(Self.pure, sigma: sigma, count: 5, rng: &rng)
        #expect(none.allSatisfy { $0 == 0 })
    }

    /// The exact degraded density against the corrupted samples themselves: per-coordinate CDFs
    /// (Kolmogorov-Smirnov) and Stein's identity E_q[s(y) . y] = -d, which only the right score satisfies.
    @Test(arguments: [0.3, 0.8])
    func degradedMixtureMatchesTheCorruptedSamples(sigma: Double) {
        for degradation in [Self.pure, Self.noisy] {
            var rng = RandomSource(seed: 202)
            let n = 20_000
            let (_, y, _) = Self.corrupt(degradation, sigma: Float(sigma), count: n, rng: &rng)
            let q = DegradedMixture(mixture: Self.mixture, degradation: degradation).mixture(at: sigma)
            for j in 0..<2 {
                let sorted = (0..<n).map { Double(y[$0, j]) }.sorted()
                var worst = 0.0
                for (i, v) in sorted.enumerated() {
                    let f = (0..<2).reduce(0.0) { $0 + q.weights[$1] * 0.5 * erfc(-(v - q.means[$1][j]) / (2 * q.variances[$1][j]).squareRoot()) }
                    worst = max(worst, abs(f - Double(i + 1) / Double(n)), abs(f - Double(i) / Double(n)))
                }
                #expect(worst < 1.63 / Double(n).squareRoot(), "\(degradation.name) sigma \(sigma) coordinate \(j): KS \(worst)")
            }
            var stein = MonteCarloMean()
            for i in 0..<n {
                let point = y.row(i).map(Double.init), s = q.score(point)
                stein.add(s[0] * point[0] + s[1] * point[1])
            }
            #expect(abs(stein.mean + 2) < 4 * stein.standardError, "\(degradation.name) sigma \(sigma): \(stein.mean) ± \(stein.standardError)")
            // The score grows like 1/c without noise: a contracted point keeps its standardised score.
            let h = 1e-5, point = [0.1, 0.5], s = q.score(point)
            for j in 0..<2 {
                var up = point, down = point
                up[j] += h; down[j] -= h
                #expect(isClose(s[j], (q.logDensity(up) - q.logDensity(down)) / (2 * h), rel: 1e-6, abs: 1e-6))
            }
        }
    }

    @Test func identityAndTweedieHoldWithNoise() {
        let q = DegradedMixture(mixture: Self.mixture, degradation: Self.noisy).mixture(at: 0.8)
        let scores: [(name: String, score: ([Double]) -> [Double])] = [
            ("zero", { _ in [0, 0] }), ("exact", { q.score($0) }), ("wavy", { [sin($0[1]), cos($0[0])] }),
        ]
        var rng = RandomSource(seed: 203)
        let identity = DenoisingIdentityCheck(mixture: Self.mixture, kernel: Self.noisy, sigma: 0.8, scores: scores, samples: 20_000, rng: &rng)
        #expect(identity.holds, "\(identity.comparisons)")
        let tweedie = TweedieCheck(mixture: Self.mixture, kernel: Self.noisy, sigma: 0.8, samples: 20_000, rng: &rng)
        #expect(tweedie.holds && !tweedie.isExact, "\(tweedie.correlations)")
        // The additive formula x~ + sigma^2 grad log q ignores the contraction and is not the posterior mean.
        let additive = TweedieCheck(mixture: Self.mixture, kernel: AdditiveReading(degradation: Self.noisy), sigma: 0.8, samples: 20_000, rng: &rng)
        #expect(!additive.holds, "\(additive.correlations)")
        // Without noise the inverse map recovers x itself.
        let inverse = TweedieCheck(mixture: Self.mixture, kernel: Self.pure, sigma: 0.8, samples: 2_000, rng: &rng)
        #expect(inverse.isExact, "\(inverse.relativeResidual)")
    }

    @Test func noisyKernelComposesIntoItself() {
        var rng = RandomSource(seed: 204)
        let check = CompositionCheck(degradation: Self.noisy, sigma: 0.8, steps: [1, 2, 8], samples: 20_000, rng: &rng)
        #expect(check.distances.allSatisfy { $0 < 3 * check.floor }, "\(check.distances)")
    }

    /// With the corruption's own scaling the network divides by tau and the loss weighs by
    /// tau^2: both gradients, DSM with noise and SSM-VR on the pure contraction, against
    /// finite differences. DSM uses a large noise share: with a small one the target -z / eta is
    /// so large that the Float32 loss's rounding swamps the differences.
    @Test(arguments: ["dsm", "ssm-vr"])
    func gradientsWithTheCorruptionsScalingMatchFiniteDifferences(objectiveName: String) {
        let config = MLPConfiguration(dimension: 2, hiddenWidth: 16, hiddenLayers: 2)
        let objective: any ScoreObjective = objectiveName == "dsm"
            ? CorruptionDenoisingScoreMatching(corruption: LinearDegradation(around: Self.mixture, noiseFraction: 0.8), sigmas: .logUniform(min: 0.3, max: 1.4),
                                           scaling: .corruption, dimension: 2)
            : HyvarinenScoreMatching(estimator: .slicedVarianceReduced(projections: 2, .rademacher),
                                     data: .corrupted(Self.pure, .logUniform(min: 0.05, max: 0.9)), scaling: .corruption, dimension: 2)
        var rng = RandomSource(seed: 205)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let nonTrivial = expectObjectiveGradientsMatchFiniteDifferences(objective, model: model, x: rng.normals(count: 16), batch: 8, seed: 206,
                                                                        rel: 2e-2, abs: 2e-3, label: objectiveName)
        // Not vacuous: dozens of components above 1e-2.
        #expect(nonTrivial > config.parameterCount / 8)
    }

    @Test func networkDividesByTheCorruptionsScale() {
        var rng = RandomSource(seed: 208)
        let model = ScoreMLP(configuration: .init(dimension: 2, hiddenWidth: 8, hiddenLayers: 1), rng: &rng)
        let x = randomMatrix(5, 2, rng: &rng)
        let plain = NetworkScore(model: model).scores(x, sigma: 0.7)
        let scaled = NetworkScore(model: model, outputScale: Self.pure.outputScale).scores(x, sigma: 0.7)
        let ratio = Float(0.7 / Self.pure.outputScale(at: 0.7))
        for i in x.elements.indices { #expect(isClose(Double(scaled.elements[i]), Double(ratio * plain.elements[i]), rel: 1e-6)) }
    }

    /// tau tracks the exact score's size: tau^2 E_q||s||^2 / d stays of order one from c = 0.95 to
    /// c = 0.1, where sigma^2 E_q||s||^2 / d runs over more than a factor of 10.
    @Test func objectiveDividesByTheCorruptionsScale() {
        // DSM on the noisy contraction with `.corruption` scaling: the loss is
        // mean 0.5 sigma^2 ||f / tau - target||^2 with tau = outputScale(sigma), replayed here (one
        // uniform per row for the level, then the corruption row by row). Rejected: the objective
        // dividing by sigma (0.36 here) instead of tau (0.27 at c = 0.6).
        let config = MLPConfiguration(dimension: 2, hiddenWidth: 8, hiddenLayers: 1)
        let sigma = Float(Self.noisy.sigma(forContraction: 0.6)), batch = 6
        let objective = CorruptionDenoisingScoreMatching(corruption: Self.noisy, sigmas: .ladder([sigma]), scaling: .corruption, dimension: 2)
        var rng = RandomSource(seed: 210)
        let model = ScoreMLP(configuration: config, rng: &rng)
        let x = rng.normals(count: 2 * batch)
        var noise = RandomSource(seed: 211)
        let got = ObjectiveEvaluator(network: model, objective: objective, rows: batch).lossAndGradients(rows(x, batch), rng: &noise)
        var replay = RandomSource(seed: 211)
        for _ in 0..<batch { _ = replay.uniform() }
        var corruptedRows = Matrix(rows: batch, columns: 2), targetRows = Matrix(rows: batch, columns: 2)
        for i in 0..<batch {
            Self.noisy.corrupt(row: i, of: rows(x, batch), sigma: sigma, into: &corruptedRows, target: &targetRows, rng: &replay)
        }
        let corrupted = corruptedRows.elements, target = targetRows.elements
        let tau = Float(Self.noisy.outputScale(at: Double(sigma)))
        let ws = MLPWorkspace(configuration: config, capacity: batch)
        model.forward(x: corrupted, sigma: [Float](repeating: sigma, count: batch), outputScale: [Float](repeating: tau, count: batch), batch: batch, workspace: ws)
        let want = (0..<(2 * batch)).reduce(0.0) { $0 + 0.5 * Double(sigma * sigma) * pow(Double(ws.score[$1] - target[$1]), 2) } / Double(batch)
        #expect(isClose(got, want, rel: 1e-5), "loss \(got) vs \(want) with tau = \(tau), sigma = \(sigma)")
    }

    @Test func samplerCarriesTheChainsToEachContraction() {
        // With steps of 1e-12 the chains only move by the rescaling between levels: from the start
        // N(m, s^2), s^2 = c_1^2 v + eta_1^2, to spread s c_L / c_1 around m at the last level.
        // Rejected: chains not carried (spread s), or carried by c_L / c_1 squared. 4,000 values:
        // the variance's standard error is 2.2% of it; the tolerance is 10%.
        let mixture = ToyDataset.eightGaussians.mixture!, degradation = LinearDegradation(around: mixture, noiseFraction: 0)
        let levels = geometricLevels(from: Float(degradation.sigma(forContraction: 0.2)), to: Float(degradation.sigma(forContraction: 0.8)), count: 4)
        let sampler = DegradationLangevin(degradation: degradation, sigmas: levels, stepsPerLevel: 1, epsilon: 1e-12)
        var rng = RandomSource(seed: 212)
        let samples = sampler.sample(count: 2000, score: degradation.corrupted(mixture), rng: &rng).samples
        let c1 = degradation.contraction(at: Double(levels[0])), cL = degradation.contraction(at: Double(levels[3]))
        let want = c1 * c1 * degradation.dataVariance * (cL / c1) * (cL / c1)
        var variance = 0.0
        for i in 0..<samples.rows { for j in 0..<2 { variance += pow(Double(samples[i, j]) - degradation.center[j], 2) / Double(2 * samples.rows) } }
        #expect(abs(variance / want - 1) < 0.1, "spread^2 \(variance), want \(want)")
    }

    @Test func outputScaleTracksTheScoresSize() {
        let mixture = ToyDataset.eightGaussians.mixture!, degradation = LinearDegradation(around: mixture, noiseFraction: 0)
        let exact = DegradedMixture(mixture: mixture, degradation: degradation)
        var rng = RandomSource(seed: 209)
        var byTau: [Double] = [], bySigma: [Double] = []
        for c in [0.95, 0.5, 0.1] {
            let sigma = degradation.sigma(forContraction: c), tau = degradation.outputScale(at: sigma)
            let points = exact.samplePerturbed(count: 4_000, at: NoiseLevel(sigma: Double(Float(sigma))), rng: &rng)
            let s = exact.scores(points, sigma: Float(sigma))
            let meanSquare = s.elements.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(s.elements.count)
            byTau.append(tau * tau * meanSquare)
            bySigma.append(sigma * sigma * meanSquare)
        }
        #expect(byTau.allSatisfy { $0 > 0.5 && $0 < 2 }, "\(byTau)")
        #expect(bySigma.max()! / bySigma.min()! > 10, "\(bySigma)")
    }

    /// Annealed Langevin along the contraction with the exact degraded score reproduces the data
    /// (mean log-density and mode weights), which its moment-matched Gaussian start does not.
    @Test(arguments: [0.0, 0.3])
    func samplerWithTheExactScoreReproducesTheData(noiseFraction: Double) {
        let bimodal = GaussianMixture(weights: [0.5, 0.5], means: [[2, 0], [-2, 0]], variances: [[0.3, 0.3], [0.3, 0.3]])
        let degradation = LinearDegradation(around: bimodal, noiseFraction: noiseFraction)
        let exact = DegradedMixture(mixture: bimodal, degradation: degradation)
        let top = Float(degradation.sigma(forContraction: 0.1))
        let sampler = DegradationLangevin(degradation: degradation, sigmas: geometricLevels(from: top, to: 0.02, count: 10), stepsPerLevel: 30)
        var rng = RandomSource(seed: 207)
        func meanLogDensity(_ points: Matrix) -> Double {
            (0..<points.rows).reduce(0.0) { $0 + bimodal.logDensity(points.row($1).map(Double.init)) } / Double(points.rows)
        }
        let data = bimodal.sample(count: 1_000, rng: &rng)
        let samples = sampler.sample(count: 1_000, score: exact, rng: &rng).samples
        #expect(abs(meanLogDensity(samples) - meanLogDensity(data)) < 0.15, "\(meanLogDensity(samples)) vs data \(meanLogDensity(data))")
        let fresh = ModeWeights(of: data, mixture: bimodal).totalVariation
        #expect(ModeWeights(of: samples, mixture: bimodal).totalVariation < fresh + 0.05)
        // The start alone (one negligible step at the top level), mapped back to the data's scale.
        let start = DegradationLangevin(degradation: degradation, sigmas: [top], stepsPerLevel: 1, epsilon: 1e-12)
            .sample(count: 1_000, score: exact, rng: &rng).samples
            .scaled(about: degradation.center, by: 1 / Float(degradation.contraction(at: Double(top))))
        #expect(meanLogDensity(start) < meanLogDensity(data) - 0.5, "the start alone: \(meanLogDensity(start))")
    }
}

/// A noisy contraction read as if it were additive noise: Tweedie's additive formula on it.
private struct AdditiveReading: Corruption {
    let degradation: LinearDegradation
    var name: String { "additive reading of \(degradation.name)" }
    var hasConditionalScore: Bool { true }
    func corrupt(row: Int, of clean: Matrix, sigma: Float, into corrupted: inout Matrix, target: inout Matrix,
                 rng: inout RandomSource) {
        degradation.corrupt(row: row, of: clean, sigma: sigma, into: &corrupted, target: &target, rng: &rng)
    }
    func corrupted(_ mixture: GaussianMixture) -> any PerturbedDataSource { degradation.corrupted(mixture) }
    func outputScale(at sigma: Double) -> Double { sigma }
    func denoised(_ corrupted: [Double], score: [Double], sigma: Double) -> [Double] {
        GaussianNoise(sigma: sigma).denoised(corrupted, score: score, sigma: sigma)
    }
}

private extension Matrix {
    /// Every row mapped to m + f (row - m).
    func scaled(about center: [Double], by factor: Float) -> Matrix {
        var out = self
        for i in 0..<rows { for j in 0..<columns { out[i, j] = Float(center[j]) + factor * (self[i, j] - Float(center[j])) } }
        return out
    }
}
