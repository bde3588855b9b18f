import Foundation
@testable import ScoreKit
import Testing

/// Blurring diffusion: the cosine basis, the process's blurred mean, its DSM objective and its
/// ancestral sampler, against hand computations in double precision and a Gaussian's exact score.
@Suite struct BlurringDiffusionTests {
    static let shape = ImageShape(height: 5, width: 4)

    static func process(largestBlur: Double = 3, steps: Int = 50) -> BlurringDiffusion {
        BlurringDiffusion(shape: shape, chain: VariancePreserving(steps: steps), largestBlur: largestBlur)
    }

    /// B_t x in double precision from the d x d mean operator.
    static func blurredByHand(_ process: BlurringDiffusion, _ x: [Float], at t: Double) -> [Double] {
        let d = shape.pixels, a = process.meanOperator(at: t), alpha = process.level(at: t).alpha
        return (0..<d).map { i in (0..<d).reduce(0.0) { $0 + a[i * d + $1] * Double(x[$1]) } / alpha }
    }

    @Test func cosineBasisIsOrthogonalAndDiagonalisesTheHeatEquation() {
        let process = Self.process(), d = Self.shape.pixels
        var rng = RandomSource(seed: 1)
        let x = randomMatrix(3, d, rng: &rng)
        var u = x, back = x, scratch = x
        process.transform(x, toFrequencies: true, into: &u, scratch: &scratch)
        process.transform(u, toFrequencies: false, into: &back, scratch: &scratch)
        for i in x.elements.indices { #expect(abs(back.elements[i] - x.elements[i]) < 1e-5) }
        for r in 0..<3 {
            let norm = (0..<d).reduce(0.0) { $0 + pow(Double(x[r, $1]), 2) }, coefficients = (0..<d).reduce(0.0) { $0 + pow(Double(u[r, $1]), 2) }
            #expect(isClose(norm, coefficients, rel: 1e-5))
        }
        // The heat equation multiplies coefficient j by exp(-t lambda_j); the constant image is coefficient 0.
        let t = 0.7, blurred = process.heat.apply(x, at: t), rates = process.heat.frequencyRates
        var v = x
        process.transform(blurred, toFrequencies: true, into: &v, scratch: &scratch)
        #expect(rates[0] == 0 && rates.allSatisfy { $0 >= 0 } && Set(rates).count > 4)
        for r in 0..<3 { for j in 0..<d { #expect(abs(v[r, j] - Float(exp(-t * rates[j])) * u[r, j]) < 1e-5, "row \(r), coefficient \(j)") } }
        let flat = Matrix(rows: 1, columns: d, elements: [Float](repeating: 2, count: d))
        process.transform(flat, toFrequencies: true, into: &v, scratch: &scratch)
        #expect(abs(v[0, 0] - 2 * Float(d).squareRoot()) < 1e-5 && (1..<d).allSatisfy { abs(v[0, $0]) < 1e-5 })
    }

    @Test func meanIsTheBlurOfTheScheduleAndKeepsEveryFrequencyAboveTheFloor() {
        let process = Self.process(), d = Self.shape.pixels
        #expect(process.blurTime(at: 0) == 0 && isClose(process.blurTime(at: 1), 4.5, rel: 1e-14))
        #expect(isClose(process.blurTime(at: 0.5), pow(3 * 0.5, 2) / 2, rel: 1e-12))
        #expect(process.decays(at: 0).allSatisfy { $0 == 1 })
        let top = process.decays(at: 1)
        #expect(top[0] == 1 && top.dropFirst().allSatisfy { $0 < 0.6 && $0 > 1e-3 })
        #expect(BlurringDiffusion(shape: Self.shape, largestBlur: 100).decays(at: 1).dropFirst().allSatisfy { isClose($0, 1e-3, rel: 1e-9) })
        var rng = RandomSource(seed: 2)
        let x = randomMatrix(3, d, rng: &rng), times = [0.0, 0.3, 1.0]
        var out = x, frequencies = x, scratch = x
        x.elements.withUnsafeBufferPointer { xs in
            process.blur(count: 3, xs.baseAddress!, blurTime: { process.blurTime(at: times[$0]) }, into: &out.elements,
                         frequencies: &frequencies.elements, scratch: &scratch.elements)
        }
        for r in 0..<3 {
            let exact = Self.blurredByHand(process, Array(x.elements[(r * d)..<((r + 1) * d)]), at: times[r])
            for j in 0..<d { #expect(abs(Double(out[r, j]) - exact[j]) < 1e-5, "row \(r) at t = \(times[r]), pixel \(j)") }
        }
        // alpha_t B_t and sigma_t: the marginal of one Gaussian has mean alpha B mu and covariance alpha^2 B S B + sigma^2 I.
        let mixture = FullCovarianceMixture(weights: [1], means: [(0..<d).map { Double($0) / 10 }],
                                            covariances: [(0..<(d * d)).map { $0 % (d + 1) == 0 ? 0.5 : 0 }])!
        let level = process.level(at: 0.4), marginal = process.marginal(of: mixture, at: 0.4)!
        let mean = Self.blurredByHand(process, mixture.means[0].map(Float.init), at: 0.4)
        for j in 0..<d { #expect(isClose(marginal.means[0][j], level.alpha * mean[j], rel: 1e-5, abs: 1e-6)) }
        #expect(marginal.covariances[0][0] > level.sigma * level.sigma)
    }

    /// The loss replayed by hand: DDPM's level draws and noise, the mean blurred, then 0.5 mean ||sigma s + z||^2.
    @Test func objectiveDrawsAsDDPMAndRegressesTheNoiseOfTheBlurredMean() {
        let process = Self.process(), d = Self.shape.pixels, batch = 4
        var rng = RandomSource(seed: 3)
        let model = ScoreMLP(configuration: MLPConfiguration(dimension: d, hiddenWidth: 8, hiddenLayers: 2, conditioning: .time(width: 4),
                                                             parameterisation: .noise), rng: &rng)
        let clean = randomMatrix(batch, d, rng: &rng)
        var draws = RandomSource(seed: 9), replay = draws
        let loss = ObjectiveEvaluator(network: model, objective: BlurringDiffusionScoreMatching(process: process), rows: batch)
            .lossAndGradients(clean, rng: &draws)
        let levels = (0..<batch).map { _ in process.chain.trainingLevel(uniform: replay.uniform()) }
        let z = replay.normals(count: batch * d)
        var expected = 0.0
        for i in 0..<batch {
            let mean = Self.blurredByHand(process, Array(clean.elements[(i * d)..<((i + 1) * d)]), at: levels[i].time)
            let point = Matrix(rows: 1, columns: d, elements: (0..<d).map { Float(levels[i].alpha * mean[$0] + levels[i].sigma * Double(z[i * d + $0])) })
            let s = NetworkScore(model: model).scores(point, at: levels[i])
            for j in 0..<d { expected += 0.5 * pow(levels[i].sigma * Double(s[0, j]) + Double(z[i * d + j]), 2) / Double(batch) }
        }
        #expect(isClose(loss, expected, rel: 1e-5), "loss \(loss) vs \(expected)")
        #expect(draws.next() == replay.next())
        // Without blur it is DDPM's DSM on the same chain, draw for draw.
        var a = RandomSource(seed: 4), b = a
        let unblurred = ObjectiveEvaluator(network: model, objective: BlurringDiffusionScoreMatching(process: Self.process(largestBlur: 0)), rows: batch)
            .lossAndGradients(clean, rng: &a)
        let ddpm = ObjectiveEvaluator(network: model, objective: DenoisingScoreMatching(process: process.chain, dimension: d), rows: batch)
            .lossAndGradients(clean, rng: &b)
        #expect(isClose(unblurred, ddpm, rel: 1e-5) && a.next() == b.next())
        // And weighted as the chain's DSM is: Min-SNR scales down the clean levels some of 16 rows draw.
        let many = randomMatrix(16, d, rng: &rng), minSNR = LossWeighting.minSNR(gamma: 5)
        func chainLoss(_ objective: any ScoreObjective) -> Double {
            var draws = RandomSource(seed: 6)
            return ObjectiveEvaluator(network: model, objective: objective, rows: 16).lossAndGradients(many, rng: &draws)
        }
        let weighted = chainLoss(BlurringDiffusionScoreMatching(process: Self.process(largestBlur: 0), weighting: minSNR))
        #expect(isClose(weighted, chainLoss(DenoisingScoreMatching(process: process.chain, dimension: d, weighting: minSNR)), rel: 1e-5))
        #expect(weighted < 0.99 * chainLoss(BlurringDiffusionScoreMatching(process: Self.process(largestBlur: 0))))
        let nonTrivial = expectObjectiveGradientsMatchFiniteDifferences(BlurringDiffusionScoreMatching(process: process), model: model,
                                                                        x: rng.normals(count: 3 * d), batch: 3, seed: 5, rel: 2e-2, abs: 2e-3)
        #expect(nonTrivial > 50)
    }

    /// A score s(x) = -x / 2 at every level: two steps (t = 1 -> 0.1 -> 0, the chain's first and last levels) computed by hand from the
    /// posterior's precision form, an independent derivation of the sampler's update.
    struct HalfScore: ScoreFunction {
        let dimension: Int
        func score(_ x: Matrix, at level: NoiseLevel, into out: inout Matrix) {
            out = Matrix(rows: x.rows, columns: x.columns, elements: x.elements.map { -$0 / 2 })
        }
    }

    @Test func samplerStepsThroughTheGaussianPosteriorOfEveryFrequency() throws {
        let process = Self.process(steps: 10), d = Self.shape.pixels, count = 3
        let sampler = try BlurringDiffusionSampler(process: process, steps: 2, largeVariance: false)
        var run = RandomSource(seed: 6), replay = run
        let samples = sampler.sample(count: count, score: HalfScore(dimension: d), rng: &run)
        var large = RandomSource(seed: 6)
        let largeSamples = try BlurringDiffusionSampler(process: process, steps: 2).sample(count: count, score: HalfScore(dimension: d), rng: &large)
        #expect(samples.evaluations == 2 && sampler.schedule.levels.map(\.time) == [1, 0.1])
        let start = replay.normals(count: count * d), xi = replay.normals(count: count * d)
        let basis = (0..<d).map { j -> [Double] in
            var unit = Matrix(rows: 1, columns: d), out = unit, scratch = unit
            unit[0, j] = 1
            process.transform(unit, toFrequencies: false, into: &out, scratch: &scratch)
            return out.elements.map(Double.init)
        }
        func coefficients(_ x: [Double]) -> [Double] { basis.map { v in zip(v, x).reduce(0) { $0 + $1.0 * $1.1 } } }
        func pixels(_ u: [Double]) -> [Double] { (0..<d).map { i in (0..<d).reduce(0.0) { $0 + u[$1] * basis[$1][i] } } }
        func step(_ x: [Double], from t: Double, to s: Double, noise: [Double]?, large: Bool = false) -> [Double] {
            let from = process.level(at: t), to = s == 0 ? NoiseLevel(time: 0, alpha: 1, sigma: 0) : process.level(at: s)
            let dt = process.decays(at: t), ds = process.decays(at: s), u = coefficients(x), e = coefficients(x.map { from.sigma * $0 / 2 })
            let xi = noise.map(coefficients)
            return pixels((0..<d).map { j in
                let aT = from.alpha * dt[j], aS = to.alpha * ds[j], x0 = (u[j] - from.sigma * e[j]) / aT
                guard to.sigma > 0 else { return x0 }
                let ratio = aT / aS, variance = from.sigma * from.sigma - ratio * ratio * to.sigma * to.sigma
                let posterior = 1 / (1 / (to.sigma * to.sigma) + ratio * ratio / variance)
                return posterior * (aS * x0 / (to.sigma * to.sigma) + ratio * u[j] / variance) + (large ? variance : posterior).squareRoot() * xi![j]
            })
        }
        for r in 0..<count {
            let x0 = start[(r * d)..<((r + 1) * d)].map(Double.init), z = xi[(r * d)..<((r + 1) * d)].map(Double.init)
            // The sampler's noise lives in the cosine basis: its coefficients are the draws themselves.
            let half = step(x0, from: 1, to: 0.1, noise: pixels(z)), expected = step(half, from: 0.1, to: 0, noise: nil)
            for j in 0..<d { #expect(isClose(Double(samples.samples[r, j]), expected[j], rel: 1e-4, abs: 1e-4), "sample \(r), pixel \(j)") }
            // The large variance: sigma_(t|s) in place of the posterior's spread.
            let largeExpected = step(step(x0, from: 1, to: 0.1, noise: pixels(z), large: true), from: 0.1, to: 0, noise: nil)
            for j in 0..<d { #expect(isClose(Double(largeSamples.samples[r, j]), largeExpected[j], rel: 1e-4, abs: 1e-4)) }
        }
        // Through x0_hat, clipped far outside the values: the same samples to rounding, over every
        // level of a 50-step chain with a light blur (a_1 = alpha_1 d_1 about 1e-3, so x0_hat's
        // rounding stays small) and a Gaussian's exact score; clipped tight, inside the range.
        let light = Self.process(largestBlur: 1, steps: 50)
        let gaussian = BlurringDiffusionMixtureScore(mixture: FullCovarianceMixture(weights: [1], means: [(0..<d).map { cos(Double($0)) / 2 }],
                                                                                    covariances: [(0..<(d * d)).map { $0 % (d + 1) == 0 ? 0.2 : 0 }])!,
                                                     process: light)
        var a = RandomSource(seed: 6), b = a, c = a
        let unclipped = try BlurringDiffusionSampler(process: light, largeVariance: false).sample(count: count, score: gaussian, rng: &c)
        let loose = try BlurringDiffusionSampler(process: light, largeVariance: false, clip: -1e30...1e30).sample(count: count, score: gaussian, rng: &a)
        for i in loose.samples.elements.indices {
            #expect(isClose(Double(loose.samples.elements[i]), Double(unclipped.samples.elements[i]), rel: 1e-3, abs: 1e-3))
        }
        let tight = try BlurringDiffusionSampler(process: process, steps: 2, clip: -0.1...0.1).sample(count: count, score: HalfScore(dimension: d), rng: &b)
        #expect(tight.samples.elements.allSatisfy { abs($0) <= 0.1 + 1e-6 } && samples.samples.elements.contains { abs($0) > 0.2 })
        #expect(throws: SamplerError.self) { try BlurringDiffusionSampler(process: process, clip: -Float.infinity...1) }
        let clipped = try BlurringDiffusionSampler(process: process, clip: -1...1)
        #expect(sampler.name == "blurring-ancestral-small" && clipped.name == "blurring-ancestral-clipped")
    }

    /// With the exact score of a Gaussian, 50 of the 1,000 levels draw that Gaussian: its mean and the
    /// variance of every cosine coefficient, each damped by its own factor on the way. (The posterior's
    /// small variance gives 76-86% of each variance here, the large one 94-102%.)
    @Test func samplerWithTheExactScoreDrawsTheData() throws {
        let process = Self.process(steps: 1000), d = Self.shape.pixels
        var rng = RandomSource(seed: 8)
        let factor = randomMatrix(d, d, rng: &rng, scale: 0.2)
        var covariance = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for j in 0..<d { covariance[i * d + j] = (0..<d).reduce(i == j ? 0.05 : 0) { $0 + Double(factor[i, $1]) * Double(factor[j, $1]) } } }
        let mean = (0..<d).map { sin(Double($0)) / 2 }
        let data = try #require(FullCovarianceMixture(weights: [1], means: [mean], covariances: [covariance]))
        let n = 4_000
        let samples = try BlurringDiffusionSampler(process: process, steps: 50)
            .sample(count: n, score: BlurringDiffusionMixtureScore(mixture: data, process: process), rng: &rng).samples
        let moments = samples.meanAndCovariance()
        for j in 0..<d {
            let standardError = (covariance[j * d + j] / Double(n)).squareRoot()
            #expect(abs(moments.mean[j] - mean[j]) < 5 * standardError, "pixel \(j): mean \(moments.mean[j]) vs \(mean[j])")
        }
        // Per coefficient v_j: the sample variance against v_j^T S v_j, within 12%.
        let reference = data.sample(count: n, rng: &rng)
        var u = samples, v = reference, scratch = samples
        process.transform(samples, toFrequencies: true, into: &u, scratch: &scratch)
        process.transform(reference, toFrequencies: true, into: &v, scratch: &scratch)
        let drawn = u.meanAndCovariance().covariance, exact = v.meanAndCovariance().covariance
        for j in 0..<d { #expect(isClose(drawn[j * d + j], exact[j * d + j], rel: 0.12), "coefficient \(j): variance \(drawn[j * d + j]) vs \(exact[j * d + j])") }
    }
}
